// Jobs end to end: the real bundle under `wrangler dev` (Workflows, Durable Objects, R2, KV all
// local), the fake OpenAI made slow, the official SDK client over the network. Includes a
// restart of `wrangler dev` on the same state while a job runs.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeOpenAIControl } from "../fake-openai/control";
import { startFakeOpenAI, type RunningFakeOpenAI } from "../fake-openai/server";
import { SUITE_DATE } from "../support/suite-date";
import { startWranglerDev, type WranglerDev } from "../support/wrangler-dev";
import { connectStreamable, textOf } from "./clients";

const TOKEN = "e2e-jobs-token-0123456789abcdefghij";
const SIGNING_KEY = "e2e-jobs-signing-key-0123456789abcdefghijklmnop";

let fake: RunningFakeOpenAI;
let control: FakeOpenAIControl;
let server: WranglerDev | undefined;
let stateDir: string;
const clients: Client[] = [];

function vars(): Record<string, string> {
  return {
    DEPLOY_ENV: "test",
    CLOCK_DATE: SUITE_DATE,
    MCP_AUTH_TOKENS: TOKEN,
    SIGNING_KEY,
    OPENAI_API_KEY: "sk-e2e-jobs",
    OPENAI_BASE_URL: control.apiBaseUrl,
  };
}

async function connect(): Promise<Client> {
  const client = await connectStreamable(server!.url, TOKEN);
  clients.push(client);
  return client;
}

async function callTool(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args }, undefined, { timeout: 90_000 })) as CallToolResult;
}

const generations = async () => (await control.requests()).filter((r) => r.path === "/v1/images/generations");

beforeAll(async () => {
  fake = await startFakeOpenAI(0);
  control = new FakeOpenAIControl(fake.url);
  stateDir = mkdtempSync(join(tmpdir(), "wrangler-jobs-state-"));
  server = await startWranglerDev(vars(), { timeoutMs: 120_000, stateDir });
}, 150_000);

afterAll(async () => {
  await Promise.allSettled(clients.splice(0).map((c) => c.close()));
  await server?.stop();
  await fake.close();
  rmSync(stateDir, { recursive: true, force: true });
}, 60_000);

describe("jobs under wrangler dev", () => {
  it("a 1 s wait on a 6 s generation returns a handle; get_job delivers the image; one upstream call", async () => {
    await control.reset();
    await control.addFault({ kind: "slow", path: "/v1/images/generations", delayMs: 6000 });
    const client = await connect();
    const first = await callTool(client, "generate_image", { prompt: "e2e slow lighthouse", quality: "low", wait_seconds: 1 });
    const job = (first.structuredContent as { job: { id: string; status: string } }).job;
    expect(job.status).toBe("running");
    expect(textOf(first)).toContain(`call get_job with job_id "${job.id}"`);
    const done = await callTool(client, "get_job", { job_id: job.id, wait_seconds: 30 });
    expect(done.isError, textOf(done)).toBeFalsy();
    expect(done.structuredContent).toMatchObject({ job: { id: job.id, status: "succeeded" }, cached: false });
    expect((done.structuredContent as { images: unknown[] }).images).toHaveLength(1);
    expect(await generations()).toHaveLength(1);
  });

  it("a client that gives up after 1 s gets the stored result later, with exactly one upstream call", async () => {
    await control.reset();
    await control.addFault({ kind: "slow", path: "/v1/images/generations", delayMs: 3000 });
    const client = await connect();
    const args = { prompt: "e2e abandoned call", quality: "low" };
    const controller = new AbortController();
    const pending = client.callTool({ name: "generate_image", arguments: args }, undefined, { signal: controller.signal });
    setTimeout(() => controller.abort("gave up"), 1000);
    await expect(pending).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 3500));
    const later = await callTool(client, "generate_image", args);
    expect(later.structuredContent).toMatchObject({ cached: true, cost: { usd: 0 } });
    expect((await generations()).map((r) => r.status)).toEqual([200]);
  });

  it("cancel_job aborts the upstream request and stores nothing", async () => {
    await control.reset();
    await control.addFault({ kind: "slow", path: "/v1/images/generations", delayMs: 5000 });
    const client = await connect();
    const first = await callTool(client, "generate_image", { prompt: "e2e cancel me", quality: "low", wait_seconds: 0 });
    const job = (first.structuredContent as { job: { id: string } }).job;
    await new Promise((r) => setTimeout(r, 800));
    const cancelled = await callTool(client, "cancel_job", { job_id: job.id });
    expect(cancelled.structuredContent).toMatchObject({ job: { status: "cancelled" } });
    await new Promise((r) => setTimeout(r, 5000));
    expect((await generations())[0]!.status).toBeUndefined();
    const listing = await callTool(client, "list_assets", { query: "e2e cancel me" });
    expect(textOf(listing)).not.toContain("e2e cancel me");
  });

  it("a job that outlives a restart of wrangler dev is reported, not lost silently", async () => {
    await control.reset();
    await control.addFault({ kind: "slow", path: "/v1/images/generations", delayMs: 8000 });
    const client = await connect();
    const first = await callTool(client, "generate_image", { prompt: "e2e survives a restart", quality: "low", wait_seconds: 1 });
    const job = (first.structuredContent as { job: { id: string } }).job;
    await Promise.allSettled(clients.splice(0).map((c) => c.close()));
    await server!.stop();
    server = await startWranglerDev(vars(), { timeoutMs: 120_000, stateDir });
    const after = await connect();
    // Local Workflows do not resume an instance cut off by a restart: it stays "running" and silent.
    // The job's heartbeats stop, so within 30 s of the last one the job is reported failed.
    const result = await callTool(after, "get_job", { job_id: job.id, wait_seconds: 50 });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(
      /^The job stopped without a result \(its Workflow has given no sign of life for \d+ s, for example after a server restart\); nothing was stored\. Call generate_image again\.$/,
    );
    const listed = (await callTool(after, "list_jobs", {})).structuredContent as { jobs: Array<{ id: string; status: string }> };
    expect(listed.jobs[0]).toMatchObject({ id: job.id, status: "failed" });
  }, 240_000);
});
