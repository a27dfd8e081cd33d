// Budgets end to end: the real bundle under `wrangler dev` (the SpendingLedger Durable Object,
// Workflows, R2, KV all local), the fake OpenAI, two callers with their own ledgers, the
// official SDK client over the network.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalStack, type LocalStack } from "../support/local-stack";
import { SUITE_DATE } from "../support/suite-date";
import { connectStreamable, textOf } from "./clients";

const ALICE = "e2e-budget-alice-0123456789abcdef";
const BOB = "e2e-budget-bob-0123456789abcdefgh";
const usd = (value: number) => `$${value.toFixed(4)}`;
const NEXT_MIDNIGHT = "2026-11-26T00:00:00.000Z";

type Quote = { worstCaseUsd: number; verdict: string; today: { spentUsd: number; leftUsd: number } };
type Spending = { day: string; spentUsd: number; reservedUsd: number; openReservations: number };
type Job = { id: string; status: string };

let stack: LocalStack;
const clients: Client[] = [];

async function connect(token: string): Promise<Client> {
  const client = await connectStreamable(stack.base, token);
  clients.push(client);
  return client;
}

async function callTool(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args }, undefined, { timeout: 90_000 })) as CallToolResult;
}

async function finished(client: Client, result: CallToolResult): Promise<CallToolResult> {
  let current = result;
  for (let round = 0; round < 10; round++) {
    const job = (current.structuredContent as { job?: Job } | undefined)?.job;
    if (current.isError || !job || job.status === "succeeded") return current;
    current = await callTool(client, "get_job", { job_id: job.id, wait_seconds: 30 });
  }
  throw new Error("job did not finish");
}

const spendingOf = async (client: Client) =>
  ((await callTool(client, "server_status", {})).structuredContent as { spending: Spending }).spending;
const quoteOf = async (client: Client, args: Record<string, unknown>) =>
  ((await callTool(client, "generate_image", { ...args, estimate: true })).structuredContent as { quote: Quote }).quote;
const costOf = (result: CallToolResult) => (result.structuredContent as { cost: { usd: number } }).cost.usd;
const generations = async () => (await stack.control.requests()).filter((r) => r.path === "/v1/images/generations");

beforeAll(async () => {
  stack = await startLocalStack({
    token: `${ALICE},${BOB}`,
    signingKey: "e2e-budget-signing-key-0123456789abcdefghij",
    vars: { DAILY_BUDGET_USD: "1", MAX_CALL_COST_USD: "1" },
    timeoutMs: 120_000,
  });
}, 150_000);

afterAll(async () => {
  await Promise.allSettled(clients.splice(0).map((c) => c.close()));
  await stack?.stop();
}, 60_000);

describe("budgets under wrangler dev", () => {
  it("quotes without paying, refuses over the per-call ceiling, settles from usage, and needs confirm_cost above the threshold", async () => {
    const alice = await connect(ALICE);
    await stack.control.reset();
    const big = { prompt: "ten large e2e castles", n: 10, size: "1536x1024", quality: "high" };
    const quote = await quoteOf(alice, big);
    expect(quote.verdict).toBe("over_call_ceiling");
    const refused = await callTool(alice, "generate_image", big);
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toBe(
      `This call could cost up to ${usd(quote.worstCaseUsd)}, above this server's ceiling of $1 per call (MAX_CALL_COST_USD). Today (${SUITE_DATE} UTC) you have spent $0.0000 and $0.0000 is reserved by calls still running; the daily budget resets at ${NEXT_MIDNIGHT} (UTC midnight). Ask for less (fewer images, a smaller size, a lower quality, fewer or smaller inputs), or ask the operator to raise MAX_CALL_COST_USD.`,
    );
    expect(await stack.control.requests()).toHaveLength(0);

    const paid = await finished(
      alice,
      await callTool(alice, "generate_image", { prompt: "one e2e pebble", quality: "low", size: "1024x1024" }),
    );
    expect(paid.isError).toBeFalsy();
    expect(await spendingOf(alice)).toMatchObject({ day: SUITE_DATE, spentUsd: costOf(paid), reservedUsd: 0, openReservations: 0 });

    const costly = { prompt: "three e2e dragons", n: 3 };
    const costlyWorst = (await quoteOf(alice, costly)).worstCaseUsd;
    const asked = await callTool(alice, "generate_image", costly);
    expect(textOf(asked)).toBe(
      `confirm_cost: this generate_image call could cost up to ${usd(costlyWorst)}, above $0.5 (CONFIRM_ABOVE_USD), and this client cannot ask the user. Ask the user yourself, then call again with confirm_cost: true (or call with estimate: true to see the figures).`,
    );
    const confirmed = await finished(alice, await callTool(alice, "generate_image", { ...costly, confirm_cost: true }));
    expect(confirmed.isError).toBeFalsy();
    const after = await spendingOf(alice);
    expect(after.spentUsd).toBe(Math.round((costOf(paid) + costOf(confirmed)) * 1e6) / 1e6);
    expect(after.openReservations).toBe(0);
  });

  it("another caller's parallel calls near the ceiling run only as far as their worst cases fit, in their own ledger", async () => {
    const bob = await connect(BOB);
    const race = (i: number) => ({ prompt: `e2e race ${String(i).padStart(2, "0")}`, quality: "high", size: "1024x1024", wait_seconds: 0 });
    const worst = (await quoteOf(bob, race(1))).worstCaseUsd;
    for (let i = 2; i <= 10; i++) expect((await quoteOf(bob, race(i))).worstCaseUsd).toBe(worst);
    const fits = Math.floor(1 / worst);
    expect(fits).toBe(8);
    await stack.control.reset();
    await stack.control.setDelay(2000);
    let results: CallToolResult[];
    try {
      results = await Promise.all(Array.from({ length: 10 }, (_, i) => callTool(bob, "generate_image", race(i + 1))));
    } finally {
      await stack.control.setDelay(0);
    }
    const started = results.filter((r) => !r.isError);
    expect(started).toHaveLength(fits);
    for (const r of results.filter((r) => r.isError))
      expect(textOf(r)).toContain("which would pass your daily budget of $1 (DAILY_BUDGET_USD)");
    const done = await Promise.all(started.map((r) => finished(bob, r)));
    const spending = await spendingOf(bob);
    expect(spending.openReservations).toBe(0);
    expect(spending.spentUsd).toBe(Math.round(done.reduce((sum, r) => sum + costOf(r), 0) * 1e6) / 1e6);
    expect(spending.spentUsd).toBeLessThanOrEqual(1);
    expect(await generations()).toHaveLength(fits);
  });
});
