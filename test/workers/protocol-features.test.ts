// Logging and completion, the two protocol features the official conformance suite checks
// beyond tools, resources and prompts, in both eras.
import { env } from "cloudflare:workers";
import { LoggingMessageNotificationSchema, type LoggingMessageNotification } from "@modelcontextprotocol/sdk/types.js";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { trackerFor } from "../../src/jobs/job-state";
import { completeArgument, MAX_COMPLETION_VALUES } from "../../src/mcp/completions";
import type { Registry } from "../../src/mcp/definitions";
import { REGISTRY } from "../../src/registry";
import { FakeOpenAIControl } from "../fake-openai/control";
import { storeAsset, testServices } from "../support/assets";
import { call, connect, connectModern, structured, TOKEN, worker } from "../support/mcp";
import { solidPng } from "../support/png";

const fake = new FakeOpenAIControl(inject("fakeOpenAIUrl"));
beforeEach(() => fake.reset());

type LogParams = LoggingMessageNotification["params"];

async function loggingClient(): Promise<{ client: Awaited<ReturnType<typeof connect>>; messages: LogParams[] }> {
  const client = await connect();
  const messages: LogParams[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    messages.push(n.params);
  });
  return { client, messages };
}

describe("logging (2025 session era)", () => {
  it("declares the logging capability and accepts logging/setLevel with an empty result", async () => {
    const client = await connect();
    expect(client.getServerCapabilities()?.logging).toEqual({});
    expect(await client.setLoggingLevel("info")).toEqual({});
    await client.close();
  });

  it("at debug, reports the cache miss, the upstream call with its status, then the cache hit", async () => {
    const { client, messages } = await loggingClient();
    await client.setLoggingLevel("debug");
    const args = { prompt: "a lighthouse at dusk, logging test" };
    structured(await call(client, "generate_image", args));
    expect(messages.find((m) => m.logger === "cache")).toMatchObject({ level: "info", data: { decision: "miss" } });
    expect(messages.find((m) => m.logger === "openai")).toMatchObject({
      level: "info",
      data: { method: "POST", path: "/v1/images/generations", status: 200 },
    });
    messages.length = 0;
    structured(await call(client, "generate_image", args));
    // A hit: one cache decision and no upstream call; the stage timings name only the result.
    const byLogger = (logger: string) => messages.filter((m) => m.logger === logger);
    expect(byLogger("cache").map((m) => [m.level, (m.data as { decision?: string }).decision])).toEqual([["debug", "hit"]]);
    expect(byLogger("openai")).toEqual([]);
    expect(byLogger("timing").map((m) => (m.data as { stage: string }).stage)).toEqual(["result: views, links, preview"]);
    await client.close();
  });

  it("honours the level: at warning, a successful miss sends nothing; a 500 from OpenAI is a warning", async () => {
    const { client, messages } = await loggingClient();
    await client.setLoggingLevel("warning");
    structured(await call(client, "generate_image", { prompt: "a quiet harbour, level test" }));
    expect(messages).toEqual([]);
    await fake.addFault({ kind: "server_error", path: "/v1/images/generations", status: 500, times: 1 });
    structured(await call(client, "generate_image", { prompt: "a loud harbour, level test" }));
    expect(messages.map((m) => [m.level, m.logger, (m.data as { status?: number }).status])).toEqual([["warning", "openai", 500]]);
    await client.close();
  });

  it("keeps in a job's log only what its starter hears: each kept entry wakes every waiting call", async () => {
    const jobLog = async (client: Awaited<ReturnType<typeof connect>>) => {
      const listed = structured<{ jobs: Array<{ id: string }> }>(await call(client, "list_jobs", { limit: 1 }));
      const record = await trackerFor(env.JOB_TRACKER, listed.jobs[0]!.id).snapshot();
      return (record?.logs ?? []).map((entry) => `${entry.level} ${entry.logger}`);
    };
    const quiet = await connect();
    await quiet.setLoggingLevel("warning");
    structured(await call(quiet, "generate_image", { prompt: "a quiet harbour, job log test" }));
    expect(await jobLog(quiet)).toEqual([]);
    const curious = await connect();
    await curious.setLoggingLevel("debug");
    structured(await call(curious, "generate_image", { prompt: "a busy harbour, job log test" }));
    const kept = await jobLog(curious);
    expect(kept).toContain("info openai");
    expect(kept).toContain("debug timing");
    await Promise.all([quiet.close(), curious.close()]);
  });

  it("sends only warnings and worse before the client sets a level", async () => {
    const { client, messages } = await loggingClient();
    structured(await call(client, "generate_image", { prompt: "a default-level test" }));
    expect(messages).toEqual([]);
    await client.close();
  });

  it("refuses an unknown level as invalid params", async () => {
    const client = await connect();
    await expect(client.setLoggingLevel("verbose" as "info")).rejects.toThrow(
      'MCP error -32602: level must be one of debug, info, notice, warning, error, critical, alert, emergency; got "verbose".',
    );
    await client.close();
  });
});

describe("logging (2026-07-28 stateless era)", () => {
  /** One raw tools/call carrying the log level in its _meta envelope, as the 2026 revision defines. */
  async function callWithLogLevel(level: string | undefined, prompt: string): Promise<string> {
    const meta: Record<string, unknown> = {
      "io.modelcontextprotocol/protocolVersion": "2026-07-28",
      "io.modelcontextprotocol/clientCapabilities": {},
      "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1.0.0" },
      ...(level ? { "io.modelcontextprotocol/logLevel": level } : {}),
    };
    const response = await worker("http://localhost/mcp", {
      method: "POST",
      headers: {
        authorization: `Bearer ${TOKEN}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": "tools/call",
        "mcp-name": "generate_image",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "generate_image", arguments: { prompt }, _meta: meta },
      }),
    });
    expect(response.status).toBe(200);
    return response.text();
  }

  it("sends the upstream call and cache decision when the request asks for info", async () => {
    const body = await callWithLogLevel("info", "a windmill, stateless logging test");
    expect(body).toContain('"method":"notifications/message"');
    expect(body).toContain('"logger":"openai"');
    expect(body).toContain('"decision":"miss"');
  });

  it("sends no log messages when the request names no level", async () => {
    const body = await callWithLogLevel(undefined, "a windmill, silent test");
    expect(body).not.toContain("notifications/message");
    expect(body).toContain('"structuredContent"');
  });
});

describe("completion", () => {
  it("suggests prompt argument values by prefix, ignoring case", async () => {
    const client = await connect();
    const { completion } = await client.complete({
      ref: { type: "ref/prompt", name: "game_asset" },
      argument: { name: "style", value: "PIX" },
    });
    expect(completion).toEqual({ values: ["pixel art, 32x32 look", "pixel art, 16-bit console look"], total: 2, hasMore: false });
    await client.close();
  });

  it("completes the resource template's kind, and its sha256 within the kind already chosen", async () => {
    const image = await storeAsset({ bytes: await solidPng(8, 8, [1, 2, 3, 255]), width: 8, height: 8 });
    const client = await connect();
    const template = { type: "ref/resource" as const, uri: "asset://{kind}/{sha256}" };
    expect((await client.complete({ ref: template, argument: { name: "kind", value: "an" } })).completion.values).toEqual(["analyses"]);
    const inImages = await client.complete({
      ref: template,
      argument: { name: "sha256", value: image.sha256.slice(0, 6).toUpperCase() },
      context: { arguments: { kind: "images" } },
    });
    expect(inImages.completion.values).toEqual([image.sha256]);
    const inModels = await client.complete({
      ref: template,
      argument: { name: "sha256", value: image.sha256.slice(0, 6) },
      context: { arguments: { kind: "models" } },
    });
    expect(inModels.completion.values).toEqual([]);
    await client.close();
  });

  it("offers stored screenshots' ids for review_screenshot's image", async () => {
    const image = await storeAsset({ bytes: await solidPng(9, 9, [9, 9, 9, 255]), width: 9, height: 9 });
    const client = await connectModern();
    const { completion } = await client.complete({
      ref: { type: "ref/prompt", name: "review_screenshot" },
      argument: { name: "image", value: image.sha256.slice(0, 8) },
    });
    expect(completion.values).toEqual([image.sha256]);
    await client.close();
  });

  it("answers an unknown prompt or argument with no values rather than an error, in both eras", async () => {
    const legacy = await connect();
    const modern = await connectModern();
    for (const client of [legacy, modern]) {
      const unknownPrompt = await client.complete({
        ref: { type: "ref/prompt", name: "no_such_prompt" },
        argument: { name: "a", value: "x" },
      });
      expect(unknownPrompt.completion).toEqual({ values: [], total: 0, hasMore: false });
      const freeText = await client.complete({
        ref: { type: "ref/prompt", name: "game_asset" },
        argument: { name: "subject", value: "a" },
      });
      expect(freeText.completion).toEqual({ values: [], total: 0, hasMore: false });
    }
    expect(legacy.getServerCapabilities()?.completions).toEqual({});
    await Promise.all([legacy.close(), modern.close()]);
  });

  it(`caps an answer at ${MAX_COMPLETION_VALUES} values and gives the total`, async () => {
    const many = Array.from({ length: 150 }, (_, i) => `value-${i}`);
    const registry: Registry = {
      tools: [],
      resourceTemplates: [],
      prompts: [{ ...REGISTRY.prompts[0]!, complete: { subject: async () => many } }],
    };
    const answer = await completeArgument(
      registry,
      { ref: { type: "ref/prompt", name: REGISTRY.prompts[0]!.name }, argument: { name: "subject", value: "" } },
      testServices(),
    );
    expect(answer.completion).toEqual({ values: many.slice(0, MAX_COMPLETION_VALUES), total: 150, hasMore: true });
  });
});
