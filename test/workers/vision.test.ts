import { env } from "cloudflare:workers";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it, vi } from "vitest";
import type { Config } from "../../src/config";
import { resolveImages } from "../../src/inputs/resolve-images";
import type { ToolContext } from "../../src/mcp/definitions";
import { ToolError } from "../../src/errors";
import { textCostUsd } from "../../src/openai/cost";
import { estimateImageTokens, targetDimensions } from "../../src/openai/image-tokens";
import { countTokens } from "../../src/openai/tokenizer";
import { canonicalJson } from "../../src/store/hash";
import { VERDICT_SCHEMA } from "../../src/jobs/image-check";
import { isStrictCompatible, parseAnswer, requireObjectSchema } from "../../src/jobs/json-schema-answer";
import { analyzeImages, type Analysis } from "../../src/jobs/vision-analysis";
import { FakeOpenAIControl, type RecordedRequest } from "../fake-openai/control.ts";
import { storeAsset, testServices } from "../support/assets";
import { call, connect, structured, textOf } from "../support/mcp";
import { gradientPng, solidPng } from "../support/png";

const fake = new FakeOpenAIControl(inject("fakeOpenAIUrl"));

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
const fromBase64 = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const dataUrl = (bytes: Uint8Array, mime = "image/png") => `data:${mime};base64,${toBase64(bytes)}`;

/** Width and height from a PNG data URL's IHDR, which sits in the first 100 characters the fake keeps of long strings. */
function pngDataUrlSize(url: string): { width: number; height: number } {
  const head = fromBase64(url.slice("data:image/png;base64,".length).slice(0, 44));
  const view = new DataView(head.buffer);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

type Part = { type: string; text?: string; image_url?: string; detail?: string };
type ResponsesBody = {
  model: string;
  instructions: string;
  input: Array<{ type: string; role: string; content: Part[] }>;
  max_output_tokens: number;
  store: boolean;
  text?: { format: { type: string; name: string; schema: unknown; strict: boolean } };
};

async function responsesCalls(): Promise<Array<RecordedRequest & { json: ResponsesBody }>> {
  return (await fake.requests()).filter((r) => r.path === "/v1/responses") as Array<RecordedRequest & { json: ResponsesBody }>;
}

/** Every R2 object and KV key: a failed call must leave both unchanged. */
async function storedKeys(): Promise<string[]> {
  const [objects, keys] = await Promise.all([env.ASSETS.list({ limit: 1000 }), env.INDEX.list({ limit: 1000 })]);
  // Job listings (`jobs:<caller>:…`) say a job ran, failed or not: bookkeeping, not a stored result.
  return [
    ...objects.objects.map((o) => `r2:${o.key}`),
    ...keys.keys.filter((k) => !k.name.startsWith("jobs:")).map((k) => `kv:${k.name}`),
  ].sort();
}

function expectToolError(result: CallToolResult, pattern: RegExp): string {
  const message = textOf(result);
  expect(result.isError, message).toBe(true);
  expect(message).toMatch(pattern);
  return message;
}

function directContext(config: Partial<Config> = {}): ToolContext {
  const services = testServices();
  return {
    services: { ...services, config: { ...services.config, ...config } },
    signal: new AbortController().signal,
    reportProgress: async () => {},
    wantsProgress: false,
    confirm: async () => "unavailable",
    era: "2025-session",
  };
}

let client: Client;
let red: Uint8Array;
let blue: Uint8Array;
let big: Uint8Array;
let bigId: string;

beforeAll(async () => {
  client = await connect();
  red = await solidPng(64, 48, [220, 20, 20, 255]);
  blue = await solidPng(40, 40, [20, 20, 220, 255]);
  big = await solidPng(3000, 2000, [10, 200, 30, 255]);
  bigId = (await storeAsset({ bytes: big, width: 3000, height: 2000 })).sha256;
});
afterAll(async () => {
  await client.close();
});
beforeEach(async () => {
  await fake.reset();
});

const analyze = async (args: Record<string, unknown>) => call(client, "analyze_image", args);

describe("analyze_image: the request sent upstream", () => {
  it("sends the question and every image as data URLs with the detail, instructions, low reasoning and a budget for reasoning plus answer, on gpt-6.1-terra", async () => {
    const blueId = (await storeAsset({ bytes: blue, width: 40, height: 40 })).sha256;
    const out = structured<Analysis>(
      await analyze({ images: [dataUrl(red), blueId], question: "Which image is red?", detail: "low", max_output_tokens: 300 }),
    );

    const [request, ...more] = await responsesCalls();
    expect(more).toHaveLength(0);
    expect(request!.json).toEqual({
      model: "gpt-6.1-terra",
      instructions: expect.stringMatching(/analyse images/),
      input: [
        {
          type: "message",
          role: "user",
          content: [
            { type: "input_text", text: "Which image is red?" },
            // Small images travel unchanged, byte for byte.
            { type: "input_image", image_url: dataUrl(red), detail: "low" },
            { type: "input_image", image_url: dataUrl(blue), detail: "low" },
          ],
        },
      ],
      // 300 for the answer plus 2,048 for reasoning at low effort.
      max_output_tokens: 2348,
      reasoning: { effort: "low" },
      store: false,
      safety_identifier: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect(out.answer).toMatch(/^I see 2 images\. Image 1: 64x48 png, dominant colour #\w+\. Image 2: 40x40 png/);
    expect(out.answerJson).toBeUndefined();
    expect(out).toMatchObject({ model: "gpt-6.1-terra", detail: "low", cached: false });
    expect(out.images.map((i) => [i.sentWidth, i.sentHeight, i.resized, i.sentBytes])).toEqual([
      [64, 48, false, red.byteLength],
      [40, 40, false, blue.byteLength],
    ]);
    expect(out.images[1]!.id).toBe(blueId);
  });

  it("sends a strict-compatible schema as text.format json_schema with strict: true and returns validated JSON", async () => {
    const schema = {
      type: "object",
      properties: { colour: { type: "string" }, count: { type: "integer", minimum: 0 } },
      required: ["colour", "count"],
      additionalProperties: false,
    };
    const out = structured<Analysis>(await analyze({ images: [dataUrl(red)], question: "Main colour and how many shapes?", schema }));
    const [request] = await responsesCalls();
    expect(request!.json.text).toEqual({ format: { type: "json_schema", name: "answer", schema, strict: true } });
    expect(out.answerJson).toEqual({ colour: "sample colour", count: 1 });
    expect(JSON.parse(out.answer)).toEqual(out.answerJson);
  });

  it("sends a schema strict mode would reject with strict: false, and still validates the answer", async () => {
    const schema = {
      type: "object",
      properties: {
        title: { type: "string" },
        // A nullable object without additionalProperties: false is not strict-compatible.
        box: { type: ["object", "null"], properties: { x: { type: "number" } } },
      },
      required: ["title", "box"],
      additionalProperties: false,
    };
    const out = structured<Analysis>(await analyze({ images: [dataUrl(red)], question: "Title and bounding box?", schema }));
    const [request] = await responsesCalls();
    expect(request!.json.text?.format).toMatchObject({ type: "json_schema", name: "answer", strict: false });
    expect(out.answerJson).toMatchObject({ title: "sample title", box: { x: 0.5 } });
  });

  it("tells strict-compatible schemas apart", () => {
    const strictObject = (properties: Record<string, unknown>) => ({
      type: "object",
      properties,
      required: Object.keys(properties),
      additionalProperties: false,
    });
    expect(isStrictCompatible(VERDICT_SCHEMA)).toBe(true);
    expect(isStrictCompatible(strictObject({ tags: { type: "array", items: strictObject({ name: { type: "string" } }) } }))).toBe(true);
    expect(isStrictCompatible({ type: "object", properties: { a: { type: "string" } }, required: [], additionalProperties: false })).toBe(
      false,
    );
    expect(isStrictCompatible({ type: "object", properties: { a: { type: "string" } }, required: ["a"] })).toBe(false);
    expect(isStrictCompatible(strictObject({ list: { type: "array", items: { type: "object", properties: {} } } }))).toBe(false);
    expect(isStrictCompatible(strictObject({ maybe: { type: ["object", "null"], properties: { a: { type: "string" } } } }))).toBe(false);
    expect(isStrictCompatible(strictObject({ either: { anyOf: [{ type: "string" }, { type: "object", properties: {} }] } }))).toBe(false);
    expect(
      isStrictCompatible({ ...strictObject({ ref: { $ref: "#/$defs/item" } }), $defs: { item: { type: "object", properties: {} } } }),
    ).toBe(false);
  });

  it("uses another model when asked: gpt-5 (shutting down 2026-12-11) still answers today", async () => {
    const out = structured<Analysis>(await analyze({ images: [dataUrl(red)], question: "Colour?", model: "gpt-5", detail: "high" }));
    const [request] = await responsesCalls();
    expect(request!.json.model).toBe("gpt-5");
    // gpt-5 counts 512 px tiles: 70 + 140 per tile.
    expect(out.images[0]!.estimatedTokens).toBe(70 + 140);
  });
});

describe("analyze_image: downscaling before sending", () => {
  it("sends a 3000x2000 image at detail high as 1920x1280, the size gpt-6.1-terra uses", async () => {
    const out = structured<Analysis>(await analyze({ images: [bigId], question: "Describe at high detail.", detail: "high" }));
    const [request] = await responsesCalls();
    const part = request!.json.input[0]!.content[1]!;
    expect(part).toMatchObject({ type: "input_image", detail: "high" });
    expect(pngDataUrlSize(part.image_url!)).toEqual({ width: 1920, height: 1280 });
    expect(out.answer).toContain("Image 1: 1920x1280 png");
    expect(out.images[0]).toMatchObject({
      id: bigId,
      originalWidth: 3000,
      originalHeight: 2000,
      sentWidth: 1920,
      sentHeight: 1280,
      sentMimeType: "image/png",
      resized: true,
    });
    expect(targetDimensions("gpt-6.1-terra", { width: 3000, height: 2000 }, "high")).toEqual({ width: 1920, height: 1280 });
    expect(out.images[0]!.estimatedTokens).toBe(estimateImageTokens("gpt-6.1-terra", { width: 1920, height: 1280 }, "high"));
  });

  it("detail auto follows the model: gpt-6.1-terra looks at original size (sent unchanged), gpt-4.1-mini at 1536 patches (sent smaller)", async () => {
    const terra = structured<Analysis>(await analyze({ images: [bigId], question: "Describe at auto detail." }));
    expect(terra.images[0]).toMatchObject({ sentWidth: 3000, sentHeight: 2000, resized: false, sentBytes: big.byteLength });

    const mini = structured<Analysis>(await analyze({ images: [bigId], question: "Describe at auto detail.", model: "gpt-4.1-mini" }));
    const expected = targetDimensions("gpt-4.1-mini", { width: 3000, height: 2000 }, "auto");
    expect(expected.width).toBeLessThan(3000);
    expect(mini.images[0]).toMatchObject({ sentWidth: expected.width, sentHeight: expected.height, resized: true });
    const [, request] = await responsesCalls();
    expect(pngDataUrlSize(request!.json.input[0]!.content[1]!.image_url!)).toEqual(expected);
  });

  it("detail low on a tile model sends a version that fits 512x512", async () => {
    const out = structured<Analysis>(
      await analyze({ images: [bigId], question: "Describe at low detail.", model: "gpt-4.1", detail: "low" }),
    );
    expect(out.images[0]).toMatchObject({ sentWidth: 512, sentHeight: 341, resized: true, estimatedTokens: 85 });
    const [request] = await responsesCalls();
    expect(pngDataUrlSize(request!.json.input[0]!.content[1]!.image_url!)).toEqual({ width: 512, height: 341 });
  });

  it("the bytes sent decode, with the Images binding, to the downscaled size", async () => {
    const bodies: ResponsesBody[] = [];
    const realFetch = globalThis.fetch;
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url.endsWith("/responses") && typeof init?.body === "string") bodies.push(JSON.parse(init.body) as ResponsesBody);
      return realFetch(input, init);
    });
    try {
      const ctx = directContext();
      const images = await resolveImages([bigId], ctx.services, ctx.signal, "images");
      await analyzeImages(ctx, {
        tool: "analyze_image",
        images,
        question: "Direct call at high detail.",
        detail: "high",
        maxOutputTokens: 200,
        fresh: true,
      });
    } finally {
      spy.mockRestore();
    }
    expect(bodies).toHaveLength(1);
    const url = bodies[0]!.input[0]!.content[1]!.image_url!;
    const info = await env.IMAGES.info(new Blob([fromBase64(url.slice(url.indexOf(",") + 1))]).stream());
    expect(info).toMatchObject({ format: "image/png", width: 1920, height: 1280 });
  });
});

describe("analyze_image: token and cost estimates", () => {
  it("image tokens follow the documented examples", () => {
    expect(estimateImageTokens("gpt-4.1", { width: 1024, height: 1024 }, "high")).toBe(765);
    expect(estimateImageTokens("gpt-4.1", { width: 2048, height: 4096 }, "high")).toBe(1105);
    expect(estimateImageTokens("gpt-4.1", { width: 4000, height: 3000 }, "low")).toBe(85);
    expect(estimateImageTokens("gpt-4.1-mini", { width: 1024, height: 1024 }, "high")).toBe(Math.ceil(1024 * 1.62));
    expect(targetDimensions("gpt-4.1-mini", { width: 1800, height: 2400 }, "high")).toEqual({ width: 1056, height: 1408 });
    expect(estimateImageTokens("gpt-4.1-mini", { width: 1800, height: 2400 }, "high")).toBe(Math.ceil(1452 * 1.62));
    expect(estimateImageTokens("gpt-6.1-terra", { width: 1024, height: 1024 }, "high")).toBe(1659);
    expect(estimateImageTokens("gpt-6.1-sol", { width: 1024, height: 1024 }, "high")).toBe(1229);
    expect(estimateImageTokens("gpt-6.1-sol", { width: 3840, height: 2160 }, "auto")).toBe(9792);
  });

  it("reports text tokens (instructions + question + schema), image tokens, the cost bound, then real usage and cost", async () => {
    const square = await solidPng(1024, 1024, [200, 200, 0, 255]);
    const squareId = (await storeAsset({ bytes: square, width: 1024, height: 1024 })).sha256;
    const question = "What colour fills the square?";
    const schema = { type: "object", properties: { colour: { type: "string" } }, required: ["colour"], additionalProperties: false };
    const out = structured<Analysis>(await analyze({ images: [squareId], question, detail: "high", max_output_tokens: 500, schema }));
    const [request] = await responsesCalls();
    const textTokens = await countTokens(request!.json.instructions + question + canonicalJson(schema));
    // The bound covers the answer (500) and reasoning at low effort (2,048).
    expect(out.estimate).toEqual({
      textTokens,
      imageTokens: 1659,
      maxOutputTokens: 2548,
      maxCostUsd: textCostUsd("gpt-6.1-terra", { input_tokens: textTokens + 1659, output_tokens: 2548 }).usd,
    });
    expect(request!.json.max_output_tokens).toBe(2548);
    expect(out.usage!.inputTokens).toBeGreaterThan(0);
    expect(out.usage!.totalTokens).toBe(out.usage!.inputTokens + out.usage!.outputTokens);
    const real = textCostUsd("gpt-6.1-terra", { input_tokens: out.usage!.inputTokens, output_tokens: out.usage!.outputTokens });
    expect(out.cost).toMatchObject({ usd: real.usd, originalUsd: real.usd, pricesFrom: { estimate: true } });
    // The bound holds part by part, not by slack in one part: OpenAI's input count is within the input
    // estimate and its output within the output budget, so the cost is within the bound whatever the answer.
    expect(out.usage!.inputTokens).toBeLessThanOrEqual(out.estimate.textTokens + out.estimate.imageTokens);
    expect(out.usage!.outputTokens).toBeLessThanOrEqual(out.estimate.maxOutputTokens);
    expect(out.cost.usd).toBeLessThanOrEqual(out.estimate.maxCostUsd);
  });
});

describe("analyze_image: the cost cap", () => {
  it("refuses a call whose bound is above MAX_ANALYSIS_COST_USD (0.5) before calling OpenAI, and stores nothing", async () => {
    const before = await storedKeys();
    // gpt-6-astra: $50 per 1M output tokens; 8,000 answer tokens plus 2,048 for low reasoning bound the cost above $0.50,
    // though the answer alone ($0.40) would fit: the reasoning allowance counts. That is known before the image is
    // read, so the least the call can cost (the image priced as 1×1) is refused already.
    const result = await analyze({ images: [dataUrl(red)], question: "Write an essay.", model: "gpt-6-astra", max_output_tokens: 8000 });
    expectToolError(
      result,
      /could cost at least \$0\.50\d* \(\d+ input tokens, up to 10048 output tokens including reasoning at "low"\), above this server's cap of \$0\.5 \(MAX_ANALYSIS_COST_USD\)\. Use detail "low", fewer or smaller images, a lower max_output_tokens, a lower reasoning effort \(now "low"\)\./,
    );
    expect(await fake.stats()).toMatchObject({ total: 0 });
    expect(await storedKeys()).toEqual(before);
  });

  it("refuses with the configured cap (direct call with a tiny cap): over_budget, no upstream call, nothing stored", async () => {
    const ctx = directContext({ maxAnalysisCostUsd: 0.0001 });
    const images = await resolveImages([dataUrl(blue)], ctx.services, ctx.signal, "images");
    const before = await storedKeys();
    const error = await analyzeImages(ctx, {
      tool: "analyze_image",
      images,
      question: "Colour?",
      detail: "high",
      maxOutputTokens: 1200,
      fresh: false,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolError);
    expect(error).toMatchObject({
      code: "over_budget",
      message: expect.stringMatching(/above this server's cap of \$0\.0001 \(MAX_ANALYSIS_COST_USD\)/),
    });
    expect(await fake.stats()).toMatchObject({ total: 0 });
    expect(await storedKeys()).toEqual(before);
  });
});

describe("analyze_image: structured answers that fail", () => {
  const schema = { type: "object", properties: { colour: { type: "string" } }, required: ["colour"], additionalProperties: false };

  it.each([
    ["JSON that does not match the schema", '{"wrong": 1}', /does not match the schema: .*colour.*Try again with fresh: true/],
    ["text that is not JSON", "The image is red.", /not valid JSON, so it cannot match the schema \(it began: "The image is red\."\)/],
  ])("%s is a clear error and nothing is stored", async (_name, scripted, pattern) => {
    await fake.script(scripted);
    const before = await storedKeys();
    expectToolError(await analyze({ images: [dataUrl(red)], question: `Colour? (${_name})`, schema }), pattern);
    expect(await responsesCalls()).toHaveLength(1);
    expect(await storedKeys()).toEqual(before);
  });

  it("parseAnswer lists the failing locations", () => {
    expect(() => parseAnswer('{"colour": 3, "extra": true}', requireObjectSchema(schema))).toThrow(/#\/colour: .*string/);
  });

  it("an answer still cut off after one retry with twice the budget names max_output_tokens, and nothing is stored", async () => {
    const before = await storedKeys();
    const message = expectToolError(await analyze({ images: [dataUrl(red)], max_output_tokens: 16, reasoning: "none" }), /cut off/);
    expect(message).toBe(
      "The answer was cut off by its output budget (32 output tokens, 0 of them reasoning) and nothing was stored. Raise max_output_tokens (now 16), or ask for a shorter answer.",
    );
    expect((await responsesCalls()).map((r) => r.json.max_output_tokens)).toEqual([16, 32]);
    expect(await storedKeys()).toEqual(before);
  });
});

describe("analyze_image: cache", () => {
  it("answers an identical call from the cache at no cost; fresh: true asks again", async () => {
    const args = { images: [dataUrl(blue)], question: "Cache me: what colour?" };
    const first = structured<Analysis>(await analyze(args));
    expect(first).toMatchObject({ cached: false });
    expect(first.cost.usd).toBeGreaterThan(0);

    const second = await analyze(args);
    const again = structured<Analysis>(second);
    expect(again).toMatchObject({ cached: true, answer: first.answer, usage: first.usage, cost: { usd: 0, originalUsd: first.cost.usd } });
    expect(again.analysis.id).toBe(first.analysis.id);
    expect(textOf(second)).toContain("from the cache (no cost)");
    expect(await responsesCalls()).toHaveLength(1);

    const fresh = structured<Analysis>(await analyze({ ...args, fresh: true }));
    expect(fresh.cached).toBe(false);
    expect(fresh.cost.usd).toBeGreaterThan(0);
    expect(await responsesCalls()).toHaveLength(2);

    // Anything that decides the answer is part of the key: another detail is a new call.
    expect(structured<Analysis>(await analyze({ ...args, detail: "high" })).cached).toBe(false);
    expect(await responsesCalls()).toHaveLength(3);
  });
});

describe("analyze_image: identical calls in flight", () => {
  it("share one upstream call", async () => {
    await fake.addFault({ kind: "slow", path: "/v1/responses", delayMs: 300 });
    const args = { images: [dataUrl(red)], question: "In flight together: what colour?" };
    const [a, b] = (await Promise.all([analyze(args), analyze(args)])).map((r) => structured<Analysis>(r));
    expect(await responsesCalls()).toHaveLength(1);
    expect([a!.sharedInFlight, b!.sharedInFlight].sort()).toEqual([false, true]);
    expect(a!.analysis.id).toBe(b!.analysis.id);
    expect(a!.answer).toBe(b!.answer);
  });
});

describe("analyze_image: the stored analysis", () => {
  it("is a JSON asset naming the analysed images: listable, readable, verifiable", async () => {
    const green = await gradientPng(32, 32);
    const out = structured<Analysis>(
      await analyze({ images: [bigId, dataUrl(green)], question: "Stored analysis: compare them.", detail: "high" }),
    );
    const id = out.analysis.id;
    expect(out.analysis).toMatchObject({ kind: "analysis", mimeType: "application/json", uri: `asset://analyses/${id}` });
    const greenId = out.images[1]!.id;

    const listed = structured<{ assets: Array<{ id: string; kind: string; tool: string }> }>(
      await call(client, "list_assets", { kind: "analysis", limit: 100 }),
    );
    expect(listed.assets).toContainEqual(expect.objectContaining({ id, kind: "analysis", tool: "analyze_image" }));

    const got = await call(client, "get_asset", { id });
    const { origin } = structured<{
      origin: { tool: string; model: string; prompt: string; parents: string[]; parameters: Record<string, unknown> };
    }>(got);
    expect(origin).toEqual({
      tool: "analyze_image",
      model: "gpt-6.1-terra",
      prompt: "Stored analysis: compare them.",
      parents: [bigId, greenId],
      parameters: { detail: "high", maxOutputTokens: 1200, reasoning: "low" },
    });
    const embedded = got.content.find((b) => b.type === "resource") as { resource: { text: string } } | undefined;
    const document = JSON.parse(embedded!.resource.text) as Record<string, unknown>;
    expect(document).toMatchObject({
      tool: "analyze_image",
      images: [bigId, greenId],
      answer: out.answer,
      answerJson: null,
      detail: "high",
    });

    // The inline input was stored too, so the lineage points at a record that exists.
    const input = structured<{ origin: { tool: string } }>(await call(client, "get_asset", { id: greenId }));
    expect(input.origin.tool).toBe("input");

    const read = await client.readResource({ uri: `asset://analyses/${id}` });
    expect(JSON.parse((read.contents[0] as { text: string }).text)).toEqual(document);
    expect(structured(await call(client, "verify_asset", { id }))).toMatchObject({ id, status: "ok" });
  });
});

type VerdictShape = {
  imageId: string;
  matches: boolean;
  score: number;
  differences: string[];
  summary: string;
  model: string;
  costUsd: number;
  cached: boolean;
  analysisId: string;
};

describe("check_image", () => {
  it("returns a structured verdict, asked for with the strict verdict schema", async () => {
    await fake.script(
      JSON.stringify({ matches: false, score: 0.25, differences: ["the square is red, not blue"], summary: "Wrong colour." }),
    );
    const result = await call(client, "check_image", { image: dataUrl(red), prompt: "A blue square" });
    const verdict = structured<VerdictShape>(result);
    expect(verdict).toMatchObject({
      matches: false,
      score: 0.25,
      differences: ["the square is red, not blue"],
      summary: "Wrong colour.",
      model: "gpt-6.1-terra",
      cached: false,
    });
    expect(verdict.imageId).toMatch(/^[0-9a-f]{64}$/);
    expect(textOf(result)).toContain("Does NOT match the prompt (score 0.25). Wrong colour. Differences: the square is red, not blue");

    const [request] = await responsesCalls();
    expect(request!.json.text?.format).toEqual({ type: "json_schema", name: "answer", schema: VERDICT_SCHEMA, strict: true });
    expect(request!.json.input[0]!.content[0]!.text).toMatch(/Prompt:\nA blue square$/);
    const stored = structured<{ asset: { kind: string } }>(await call(client, "get_asset", { id: verdict.analysisId, return: "none" }));
    expect(stored.asset.kind).toBe("analysis");
  });

  it("a verdict that fails the schema (score 7) is a clear error and nothing is stored", async () => {
    await fake.script(JSON.stringify({ matches: true, score: 7, differences: [], summary: "Fine." }));
    const before = await storedKeys();
    expectToolError(
      await call(client, "check_image", { image: dataUrl(blue), prompt: "A blue square, scored 7" }),
      /does not match the schema: #\/score: .*1/,
    );
    expect(await storedKeys()).toEqual(before);
  });
});

describe("generate_image with verify: true", () => {
  it("adds the verdict for each generated image", async () => {
    await fake.script(JSON.stringify({ matches: true, score: 0.9, differences: [], summary: "A lighthouse at dusk, as asked." }));
    const result = await call(client, "generate_image", { prompt: "A lighthouse at dusk, verified", verify: true });
    const out = structured<{ images: Array<{ id: string }>; verification: VerdictShape[] }>(result);
    expect(out.verification).toHaveLength(out.images.length);
    expect(out.verification[0]).toMatchObject({
      imageId: out.images[0]!.id,
      matches: true,
      score: 0.9,
      summary: "A lighthouse at dusk, as asked.",
    });
    expect(textOf(result)).toMatch(/Verification: [0-9a-f]{12}…: matches \(score 0\.90\)/);
    expect((await fake.requests()).map((r) => r.path)).toEqual(["/v1/images/generations", "/v1/responses"]);
  });
});

describe("edit_image with verify: true", () => {
  it("checks the edited image against the edit prompt", async () => {
    await fake.script(JSON.stringify({ matches: false, score: 0.4, differences: ["the hat is missing"], summary: "No hat." }));
    const source = (await storeAsset({ bytes: await solidPng(256, 256, [90, 90, 90, 255]), width: 256, height: 256 })).sha256;
    const out = structured<{ images: Array<{ id: string }>; verification: VerdictShape[] }>(
      await call(client, "edit_image", { prompt: "Add a red hat, verified", images: [source], size: "1024x1024", verify: true }),
    );
    expect(out.verification).toEqual([
      expect.objectContaining({ imageId: out.images[0]!.id, matches: false, score: 0.4, differences: ["the hat is missing"] }),
    ]);
    const [check] = await responsesCalls();
    expect(check!.json.input[0]!.content[0]!.text).toMatch(/Prompt:\nAdd a red hat, verified$/);
  });
});

describe("analyze_image: upstream faults", () => {
  it("a 429 with retry-after is retried once and then answers", async () => {
    await fake.addFault({ kind: "rate_limit", path: "/v1/responses", times: 1, retryAfter: 1 });
    const out = structured<Analysis>(await analyze({ images: [dataUrl(red)], question: "Rate limited once?" }));
    expect(out.cached).toBe(false);
    const calls = await responsesCalls();
    expect(calls.map((c) => [c.fault, c.status])).toEqual([
      ["rate_limit", 429],
      [undefined, 200],
    ]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(900);
  });

  it.each([
    [
      "a persistent 429",
      // 3 × 3: past the OpenAI client's retries and the job step's two further attempts.
      { kind: "rate_limit", retryAfter: 1, times: 9 },
      /OpenAI rate limit reached \(OpenAI request id req_\w+\), still limited after 2 retries\. Wait 1 s/,
    ],
    [
      "a persistent 500",
      { kind: "server_error", status: 500, times: 9 },
      /OpenAI had a server error \(HTTP 500\) \(OpenAI request id req_\w+\), still failing after 2 retries/,
    ],
    ["a moderation block", { kind: "moderation" }, /OpenAI's safety system blocked this request \(OpenAI request id req_\w+\)/],
    [
      "an invalid key",
      { kind: "invalid_key" },
      /OpenAI rejected the server's API key \(OpenAI request id req_\w+\)\. An operator must set a valid OPENAI_API_KEY/,
    ],
    ["a malformed body", { kind: "malformed", times: 9 }, /OpenAI returned a response that could not be read/],
    ["a dropped connection", { kind: "drop", times: 9 }, /connection dropped|could not be read/],
  ] as const)("%s is a clear error naming the cause, and nothing is stored", async (name, fault, pattern) => {
    await fake.addFault({ ...fault, path: "/v1/responses" });
    const before = await storedKeys();
    const message = expectToolError(await analyze({ images: [dataUrl(blue)], question: `Fault: ${name}` }), pattern);
    expect(message).not.toMatch(/sk-(?!\*\*\*)/);
    const calls = await responsesCalls();
    const last = calls.at(-1)!;
    if (/request id/.test(message)) expect(message).toContain(last.requestId);
    expect(last.fault).toBe(fault.kind);
    expect(await storedKeys()).toEqual(before);
  });
});

describe("analyze_image: bad input", () => {
  let analysisId: string;
  beforeAll(async () => {
    analysisId = (
      await storeAsset({
        bytes: new TextEncoder().encode('{"answer":"x"}'),
        kind: "analysis",
        mime: "application/json",
        origin: { tool: "analyze_image" },
      })
    ).sha256;
  });
  const randomBase64 = () => toBase64(crypto.getRandomValues(new Uint8Array(256)));

  it.each([
    ["no image", () => ({ images: [] }), /images: give at least one image/],
    ["more than 16 images", () => ({ images: Array.from({ length: 17 }, () => dataUrl(red)) }), /images: at most 16 images/],
    ["unreadable bytes", () => ({ images: [randomBase64()] }), /images: The inline data decodes to 256 bytes that are not a .* image/],
    [
      "a non-image data URL",
      () => ({ images: ["data:text/plain;base64,aGVsbG8gd29ybGQ="] }),
      /images: The data URL declares "text\/plain", not an image type/,
    ],
    ["an http:// URL", () => ({ images: ["http://example.com/cat.png"] }), /images: .*https/],
    ["a private-address https URL", () => ({ images: ["https://192.168.1.10/cat.png"] }), /images: .*(private|local)/i],
    ["an unknown asset id", () => ({ images: ["ab".repeat(32)] }), /images: no asset abab.* is stored here\. Use list_assets/],
    ["an analysis asset id", () => ({ images: [analysisId] }), /images: asset [0-9a-f]{64} is an analysis, not an image/],
    ["the second of two images bad", () => ({ images: [dataUrl(red), randomBase64()] }), /images\[1\]: /],
    [
      "a schema that is not an object schema",
      () => ({ images: [dataUrl(red)], schema: { type: "array", items: { type: "string" } } }),
      /schema: must be a JSON Schema for an object .* got type "array"/,
    ],
    [
      "an unknown model",
      () => ({ images: [dataUrl(red)], model: "gpt-9-ultra" }),
      /model: unknown vision model "gpt-9-ultra"\. Allowed: gpt-6\.1-terra, /,
    ],
    ["an image model (dall-e-3)", () => ({ images: [dataUrl(red)], model: "dall-e-3" }), /model: unknown vision model "dall-e-3"/],
    [
      "a shut-down model",
      () => ({ images: [dataUrl(red)], model: "gpt-4.1-nano" }),
      /"gpt-4\.1-nano" was shut down by OpenAI on 2026-10-23; use gpt-6\.1-terra instead/,
    ],
    [
      "reasoning on a model that does not reason",
      () => ({ images: [dataUrl(red)], model: "gpt-4.1", reasoning: "low" }),
      /^reasoning: gpt-4\.1 does not reason and refuses the parameter; omit reasoning or pick a GPT-5 or GPT-6 model\.$/,
    ],
    [
      "an effort the model does not take",
      () => ({ images: [dataUrl(red)], model: "gpt-5", reasoning: "none" }),
      /^reasoning: "none" is not taken by gpt-5\. Allowed: minimal, low, medium, high\.$/,
    ],
    [
      "a pattern that can backtrack catastrophically",
      () => ({
        images: [dataUrl(red)],
        schema: { type: "object", properties: { code: { type: "string", pattern: "^(a+)+$" } } },
      }),
      /^schema: the regular expression at \/properties\/code\/pattern \("\^\(a\+\)\+\$"\) is refused: a repeated group contains another repetition or an alternation \(catastrophic backtracking\)\./,
    ],
    [
      "a patternProperties key with a backreference",
      () => ({ images: [dataUrl(red)], schema: { type: "object", patternProperties: { "^(x)\\1$": { type: "string" } } } }),
      /^schema: the regular expression at #\/patternProperties \("\^\(x\)\\\\1\$"\) is refused: it uses a backreference\./,
    ],
    [
      "detail original on a model without it",
      () => ({ images: [dataUrl(red)], model: "gpt-5", detail: "original" }),
      /detail: "original" is not supported by gpt-5/,
    ],
    ["max_output_tokens below 16", () => ({ images: [dataUrl(red)], max_output_tokens: 15 }), /max_output_tokens/],
    ["max_output_tokens above 32,000", () => ({ images: [dataUrl(red)], max_output_tokens: 32_001 }), /max_output_tokens/],
    [
      "max_output_tokens above the model's limit",
      () => ({ images: [dataUrl(red)], model: "gpt-4o", max_output_tokens: 20_000 }),
      /max_output_tokens: gpt-4o writes at most 16384 tokens/,
    ],
  ])("%s is refused with a clear message, no upstream call and nothing stored", async (_name, args, pattern) => {
    const before = await storedKeys();
    expectToolError(await analyze({ question: "Bad input?", ...args() }), pattern);
    expect(await fake.stats()).toMatchObject({ total: 0 });
    expect(await storedKeys()).toEqual(before);
  });
});
