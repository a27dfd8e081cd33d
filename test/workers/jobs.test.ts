import { env } from "cloudflare:workers";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { readConfig } from "../../src/config";
import { trackerFor } from "../../src/jobs/job-state";
import { runTool } from "../../src/mcp/run-tool";
import { createServices } from "../../src/services";
import { getJob } from "../../src/tools/jobs.tools";
import { FakeOpenAIControl } from "../fake-openai/control";
import { testServices } from "../support/assets";
import { call, connect, connectModern, SECOND_TOKEN, structured, textOf } from "../support/mcp";

const fake = new FakeOpenAIControl(inject("fakeOpenAIUrl"));
beforeEach(() => fake.reset());

type Handle = { id: string; tool: string; status: string; progress: number; stage: string; poll_after_seconds: number };
type ImageOut = {
  images: Array<{ id: string }>;
  cached: boolean;
  sharedInFlight: boolean;
  cost: { usd: number; originalUsd: number };
  job?: Handle;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const generations = async () => (await fake.requests()).filter((r) => r.path === "/v1/images/generations");

async function assetCount(): Promise<number> {
  let n = 0;
  for await (const _ of testServices().index.all()) n++;
  return n;
}

function handleOf(result: CallToolResult): Handle {
  const job = (structured(result) as { job?: Handle }).job;
  if (!job) throw new Error(`expected a job handle, got: ${textOf(result)}`);
  return job;
}

describe("paid work as jobs", () => {
  it("a 1 s wait on a 6 s generation returns a handle, and get_job delivers the image", async () => {
    await fake.addFault({ kind: "slow", path: "/v1/images/generations", delayMs: 6000 });
    const client = await connect();
    const first = await call(client, "generate_image", { prompt: "a slow lighthouse", quality: "low", wait_seconds: 1 });
    const job = handleOf(first);
    expect(job).toMatchObject({ tool: "generate_image", status: "running", poll_after_seconds: 10 });
    expect(job.id).toMatch(/^job_[0-9a-f]{32}$/);
    expect(Object.keys(structured(first))).toEqual(["job"]);
    expect(textOf(first)).toContain(`call get_job with job_id "${job.id}"`);

    const done = structured<ImageOut>(await call(client, "get_job", { job_id: job.id, wait_seconds: 30 }));
    expect(done.job).toMatchObject({ id: job.id, status: "succeeded" });
    expect(done.images).toHaveLength(1);
    expect(done).toMatchObject({ cached: false, sharedInFlight: false });
    expect(done.cost.usd).toBeGreaterThan(0);
    expect(await generations()).toHaveLength(1);
    // The same request again is a plain cache hit: no job, no cost.
    const again = structured<ImageOut>(await call(client, "generate_image", { prompt: "a slow lighthouse", quality: "low" }));
    expect(again).toMatchObject({ cached: true, cost: { usd: 0 } });
    expect(again.job).toBeUndefined();
    expect(again.images[0]!.id).toBe(done.images[0]!.id);
    await client.close();
  });

  it("a client that aborts after 1 s and asks again later gets the stored result with exactly one upstream call", async () => {
    await fake.addFault({ kind: "slow", path: "/v1/images/generations", delayMs: 2500 });
    const client = await connect();
    const controller = new AbortController();
    const args = { prompt: "abandoned but kept", quality: "low" };
    const pending = client.callTool({ name: "generate_image", arguments: args }, undefined, { signal: controller.signal });
    setTimeout(() => controller.abort("client gave up"), 1000);
    await expect(pending).rejects.toThrow();
    await sleep(3000);
    const later = structured<ImageOut>(await call(client, "generate_image", args));
    expect(later).toMatchObject({ cached: true, cost: { usd: 0 } });
    expect(later.cost.originalUsd).toBeGreaterThan(0);
    const requests = await generations();
    expect(requests).toHaveLength(1);
    expect(requests[0]!.status).toBe(200);
    await client.close();
  });

  it("eight sessions of both eras racing on one request make one upstream call and share one result", async () => {
    await fake.addFault({ kind: "slow", path: "/v1/images/generations", delayMs: 1500 });
    const legacy = await Promise.all([0, 1, 2, 3].map(() => connect()));
    const modern = await Promise.all([0, 1, 2, 3].map(() => connectModern()));
    const args = { prompt: "eight callers, one bill", quality: "low" };
    const results = await Promise.all([
      ...legacy.map((c) => c.callTool({ name: "generate_image", arguments: args })),
      ...modern.map((c) => c.callTool({ name: "generate_image", arguments: args })),
    ]);
    const outs = results.map((r) => structured<ImageOut>(r as CallToolResult));
    expect(new Set(outs.map((o) => o.images[0]!.id)).size).toBe(1);
    expect(outs.filter((o) => !o.sharedInFlight)).toHaveLength(1);
    expect(outs.filter((o) => o.cost.usd > 0)).toHaveLength(1);
    expect(await generations()).toHaveLength(1);
    await Promise.all([...legacy, ...modern].map((c) => c.close()));
  });

  it("cancel_job aborts the upstream request, stores nothing, and the job reports cancelled", async () => {
    await fake.addFault({ kind: "slow", path: "/v1/images/generations", delayMs: 5000 });
    const client = await connect();
    const before = await assetCount();
    const job = handleOf(await call(client, "generate_image", { prompt: "cancel this one", quality: "low", wait_seconds: 0 }));
    await sleep(500);
    expect(await generations()).toHaveLength(1);
    const cancelled = await call(client, "cancel_job", { job_id: job.id });
    expect(structured<{ job: Handle }>(cancelled).job).toMatchObject({ id: job.id, status: "cancelled" });
    expect(textOf(cancelled)).toContain(
      `Job ${job.id} (generate_image) is cancelled: the upstream request was aborted and nothing was stored.`,
    );
    await sleep(5500);
    const [request] = await generations();
    // Aborted before the fake answered: no status was ever sent.
    expect(request!.status).toBeUndefined();
    expect(await assetCount()).toBe(before);
    const after = await call(client, "get_job", { job_id: job.id, wait_seconds: 0 });
    expect(after.isError).toBe(true);
    expect(textOf(after)).toBe(`Job ${job.id} was cancelled (cancel_job); nothing was stored and nothing more is charged.`);
    await client.close();
  });

  it("a fault past the OpenAI client's own retries is retried by the job step, which then succeeds", async () => {
    // Three 500s exhaust the client's three tries; the step's second attempt gets through.
    await fake.addFault({ kind: "server_error", path: "/v1/images/generations", times: 3 });
    const client = await connect();
    const out = structured<ImageOut>(await call(client, "generate_image", { prompt: "retried by the step", quality: "low" }));
    expect(out.images).toHaveLength(1);
    const statuses = (await generations()).map((r) => r.status);
    expect(statuses).toEqual([500, 500, 500, 200]);
    await client.close();
  });

  it("sends progress while waiting, with values that strictly increase, at least every 5 s", async () => {
    await fake.addFault({ kind: "slow", path: "/v1/images/generations", delayMs: 6000 });
    const client = await connect();
    const notices: Array<{ progress: number; message?: string; at: number }> = [];
    const started = Date.now();
    await client.callTool({ name: "generate_image", arguments: { prompt: "watch me", quality: "low" } }, undefined, {
      onprogress: (p) => notices.push({ progress: p.progress, message: p.message, at: Date.now() - started }),
      timeout: 30_000,
    });
    expect(notices.length).toBeGreaterThanOrEqual(2);
    expect(notices.map((n) => n.progress)).toEqual(notices.map((_, i) => i + 1));
    const gaps = notices.map((n, i) => n.at - (i ? notices[i - 1]!.at : 0));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(6000);
    expect(notices.at(-1)!.message).toMatch(/^generate_image: succeeded \(\d+ s\)$/);
    await client.close();
  });
});

describe("get_job, cancel_job, list_jobs", () => {
  it("shows a job only to callers who started or joined it", async () => {
    await fake.addFault({ kind: "slow", path: "/v1/images/generations", delayMs: 1500 });
    const owner = await connect();
    const other = await connect({ token: SECOND_TOKEN });
    const job = handleOf(await call(owner, "generate_image", { prompt: "private job", quality: "low", wait_seconds: 0 }));
    for (const tool of ["get_job", "cancel_job"]) {
      const denied = await call(other, tool, { job_id: job.id });
      expect(denied.isError).toBe(true);
      expect(textOf(denied)).toBe(`job_id: no job ${job.id} is visible to you. Use list_jobs to see the jobs you started or joined.`);
    }
    // The other caller asks the same thing: it joins the job and may follow it from then on.
    const joined = structured<ImageOut>(await call(other, "generate_image", { prompt: "private job", quality: "low" }));
    expect(joined.sharedInFlight).toBe(true);
    const viaJob = structured<ImageOut>(await call(other, "get_job", { job_id: job.id }));
    expect(viaJob).toMatchObject({ sharedInFlight: true, cost: { usd: 0 }, job: { status: "succeeded" } });
    expect(await generations()).toHaveLength(1);
    await owner.close();
    await other.close();
  });

  it("follows a job across eras with the same token", async () => {
    await fake.addFault({ kind: "slow", path: "/v1/images/generations", delayMs: 1500 });
    const modern = await connectModern();
    const legacy = await connect();
    const first = (await modern.callTool({
      name: "generate_image",
      arguments: { prompt: "era hop", quality: "low", wait_seconds: 0 },
    })) as CallToolResult;
    const job = handleOf(first);
    const done = structured<ImageOut>(await call(legacy, "get_job", { job_id: job.id, wait_seconds: 20 }));
    expect(done.images).toHaveLength(1);
    await legacy.close();
    await modern.close();
  });

  it("refuses bad arguments naming the field and the fix", async () => {
    const client = await connect();
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ["get_job", { job_id: "" }, "job_id: give the id from a job handle (structuredContent.job.id) or from list_jobs."],
      [
        "get_job",
        { job_id: "job_nope" },
        "job_id: no job job_nope is visible to you. Use list_jobs to see the jobs you started or joined.",
      ],
      [
        "get_job",
        { job_id: "job_x", wait_seconds: 241 },
        "wait_seconds: must be between 0 and 240; for longer work take the job handle and call get_job.",
      ],
      ["generate_image", { prompt: "x", wait_seconds: -1 }, "wait_seconds: must be between 0 and 240."],
      ["list_jobs", { limit: 0 }, "limit: must be between 1 and 50."],
    ];
    for (const [tool, args, message] of cases) {
      const result = await call(client, tool, args);
      expect(result.isError, `${tool} ${JSON.stringify(args)}`).toBe(true);
      expect(textOf(result)).toContain(message);
    }
    expect(await generations()).toHaveLength(0);
    await client.close();
  });

  it("list_jobs lists the caller's recent jobs, newest first, with tool, status and age", async () => {
    const client = await connect({ token: SECOND_TOKEN });
    await fake.addFault({ kind: "slow", path: "/v1/images/generations", delayMs: 3000 });
    const running = handleOf(await call(client, "generate_image", { prompt: "listed while running", quality: "low", wait_seconds: 0 }));
    const listed = structured<{ jobs: Array<{ id: string; tool: string; status: string; age_seconds: number }> }>(
      await call(client, "list_jobs", {}),
    );
    expect(listed.jobs[0]).toMatchObject({ id: running.id, tool: "generate_image", status: "running" });
    expect(listed.jobs[0]!.age_seconds).toBeLessThanOrEqual(2);
    await client.close();
  });

  it("reports a job whose Workflow instance is gone (a restart lost it) as failed, not running for ever", async () => {
    const services = createServices(env, readConfig(env), "http://localhost", null);
    const id = `job_${"ab".repeat(16)}`;
    await trackerFor(env.JOB_TRACKER, id).create({
      id,
      tool: "generate_image",
      kind: "image",
      joinKey: "lost",
      spec: {},
      stagedUnder: null,
      caller: "open",
      createdAt: "2026-11-20T00:00:00.000Z",
    });
    const context = {
      services,
      era: "2025-session",
      wantsProgress: false,
      reportProgress: async () => undefined,
      confirm: async () => "unavailable" as const,
    } as const;
    const result = await runTool(getJob, getJob.input.parse({ job_id: id, wait_seconds: 0 }), context, new AbortController().signal);
    expect(result.isError).toBe(true);
    expect(textOf(result as CallToolResult)).toBe(
      "The job stopped without a result (its Workflow instance is unknown, for example after a server restart); nothing was stored. Call generate_image again.",
    );
  });
});
