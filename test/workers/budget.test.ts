import { env } from "cloudflare:workers";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { usd } from "../../src/budget/budget";
import { ledgerFor, type LedgerAudit } from "../../src/budget/ledger-state";
import { clockOn } from "../../src/clock";
import { readConfig, type Config } from "../../src/config";
import { tokenCaller } from "../../src/identity";
import { createServices } from "../../src/services";
import { tokenPseudonym } from "../../src/http/signing";
import { IMAGE_OUTPUT_TOKENS_1024, imageModel, visionModel } from "../../src/openai/catalog";
import { FakeOpenAIControl } from "../fake-openai/control";
import { storeAsset } from "../support/assets";
import {
  NEXT_MIDNIGHT,
  resultText as text,
  runAs,
  settledAudit,
  sleep,
  type CostAnswers,
  quoteOf,
  type ToolResult as Result,
} from "../support/budget-caller";
import { BASE, call, connect, connectModern, ModernClient, SECOND_TOKEN, structured, textOf, worker } from "../support/mcp";
import { solidPng } from "../support/png";
import { SUITE_DATE } from "../support/suite-date";
import { workerWith } from "../support/worker-with";

const fake = new FakeOpenAIControl(inject("fakeOpenAIUrl"));
beforeEach(() => fake.reset());

const gpt2 = imageModel("gpt-image-2")!.prices!;

type Job = { id: string; status: string };

/** A result's one-line summary (the JSON follows it). */
const summaryOf = (result: Result) => text(result).split("\n")[0];

let callers = 0;

/**
 * A caller with a ledger of its own (a new pseudonym) whose calls run through the tool runner
 * with `changes` to the server's configuration; with `elicitation`, cost questions are answered
 * by `answer()`. (Test files that connect an MCP client to an imported Worker with changed
 * settings must be few: a second one beside config.test.ts overflows the pool's socket.)
 */
async function newCaller(changes: Partial<Config> = {}, elicitation?: CostAnswers) {
  const id = `budget-caller-${++callers}-${crypto.randomUUID()}`;
  const servicesWith = (more: Partial<Config>) =>
    createServices(env, { ...readConfig(env), ...changes, ...more }, "http://localhost", tokenCaller(id));
  const services = servicesWith({});
  const ledger = ledgerFor(env.SPENDING_LEDGER, id);
  return {
    call: (name: string, args: Record<string, unknown>) => runAs(services, name, args, elicitation),
    /** The ledger as the load run checks it: every day's spending and every open reservation. */
    audit: (): Promise<LedgerAudit> => ledger.audit(Date.now()),
    ledger,
    /** One call as this caller with more settings changed (another day, say). */
    callWith: (more: Partial<Config>, name: string, args: Record<string, unknown>) => runAs(servicesWith(more), name, args, elicitation),
    close: async (): Promise<void> => undefined,
  };
}

/**
 * The pool's second token through the Worker's own entry (exports.default): for paid calls that
 * count tokens (analyses, verify), which a second test file must not do through an imported
 * Worker (the pool's socket then refuses the tokenizer's ranks as too large a message). Its
 * ledger is shared across this file's tests: compare before and after.
 */
async function poolCaller() {
  const client = new ModernClient({ name: "budget-pool", version: "1.0.0" }, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
  await client.connect(
    new ModernTransport(new URL(`${BASE}/mcp`), { fetch: worker, requestInit: { headers: { authorization: `Bearer ${SECOND_TOKEN}` } } }),
  );
  const ledger = ledgerFor(env.SPENDING_LEDGER, await tokenPseudonym(SECOND_TOKEN, readConfig(env).signingKey));
  return {
    call: async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as Result,
    audit: (): Promise<LedgerAudit> => ledger.audit(Date.now()),
    ledger,
    callWith: async (_more: Partial<Config>, _name: string, _args: Record<string, unknown>): Promise<Result> => {
      throw new Error("the pool caller runs with the pool's settings only");
    },
    close: () => client.close(),
  };
}

type Caller = Awaited<ReturnType<typeof newCaller>>;

/** Waits for a job handed back by a call and returns its final result. */
async function finished(caller: Caller, result: Result): Promise<Result> {
  let current = result;
  for (let round = 0; round < 20; round++) {
    const job = current.structuredContent?.["job"] as Job | undefined;
    if (current.isError || !job || job.status === "succeeded") return current;
    current = await caller.call("get_job", { job_id: job.id, wait_seconds: 10 });
  }
  throw new Error("job did not finish");
}

const settled = (caller: Caller): Promise<LedgerAudit> => settledAudit(caller.audit);

const generations = async () => (await fake.requests()).filter((r) => r.path === "/v1/images/generations");
const costOf = (result: Result) => (result.structuredContent?.["cost"] as { usd: number }).usd;
const spentOn = (audit: LedgerAudit, day = SUITE_DATE) => audit.days[day]?.spentUsd ?? 0;
const round6 = (value: number) => Math.round(value * 1e6) / 1e6;

const bytesOf = (text: string) => new TextEncoder().encode(text).byteLength;

/**
 * What the catalog says n images at this quality and size cost on gpt-image-2. The prompt's text
 * tokens: at most its UTF-8 bytes (the worst case), or a quarter of them (`typical`).
 */
async function catalogImageCost(
  prompt: string,
  quality: keyof typeof IMAGE_OUTPUT_TOKENS_1024,
  pixels: number,
  n: number,
  text: "worst" | "typical" = "worst",
) {
  const output = n * Math.ceil((IMAGE_OUTPUT_TOKENS_1024[quality] * pixels) / (1024 * 1024));
  const textTokens = text === "worst" ? bytesOf(prompt) : Math.ceil(bytesOf(prompt) / 4);
  return round6((textTokens * gpt2.textInput + output * gpt2.imageOutput) / 1_000_000);
}

describe("configuration", () => {
  it("names each bad budget variable on /health", async () => {
    const response = await workerWith({ DAILY_BUDGET_USD: "0", MAX_CALL_COST_USD: "two", CONFIRM_ABOVE_USD: "-1" })(
      "http://localhost/health",
    );
    expect(response.status).toBe(500);
    expect(((await response.json()) as { problems: string[] }).problems).toEqual([
      'DAILY_BUDGET_USD: must be a positive number, got "0"',
      'MAX_CALL_COST_USD: must be a positive number, got "two"',
      'CONFIRM_ABOVE_USD: must be a positive number, got "-1"',
    ]);
  });
});

describe("estimate: true", () => {
  it("quotes generate_image from the catalog (worst case and typical), with the ceilings and today's budget, and pays, stores and reserves nothing", async () => {
    const caller = await newCaller();
    const prompt = "a lighthouse at dusk, estimate only";
    const result = await caller.call("generate_image", { prompt, n: 2, size: "1536x1024", quality: "high", estimate: true });
    const worst = await catalogImageCost(prompt, "high", 1536 * 1024, 2);
    const typical = await catalogImageCost(prompt, "high", 1536 * 1024, 2, "typical");
    const quote = quoteOf(result);
    expect(quote).toEqual({
      worstCaseUsd: worst,
      typicalUsd: typical,
      basis: [
        "gpt-image-2: 2 images at 1536x1024, quality high (6240 output tokens each)",
        `prompt: at most ${bytesOf(prompt)} text tokens (its UTF-8 bytes)`,
      ],
      ceilings: { dailyBudgetUsd: 10, maxCallCostUsd: 2, confirmAboveUsd: 0.5 },
      today: { day: SUITE_DATE, spentUsd: 0, reservedUsd: 0, leftUsd: 10, resetsAt: NEXT_MIDNIGHT },
      verdict: "would_run",
    });
    expect(summaryOf(result)).toBe(
      `Estimate for generate_image: up to ${usd(worst)}, typically ${usd(typical)}; $10.0000 of your $10 daily budget is left (resets ${NEXT_MIDNIGHT}); it would run now. Nothing was paid or stored.`,
    );
    expect(await fake.requests()).toHaveLength(0);
    expect(await caller.audit()).toEqual({ days: {}, open: [] });
    await caller.close();
  });

  it("bounds auto size and quality by the largest preset at high, and calls medium at 1024x1024 typical", async () => {
    const caller = await newCaller();
    const prompt = "an auto-sized fox";
    const quote = quoteOf(await caller.call("generate_image", { prompt, estimate: true }));
    expect(quote.worstCaseUsd).toBe(await catalogImageCost(prompt, "high", 1536 * 1024, 1));
    expect(quote.typicalUsd).toBe(await catalogImageCost(prompt, "medium", 1024 * 1024, 1, "typical"));
    expect(quote.basis[0]).toBe("gpt-image-2: 1 image at 1536x1024, quality high (6240 output tokens each; auto bounded by the largest)");
    await caller.close();
  });

  it("prices edit_image's input images with the catalog's tile rule, and says when a call would need confirmation", async () => {
    const caller = await newCaller();
    const input = await storeAsset({ bytes: await solidPng(1024, 1024, [200, 10, 10, 255]), width: 1024, height: 1024 });
    const prompt = "make it blue";
    const quote = quoteOf(
      await caller.call("edit_image", {
        prompt,
        images: [input.sha256],
        n: 5,
        quality: "high",
        size: "1024x1024",
        estimate: true,
      }),
    );
    // 1024² → short side to 512 → one tile: 65 + 129 image input tokens.
    const expected = round6((await catalogImageCost(prompt, "high", 1024 * 1024, 5)) + (194 * gpt2.imageInput) / 1_000_000);
    expect(quote.worstCaseUsd).toBe(expected);
    expect(quote.verdict).toBe("needs_confirmation");
    expect(quote.basis[1]).toBe(`prompt: at most ${bytesOf(prompt)} text tokens (its UTF-8 bytes); 1 input image: 194 image tokens`);
    expect(await fake.requests()).toHaveLength(0);
    await caller.close();
  });

  it("quotes analyze_image from the model's prices: input tokens plus the whole output budget, and a retry within the analysis cap", async () => {
    const caller = await poolCaller();
    const image = await storeAsset({ bytes: await solidPng(64, 48, [20, 200, 20, 255]), width: 64, height: 48 });
    const result = await caller.call("analyze_image", {
      images: [image.sha256],
      question: "What colour is it?",
      model: "gpt-4.1-mini",
      max_output_tokens: 100,
      estimate: true,
    });
    const quote = quoteOf(result);
    const [line] = quote.basis;
    const inputTokens = Number(/(\d+) input tokens/.exec(line!)![1]);
    expect(line).toBe(`gpt-4.1-mini: ${inputTokens} input tokens, up to 100 output tokens (reasoning included)`);
    const prices = visionModel("gpt-4.1-mini")!.prices;
    // Each bound is priced as cost.ts prices a bill (to the micro-dollar), then added.
    const first = round6((inputTokens * prices.input + 100 * prices.output) / 1_000_000);
    const retry = round6((inputTokens * prices.input + 200 * prices.output) / 1_000_000);
    expect(quote.worstCaseUsd).toBe(round6(first + retry));
    expect(quote.typicalUsd).toBe(round6((inputTokens * prices.input + 50 * prices.output) / 1_000_000));
    expect(await fake.requests()).toHaveLength(0);
    await caller.close();
  });

  it("refuses a malformed estimate or confirm_cost, naming the field", async () => {
    const caller = await newCaller();
    const bad = await caller.call("generate_image", { prompt: "x", estimate: "yes" });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toBe('Invalid arguments for generate_image: estimate: must be a boolean, not string "yes". Fix it and call again.');
    const worse = await caller.call("check_image", { image: "0".repeat(64), prompt: "x", confirm_cost: 1 });
    expect(text(worse)).toBe("Invalid arguments for check_image: confirm_cost: must be a boolean, not number 1. Fix it and call again.");
    await caller.close();
  });
});

describe("ceilings", () => {
  it("refuses a call over MAX_CALL_COST_USD before anything is paid, naming the ceiling, today's spending and the reset", async () => {
    const caller = await newCaller({ maxCallCostUsd: 0.1 });
    const prompt = "a costly castle";
    const worst = await catalogImageCost(prompt, "high", 1024 * 1024, 1);
    const refused = await caller.call("generate_image", { prompt, quality: "high", size: "1024x1024" });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toBe(
      `This call could cost up to ${usd(worst)}, above this server's ceiling of $0.1 per call (MAX_CALL_COST_USD). Today (${SUITE_DATE} UTC) you have spent $0.0000 and $0.0000 is reserved by calls still running; the daily budget resets at ${NEXT_MIDNIGHT} (UTC midnight). Ask for less (fewer images, a smaller size, a lower quality, fewer or smaller inputs), or ask the operator to raise MAX_CALL_COST_USD.`,
    );
    expect(await fake.requests()).toHaveLength(0);
    expect(await caller.audit()).toEqual({ days: {}, open: [] });
    await caller.close();
  });

  it("refuses a call that would pass DAILY_BUDGET_USD once today's spending is counted", async () => {
    const caller = await newCaller({ dailyBudgetUsd: 0.13 });
    const first = await finished(
      caller,
      await caller.call("generate_image", { prompt: "a cheap pebble", quality: "low", size: "1024x1024" }),
    );
    const spent = costOf(first);
    expect(spent).toBeGreaterThan(0);
    const prompt = "an expensive mountain";
    const worst = await catalogImageCost(prompt, "high", 1024 * 1024, 1);
    const refused = await caller.call("generate_image", { prompt, quality: "high", size: "1024x1024" });
    expect(text(refused)).toBe(
      `This call could cost up to ${usd(worst)}, which would pass your daily budget of $0.13 (DAILY_BUDGET_USD): ${usd(0.13 - spent)} is left. Today (${SUITE_DATE} UTC) you have spent ${usd(spent)} and $0.0000 is reserved by calls still running; the daily budget resets at ${NEXT_MIDNIGHT} (UTC midnight). Ask for less, wait for the reset or for running calls to settle, or ask the operator to raise DAILY_BUDGET_USD.`,
    );
    expect(await generations()).toHaveLength(1);
    const status = structured<{ spending: Record<string, unknown> }>((await caller.call("server_status", {})) as never).spending;
    expect(status).toEqual({
      day: SUITE_DATE,
      spentUsd: spent,
      reservedUsd: 0,
      leftUsd: round6(0.13 - spent),
      openReservations: 0,
      resetsAt: NEXT_MIDNIGHT,
      dailyBudgetUsd: 0.13,
      maxCallCostUsd: 2,
      confirmAboveUsd: 0.5,
    });
    await caller.close();
  });

  it("twenty parallel calls near the ceiling: exactly the reservations that fit run, the rest are refused, and nothing overspends", async () => {
    const prompt = (i: number) => `budget race ${String(i).padStart(2, "0")}`;
    const worst = await catalogImageCost(prompt(10), "low", 1024 * 1024, 1);
    for (let i = 1; i <= 20; i++) expect(await catalogImageCost(prompt(i), "low", 1024 * 1024, 1)).toBe(worst);
    // Room for five worst cases (and a little), not six.
    const budget = round6(worst * 5.5);
    const caller = await newCaller({ dailyBudgetUsd: budget });
    await fake.setDelay(1500);
    try {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          caller.call("generate_image", { prompt: prompt(i + 1), quality: "low", size: "1024x1024", wait_seconds: 0 }),
        ),
      );
      const refused = results.filter((r) => r.isError);
      const started = results.filter((r) => !r.isError);
      expect(started).toHaveLength(5);
      expect(refused).toHaveLength(15);
      for (const r of refused) {
        expect(text(r)).toBe(
          `This call could cost up to ${usd(worst)}, which would pass your daily budget of $${budget} (DAILY_BUDGET_USD): ${usd(budget - 5 * worst)} is left. Today (${SUITE_DATE} UTC) you have spent $0.0000 and ${usd(5 * worst)} is reserved by calls still running; the daily budget resets at ${NEXT_MIDNIGHT} (UTC midnight). Ask for less, wait for the reset or for running calls to settle, or ask the operator to raise DAILY_BUDGET_USD.`,
        );
      }
      const done = await Promise.all(started.map((r) => finished(caller, r)));
      const audit = await settled(caller);
      expect(audit.open).toEqual([]);
      expect(spentOn(audit)).toBe(round6(done.reduce((sum, r) => sum + costOf(r), 0)));
      expect(spentOn(audit)).toBeLessThanOrEqual(budget);
      expect(await generations()).toHaveLength(5);
    } finally {
      await fake.setDelay(0);
    }
    await caller.close();
  });

  it("the ledger admits exactly what fits when twenty reservations race", async () => {
    const ledger = ledgerFor(env.SPENDING_LEDGER, `race-${crypto.randomUUID()}`);
    const nowMs = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        ledger.reserve({
          day: SUITE_DATE,
          worstUsd: 1,
          label: `call ${i}`,
          nowMs,
          expiresAtMs: nowMs + 60_000,
          dailyBudgetUsd: 5,
          maxCallCostUsd: 2,
        }),
      ),
    );
    expect(answers.filter((a) => a.ok)).toHaveLength(5);
    expect(answers.filter((a) => !a.ok).map((a) => !a.ok && a.ceiling)).toEqual(Array(15).fill("daily"));
    expect(await ledger.totals(SUITE_DATE, nowMs)).toEqual({ day: SUITE_DATE, spentUsd: 0, reservedUsd: 5, openReservations: 5 });
  });
});

describe("joining a running identical job costs nothing, even at the ceiling", () => {
  const args = (prompt: string) => ({ prompt, quality: "low", size: "1024x1024", wait_seconds: 0 });
  const jobOf = (result: Result) => result.structuredContent?.["job"] as Job;
  const dailyRefusal = (worst: number, budget: number, reserved: number) =>
    `This call could cost up to ${usd(worst)}, which would pass your daily budget of $${budget} (DAILY_BUDGET_USD): ${usd(budget - reserved)} is left. Today (${SUITE_DATE} UTC) you have spent $0.0000 and ${usd(reserved)} is reserved by calls still running; the daily budget resets at ${NEXT_MIDNIGHT} (UTC midnight). Ask for less, wait for the reset or for running calls to settle, or ask the operator to raise DAILY_BUDGET_USD.`;

  it("the caller whose running job holds the budget joins it again; a different call is refused with the daily message", async () => {
    const prompt = "ceiling join AA";
    const worst = await catalogImageCost(prompt, "low", 1024 * 1024, 1);
    expect(await catalogImageCost("ceiling join BB", "low", 1024 * 1024, 1)).toBe(worst);
    // Room for one worst case, not two.
    const budget = round6(worst * 1.5);
    const caller = await newCaller({ dailyBudgetUsd: budget });
    await fake.setDelay(1500);
    try {
      const first = await caller.call("generate_image", args(prompt));
      expect(first.isError).toBeFalsy();
      const again = await caller.call("generate_image", args(prompt));
      expect(again.isError).toBeFalsy();
      expect(jobOf(again).id).toBe(jobOf(first).id);
      const other = await caller.call("generate_image", args("ceiling join BB"));
      expect(other.isError).toBe(true);
      expect(text(other)).toBe(dailyRefusal(worst, budget, worst));
      expect((await caller.audit()).open.map((r) => r.worstUsd)).toEqual([worst]);
      const [done, joined] = await Promise.all([first, again].map((r) => finished(caller, r)));
      expect(joined?.structuredContent?.["images"]).toEqual(done?.structuredContent?.["images"]);
      expect(await settled(caller)).toEqual({ days: { [SUITE_DATE]: { spentUsd: costOf(done!), settled: 1 } }, open: [] });
      expect(await generations()).toHaveLength(1);
    } finally {
      await fake.setDelay(0);
    }
    await caller.close();
  });

  it("another caller with no budget left joins someone's running identical job (team library): nothing reserved or charged to it", async () => {
    const prompt = "a lantern shared at the ceiling";
    const worst = await catalogImageCost(prompt, "low", 1024 * 1024, 1);
    const starter = await newCaller();
    const broke = await newCaller({ dailyBudgetUsd: round6(worst / 2) });
    await fake.setDelay(1500);
    try {
      // Alone, the second caller cannot start it.
      const alone = await broke.call("generate_image", args(`${prompt}, alone`));
      expect(text(alone)).toBe(dailyRefusal(await catalogImageCost(`${prompt}, alone`, "low", 1024 * 1024, 1), round6(worst / 2), 0));
      const started = await starter.call("generate_image", args(prompt));
      const joined = await broke.call("generate_image", args(prompt));
      expect(joined.isError).toBeFalsy();
      expect(jobOf(joined).id).toBe(jobOf(started).id);
      const shared = await finished(broke, joined);
      expect(shared.structuredContent?.["sharedInFlight"]).toBe(true);
      expect(costOf(shared)).toBe(0);
      expect(await broke.audit()).toEqual({ days: {}, open: [] });
      const paid = await finished(starter, started);
      expect(spentOn(await settled(starter))).toBe(costOf(paid));
      expect(await generations()).toHaveLength(1);
    } finally {
      await fake.setDelay(0);
    }
    await starter.close();
    await broke.close();
  });

  it("eight identical calls at once with room for one: one job starts, reserved; the rest join it or get the daily refusal, and later ones join", async () => {
    const prompt = "eight identical calls at the ceiling";
    const worst = await catalogImageCost(prompt, "low", 1024 * 1024, 1);
    const budget = round6(worst * 1.5);
    const caller = await newCaller({ dailyBudgetUsd: budget });
    await fake.setDelay(1500);
    try {
      const results = await Promise.all(Array.from({ length: 8 }, () => caller.call("generate_image", args(prompt))));
      const running = results.filter((r) => !r.isError);
      const refused = results.filter((r) => r.isError);
      expect(running.length).toBeGreaterThanOrEqual(1);
      expect(new Set(running.map((r) => jobOf(r).id)).size).toBe(1);
      for (const r of refused) expect(text(r)).toBe(dailyRefusal(worst, budget, worst));
      // The one job holds the one reservation while it runs.
      expect((await caller.audit()).open.map((r) => r.worstUsd)).toEqual([worst]);
      // Once the job is running, every identical call joins it: none is refused, none reserves.
      const later = await Promise.all(Array.from({ length: 4 }, () => caller.call("generate_image", args(prompt))));
      expect(later.map((r) => r.isError ?? false)).toEqual([false, false, false, false]);
      expect(later.map((r) => jobOf(r).id)).toEqual(Array(4).fill(jobOf(running[0]!).id));
      const done = await finished(caller, running[0]!);
      expect(await settled(caller)).toEqual({ days: { [SUITE_DATE]: { spentUsd: costOf(done), settled: 1 } }, open: [] });
      expect(await generations()).toHaveLength(1);
    } finally {
      await fake.setDelay(0);
    }
    await caller.close();
  });
});

describe("settlement", () => {
  it("settles each paid call with the cost of the usage OpenAI reported, not the worst case", async () => {
    const caller = await poolCaller();
    const before = spentOn(await settled(caller));
    const image = await finished(
      caller,
      await caller.call("generate_image", { prompt: "a settled sunflower", quality: "medium", size: "1024x1024" }),
    );
    const pic = await storeAsset({ bytes: await solidPng(40, 30, [9, 9, 200, 255]), width: 40, height: 30 });
    const analysis = await finished(caller, await caller.call("analyze_image", { images: [pic.sha256], question: "Which colour?" }));
    const audit = await settled(caller);
    expect(audit.open).toEqual([]);
    expect(spentOn(audit)).toBe(round6(before + costOf(image) + costOf(analysis)));
    const usage = (image.structuredContent?.["usage"] as { outputTokens: number }).outputTokens;
    expect(usage).toBe(IMAGE_OUTPUT_TOKENS_1024.medium);
    await caller.close();
  });

  it("a cache hit and a joined identical call cost nothing", async () => {
    const caller = await newCaller();
    await fake.setDelay(1000);
    let pair: Result[];
    try {
      pair = await Promise.all([1, 2].map(() => caller.call("generate_image", { prompt: "a shared comet", quality: "low" })));
    } finally {
      await fake.setDelay(0);
    }
    const done = await Promise.all(pair.map((r) => finished(caller, r)));
    expect(done.map((r) => r.structuredContent?.["sharedInFlight"]).sort()).toEqual([false, true]);
    const once = await settled(caller);
    const paid = done.map(costOf).reduce((a, b) => a + b, 0);
    expect(spentOn(once)).toBe(paid);
    const hit = await caller.call("generate_image", { prompt: "a shared comet", quality: "low" });
    expect(hit.structuredContent?.["cached"]).toBe(true);
    expect(await caller.audit()).toEqual(once);
    expect(await generations()).toHaveLength(1);
    await caller.close();
  });

  it("a retry within a job settles with the total paid: both answers of a cut-off analysis", async () => {
    const caller = await poolCaller();
    const before = spentOn(await settled(caller));
    const pic = await storeAsset({ bytes: await solidPng(32, 32, [90, 9, 9, 255]), width: 32, height: 32 });
    await fake.addFault({ kind: "long_reasoning", path: "/v1/responses" });
    const done = await finished(
      caller,
      await caller.call("analyze_image", { images: [pic.sha256], question: "Cut off once, then answer." }),
    );
    expect(text(done)).toContain("The first answer was cut off at 3248 output tokens; asked again once with 6496.");
    const responses = (await fake.requests()).filter((r) => r.path === "/v1/responses");
    expect(responses).toHaveLength(2);
    // The result prices the two calls' usage together; the ledger was charged each as it came.
    const audit = await settled(caller);
    expect(audit.open).toEqual([]);
    expect(Math.abs(spentOn(audit) - before - costOf(done))).toBeLessThanOrEqual(1e-6);
    await caller.close();
  });

  it("verify: true reserves and settles the images and their checks together", async () => {
    const caller = await poolCaller();
    const before = spentOn(await settled(caller));
    const args = { prompt: "a verified violet", quality: "low", size: "1024x1024", n: 2, verify: true };
    const quote = quoteOf(await caller.call("generate_image", { ...args, estimate: true }));
    expect(quote.basis[2]).toMatch(/^verify: 2 checks by gpt-6\.1-terra, up to \$0\.\d{4} each$/);
    expect(quote.worstCaseUsd).toBeGreaterThan(await catalogImageCost(args.prompt, "low", 1024 * 1024, 2));
    const done = await finished(caller, await caller.call("generate_image", args));
    const checks = done.structuredContent?.["verification"] as Array<{ costUsd: number }>;
    expect(checks).toHaveLength(2);
    const audit = await settled(caller);
    expect(spentOn(audit)).toBe(round6(before + costOf(done) + checks.reduce((sum, c) => sum + c.costUsd, 0)));
    expect(spentOn(audit) - before).toBeLessThanOrEqual(quote.worstCaseUsd);
    await caller.close();
  });

  it("an image call OpenAI answered without usage settles at its worst case", async () => {
    const caller = await newCaller();
    const args = { prompt: "a bill nobody sent", quality: "low", size: "1024x1024" };
    const quote = quoteOf(await caller.call("generate_image", { ...args, estimate: true }));
    await fake.addFault({ kind: "missing_usage", path: "/v1/images/generations" });
    const done = await finished(caller, await caller.call("generate_image", args));
    expect(done.isError).toBeFalsy();
    expect(await settled(caller)).toEqual({ days: { [SUITE_DATE]: { spentUsd: quote.worstCaseUsd, settled: 1 } }, open: [] });
    await caller.close();
  });

  it("a failed job releases its reservation: nothing charged", async () => {
    const caller = await newCaller();
    await fake.addFault({ kind: "moderation", path: "/v1/images/generations" });
    const failed = await finished(caller, await caller.call("generate_image", { prompt: "a refused request", quality: "low" }));
    expect(failed.isError).toBe(true);
    expect(await settled(caller)).toEqual({ days: { [SUITE_DATE]: { spentUsd: 0, settled: 1 } }, open: [] });
    await caller.close();
  });

  it("a cancelled job releases its reservation", async () => {
    const caller = await newCaller();
    await fake.addFault({ kind: "slow", path: "/v1/images/generations", delayMs: 4000 });
    const started = await caller.call("generate_image", { prompt: "cancel the bill", quality: "low", wait_seconds: 0 });
    const job = started.structuredContent?.["job"] as Job;
    expect((await caller.audit()).open).toHaveLength(1);
    await sleep(500);
    await caller.call("cancel_job", { job_id: job.id });
    expect(await settled(caller)).toEqual({ days: { [SUITE_DATE]: { spentUsd: 0, settled: 1 } }, open: [] });
    await caller.close();
  });

  it("a reservation never settled (a crash) expires after its hold, keeping what was paid", async () => {
    const ledger = ledgerFor(env.SPENDING_LEDGER, `crash-${crypto.randomUUID()}`);
    const nowMs = Date.now();
    const answer = await ledger.reserve({
      day: SUITE_DATE,
      worstUsd: 0.4,
      label: "lost",
      nowMs,
      expiresAtMs: nowMs + 1000,
      dailyBudgetUsd: 1,
      maxCallCostUsd: 2,
    });
    if (!answer.ok) throw new Error("reservation refused");
    await ledger.charge(answer.reservation.id, 0.05, SUITE_DATE);
    expect(await ledger.totals(SUITE_DATE, nowMs + 500)).toEqual({ day: SUITE_DATE, spentUsd: 0, reservedUsd: 0.4, openReservations: 1 });
    expect(await ledger.totals(SUITE_DATE, nowMs + 1000)).toEqual({ day: SUITE_DATE, spentUsd: 0.05, reservedUsd: 0, openReservations: 0 });
    // Settling after expiry changes nothing.
    expect(await ledger.settle(answer.reservation.id, nowMs + 2000)).toEqual({ found: false, settledUsd: 0 });
  });

  it("a paid call without usage settles at the worst case", async () => {
    const ledger = ledgerFor(env.SPENDING_LEDGER, `unknown-${crypto.randomUUID()}`);
    const nowMs = Date.now();
    const answer = await ledger.reserve({
      day: SUITE_DATE,
      worstUsd: 0.3,
      label: "no usage",
      nowMs,
      expiresAtMs: nowMs + 60_000,
      dailyBudgetUsd: 1,
      maxCallCostUsd: 2,
    });
    if (!answer.ok) throw new Error("reservation refused");
    await ledger.charge(answer.reservation.id, null, SUITE_DATE);
    expect(await ledger.settle(answer.reservation.id, nowMs)).toEqual({ found: true, settledUsd: 0.3 });
  });

  it("counts spending per UTC day of the server's clock: a new day starts at zero", async () => {
    const caller = await newCaller();
    const paid = costOf(await finished(caller, await caller.call("generate_image", { prompt: "yesterday's moon", quality: "low" })));
    await settled(caller);
    const spendingOn = async (date: string) =>
      structured<{ spending: { day: string; spentUsd: number; resetsAt: string } }>(
        (await caller.callWith({ clock: clockOn(date) }, "server_status", {})) as never,
      ).spending;
    expect(await spendingOn(SUITE_DATE)).toMatchObject({ day: SUITE_DATE, spentUsd: paid, resetsAt: NEXT_MIDNIGHT });
    expect(await spendingOn("2026-11-26")).toMatchObject({ day: "2026-11-26", spentUsd: 0, resetsAt: "2026-11-27T00:00:00.000Z" });
    await caller.close();
  });
});

describe("confirmation above CONFIRM_ABOVE_USD", () => {
  // n: 3 at auto quality and size: 3 × 6,240 output tokens at $30/1M = $0.5616, above the default $0.5.
  // Each test its own prompt: an earlier test's result would answer from the cache, free.
  const costly = (prompt: string) => ({ prompt, n: 3 });

  it("asks the user first; accepted, the call runs", async () => {
    const questions: string[] = [];
    const caller = await newCaller({}, { answer: () => "accept", questions });
    const worst = await catalogImageCost("three accepted dragons", "high", 1536 * 1024, 3);
    const done = await finished(caller, await caller.call("generate_image", costly("three accepted dragons")));
    expect(done.isError).toBeFalsy();
    expect(questions).toEqual([
      `generate_image could cost up to ${usd(worst)} (typically ${usd(await catalogImageCost("three accepted dragons", "medium", 1024 * 1024, 3, "typical"))}). You have $10.0000 of your $10 daily budget left today. Go ahead?`,
    ]);
    expect(await generations()).toHaveLength(1);
    await caller.close();
  });

  it("a decline costs nothing and says so", async () => {
    const caller = await newCaller({}, { answer: () => "decline", questions: [] });
    const worst = await catalogImageCost("three declined dragons", "high", 1536 * 1024, 3);
    const declined = await caller.call("generate_image", costly("three declined dragons"));
    expect(declined.isError).toBeFalsy();
    expect(declined.structuredContent).toMatchObject({ declined: true, quote: { worstCaseUsd: worst, verdict: "needs_confirmation" } });
    expect(summaryOf(declined)).toBe(`Not run: the user declined a cost of up to ${usd(worst)}. Nothing was paid or stored.`);
    expect(await fake.requests()).toHaveLength(0);
    expect(await caller.audit()).toEqual({ days: {}, open: [] });
    await caller.close();
  });

  it("a client that cannot be asked needs confirm_cost: true", async () => {
    const caller = await newCaller();
    const worst = await catalogImageCost("three confirmed dragons", "high", 1536 * 1024, 3);
    const refused = await caller.call("generate_image", costly("three confirmed dragons"));
    expect(refused.isError).toBe(true);
    expect(text(refused)).toBe(
      `confirm_cost: this generate_image call could cost up to ${usd(worst)}, above $0.5 (CONFIRM_ABOVE_USD), and this client cannot ask the user. Ask the user yourself, then call again with confirm_cost: true (or call with estimate: true to see the figures).`,
    );
    expect(await fake.requests()).toHaveLength(0);
    const done = await finished(caller, await caller.call("generate_image", { ...costly("three confirmed dragons"), confirm_cost: true }));
    expect(done.isError).toBeFalsy();
    expect(await generations()).toHaveLength(1);
    await caller.close();
  });

  it("asks through the 2026 input_required round trip; a decline costs nothing", async () => {
    const client = await connectModern({ elicitation: true });
    const questions: string[] = [];
    client.setRequestHandler("elicitation/create", async (request: { params: { message: string } }) => {
      questions.push(request.params.message);
      return { action: "decline" };
    });
    const prompt = "three modern dragons";
    const declined = (await client.callTool({ name: "generate_image", arguments: { prompt, n: 3 } })) as Result;
    expect(declined.structuredContent).toMatchObject({ declined: true });
    expect(questions).toEqual([
      `generate_image could cost up to ${usd(await catalogImageCost(prompt, "high", 1536 * 1024, 3))} (typically ${usd(await catalogImageCost(prompt, "medium", 1024 * 1024, 3, "typical"))}). You have $10.0000 of your $10 daily budget left today. Go ahead?`,
    ]);
    expect(await fake.requests()).toHaveLength(0);
    await client.close();
  });

  it("asks through elicitation in a 2025 session", async () => {
    const client = await connect({ capabilities: { capabilities: { elicitation: { form: {} } } } });
    const questions: string[] = [];
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      questions.push(request.params.message);
      return { action: "decline" };
    });
    const declined = await call(client, "generate_image", { prompt: "three session dragons", n: 3 });
    expect(structured(declined)).toMatchObject({ declined: true });
    const prompt = "three session dragons";
    expect(questions).toEqual([
      `generate_image could cost up to ${usd(await catalogImageCost(prompt, "high", 1536 * 1024, 3))} (typically ${usd(await catalogImageCost(prompt, "medium", 1024 * 1024, 3, "typical"))}). You have $10.0000 of your $10 daily budget left today. Go ahead?`,
    ]);
    expect(textOf(declined).split("\n")[0]).toBe(
      `Not run: the user declined a cost of up to ${usd(await catalogImageCost(prompt, "high", 1536 * 1024, 3))}. Nothing was paid or stored.`,
    );
    expect(await fake.requests()).toHaveLength(0);
    await client.close();
  });
});
