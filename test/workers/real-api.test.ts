// The server against the fake's real-API behaviours (issue 14): reasoning budgets, the strict
// subset, errors by code, statuses other than completed. Each test here fails on code that
// trusted a naive fake.

import { env } from "cloudflare:workers";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import type { Config } from "../../src/config";
import { ToolError } from "../../src/errors";
import { VERDICT_ANSWER_TOKENS, type Verdict } from "../../src/jobs/image-check";
import { checkVerificationBudget, verifyImages } from "../../src/jobs/verify-result";
import { analyzeImages, estimateAnalysis, type Analysis } from "../../src/jobs/vision-analysis";
import { resolveImages } from "../../src/inputs/resolve-images";
import type { ToolContext } from "../../src/mcp/definitions";
import type { ImageResult } from "../../src/jobs/image-production";
import { currentVisionModelIds } from "../../src/openai/catalog";
import { markBillingLimitsFinal } from "../../src/openai/client";
import { mapOpenAIError, rateLimitWaitSeconds } from "../../src/openai/errors";
import { REASONING_RESERVE } from "../../src/openai/reasoning";
import { editImage, generateImage } from "../../src/tools/images.tools";
import { FakeOpenAIControl, type FaultSpec, type RecordedRequest } from "../fake-openai/control.ts";
import { storeAsset, testServices } from "../support/assets";
import { call, connect, structured, textOf } from "../support/mcp";
import { solidPng } from "../support/png";
import { suiteClock } from "../support/suite-date";

const fake = new FakeOpenAIControl(inject("fakeOpenAIUrl"));

type ResponsesBody = {
  model: string;
  max_output_tokens: number;
  reasoning?: { effort: string };
  text?: { format: { type: string; name: string; schema: unknown; strict: boolean } };
};

async function responsesCalls(): Promise<Array<RecordedRequest & { json: ResponsesBody }>> {
  return (await fake.requests()).filter((r) => r.path === "/v1/responses") as Array<RecordedRequest & { json: ResponsesBody }>;
}

async function storedKeys(): Promise<string[]> {
  const [objects, keys] = await Promise.all([env.ASSETS.list({ limit: 1000 }), env.INDEX.list({ limit: 1000 })]);
  // Job listings (`jobs:<caller>:…`) say a job ran, failed or not: bookkeeping, not a stored result.
  const stored = keys.keys.filter((k) => !k.name.startsWith("jobs:"));
  return [...objects.objects.map((o) => `r2:${o.key}`), ...stored.map((k) => `kv:${k.name}`)].sort();
}

function errorText(result: CallToolResult): string {
  const message = textOf(result);
  expect(result.isError, message).toBe(true);
  return message;
}

function directContext(config: Partial<Config> = {}, signal = new AbortController().signal): ToolContext {
  const services = testServices();
  return {
    services: { ...services, config: { ...services.config, ...config } },
    signal,
    reportProgress: async () => {},
    wantsProgress: false,
    confirm: async () => "unavailable",
    era: "2025-session",
  };
}

let client: Client;
let imageId: string;

beforeAll(async () => {
  client = await connect();
  const bytes = await solidPng(96, 64, [30, 140, 220, 255]);
  imageId = (await storeAsset({ bytes, width: 96, height: 64 })).sha256;
});
afterAll(async () => {
  await client.close();
});
beforeEach(async () => {
  await fake.reset();
});

const analyze = (args: Record<string, unknown>) => call(client, "analyze_image", { images: [imageId], ...args });

describe("reasoning budgets on every current vision model", () => {
  const models = currentVisionModelIds(suiteClock());

  it("the suite's date has reasoning and non-reasoning models to test", () => {
    expect(models).toEqual([
      "gpt-6.1-terra",
      "gpt-6.1-sol",
      "gpt-6-astra",
      "gpt-6-luna",
      "gpt-5",
      "gpt-5-mini",
      "gpt-4.1",
      "gpt-4.1-mini",
      "gpt-4o",
      "gpt-4o-mini",
    ]);
  });

  it.each(models)("%s: an analysis at default settings completes, with reasoning sent only where the model takes it", async (model) => {
    const out = structured<Analysis>(await analyze({ model, question: `Describe it (${model}).` }));
    expect(out.answer).toMatch(/^I see 1 image\./);
    const [request, ...more] = await responsesCalls();
    expect(more).toHaveLength(0);
    if (model.startsWith("gpt-4")) {
      expect(request!.json).not.toHaveProperty("reasoning");
      expect(request!.json.max_output_tokens).toBe(1200);
      expect(out.reasoning).toBeNull();
    } else {
      expect(request!.json.reasoning).toEqual({ effort: "low" });
      expect(request!.json.max_output_tokens).toBe(1200 + REASONING_RESERVE.low);
      expect(out.reasoning).toBe("low");
    }
  });

  it.each(models)("%s: a verdict at default settings completes at low effort", async (model) => {
    const result = await call(client, "check_image", { image: imageId, prompt: `a blue rectangle (${model})`, model });
    const verdict = structured<Verdict>(result);
    expect(verdict).toMatchObject({ model, matches: true });
    const [request] = await responsesCalls();
    expect(request!.json.text?.format).toMatchObject({ name: "answer", strict: true });
    if (model.startsWith("gpt-4")) expect(request!.json).not.toHaveProperty("reasoning");
    else expect(request!.json.reasoning).toEqual({ effort: "low" });
  });

  it("the API's default effort (medium) would have spent the old 2000-token verdict budget: the fake ends it incomplete", async () => {
    const response = await new OpenAI({ apiKey: "sk-test", baseURL: fake.apiBaseUrl, maxRetries: 0 }).responses.create({
      model: "gpt-6.1-terra",
      input: "Does the image match?",
      max_output_tokens: 2000,
    });
    expect(response.status).toBe("incomplete");
    expect(response.incomplete_details).toEqual({ reason: "max_output_tokens" });
    expect(response.output_text).toBe("");
    expect(response.usage?.output_tokens_details.reasoning_tokens).toBe(2000);
  });

  it("analyze_image sends the reasoning input it is given", async () => {
    const out = structured<Analysis>(await analyze({ reasoning: "high", question: "Think hard." }));
    const [request] = await responsesCalls();
    expect(request!.json.reasoning).toEqual({ effort: "high" });
    expect(request!.json.max_output_tokens).toBe(1200 + REASONING_RESERVE.high);
    expect(out.estimate.maxOutputTokens).toBe(1200 + REASONING_RESERVE.high);
  });

  it("an answer cut off by reasoning is asked again once with twice the budget, and both calls are paid for", async () => {
    await fake.addFault({ kind: "long_reasoning", path: "/v1/responses" });
    const result = await analyze({ question: "Cut off once." });
    const out = structured<Analysis>(result);
    const calls = await responsesCalls();
    expect(calls.map((c) => c.json.max_output_tokens)).toEqual([3248, 6496]);
    expect(textOf(result)).toContain("The first answer was cut off at 3248 output tokens; asked again once with 6496.");
    // The first call's 3,248 output tokens are counted with the second's.
    expect(out.usage!.outputTokens).toBeGreaterThan(3248);
  });

  it("a cut-off answer whose retry would pass the cost cap is an error naming reasoning, and nothing is stored", async () => {
    const services = testServices();
    const images = await resolveImages([imageId], services, new AbortController().signal, "images");
    const request = {
      tool: "analyze_image",
      images,
      question: "No room to retry.",
      detail: "auto" as const,
      maxOutputTokens: 1200,
      fresh: true,
    };
    const bound = (await estimateAnalysis(services, request)).maxCostUsd;
    await fake.addFault({ kind: "long_reasoning", path: "/v1/responses" });
    const before = await storedKeys();
    const error = await analyzeImages(directContext({ maxAnalysisCostUsd: bound * 1.5 }), {
      ...request,
      adjustable: { maxOutputTokens: true, reasoning: true },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).message).toBe(
      'The answer was cut off by its output budget (3248 output tokens, 3248 of them reasoning) and nothing was stored. gpt-6.1-terra spent the budget reasoning: set reasoning lower than "low" ("minimal" or "none"), or raise MAX_ANALYSIS_COST_USD so a larger budget fits.',
    );
    expect(await responsesCalls()).toHaveLength(1);
    expect(await storedKeys()).toEqual(before);
  });

  it("check_image's verdict budget is its answer plus low reasoning", () => {
    expect(VERDICT_ANSWER_TOKENS + REASONING_RESERVE.low).toBe(3048);
  });
});

describe("structured outputs inside and outside the strict subset", () => {
  const oneOfSchema = {
    type: "object",
    properties: {
      shape: { oneOf: [{ type: "string", enum: ["rectangle", "circle"] }, { type: "null" }] },
      colour: { type: "string" },
    },
    required: ["shape", "colour"],
    additionalProperties: false,
  };

  it("a oneOf schema goes non-strict and its answer is validated here", async () => {
    const out = structured<Analysis>(await analyze({ question: "Shape and colour?", schema: oneOfSchema }));
    const [request] = await responsesCalls();
    expect(request!.json.text?.format).toMatchObject({ type: "json_schema", name: "answer", strict: false });
    expect(out.answerJson).toEqual({ shape: "rectangle", colour: expect.any(String) });
  });

  it("the same schema sent strict is refused by the fake with the real 400", async () => {
    const error = await new OpenAI({ apiKey: "sk-test", baseURL: fake.apiBaseUrl, maxRetries: 0 }).responses
      .create({
        model: "gpt-6.1-terra",
        input: "x",
        text: { format: { type: "json_schema", name: "answer", schema: oneOfSchema, strict: true } },
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      status: 400,
      code: "invalid_json_schema",
      param: "text.format.schema",
      message: "400 Invalid schema for response_format 'answer': In context=('properties', 'shape'), 'oneOf' is not permitted.",
    });
  });

  it("a 400 invalid_json_schema on a strict schema falls back once to non-strict and says so", async () => {
    await fake.addFault({ kind: "invalid_schema", path: "/v1/responses" });
    const schema = { type: "object", properties: { colour: { type: "string" } }, required: ["colour"], additionalProperties: false };
    const result = await analyze({ question: "Colour, strict refused?", schema });
    expect(structured<Analysis>(result).answerJson).toEqual({ colour: expect.any(String) });
    expect((await responsesCalls()).map((c) => c.json.text?.format.strict)).toEqual([true, false]);
    expect(textOf(result)).toContain("OpenAI refused the schema in strict mode; it was sent non-strict and the answer validated here.");
  });
});

describe("answers that end without one", () => {
  // Safety endings are final; a failed or cancelled response is an upstream failure the job tries
  // three times (its step's attempts), so those faults persist for all three.
  it.each<[string, FaultSpec["kind"], string, number]>([
    [
      "incomplete with content_filter is a safety block",
      "content_filter",
      "OpenAI's safety system stopped the answer (incomplete: content_filter) (OpenAI request id req_",
      1,
    ],
    [
      "a failed response says so",
      "failed",
      "OpenAI could not finish the answer (status failed, server_error: The model failed to generate",
      3,
    ],
    ["a cancelled response says so", "cancelled", "OpenAI cancelled the answer before it finished (OpenAI request id req_", 3],
    ["a refusal is the model declining", "refusal", "The model declined to answer (OpenAI request id req_", 1],
  ])("%s, and nothing is stored", async (_name, kind, start, attempts) => {
    await fake.addFault({ kind, path: "/v1/responses", times: attempts });
    const before = await storedKeys();
    const message = errorText(await analyze({ question: `Ending: ${kind}` }));
    expect(message.startsWith(start), message).toBe(true);
    expect(await responsesCalls()).toHaveLength(attempts);
    expect(await storedKeys()).toEqual(before);
  });

  it("an answer without usage is priced at its upper bound and labelled an estimate", async () => {
    await fake.addFault({ kind: "missing_usage", path: "/v1/responses" });
    const result = await analyze({ question: "No usage?" });
    const out = structured<Analysis>(result);
    expect(out.usage).toBeNull();
    expect(out.cost).toMatchObject({
      usd: out.estimate.maxCostUsd,
      pricesFrom: { source: "no usage returned by OpenAI: the upper-bound estimate", estimate: true },
    });
    expect(textOf(result)).toContain(`for $${out.estimate.maxCostUsd.toFixed(4)} (an estimate: no usage returned by OpenAI`);
  });

  it("the summary carries the answer, shortened, and says the price is an estimate", async () => {
    const long = `The rectangle is blue. ${"Detail. ".repeat(80)}`;
    await fake.script(long);
    const summary = textOf(await analyze({ question: "Long answer?" }));
    expect(summary).toContain("(an estimate: estimate, not confirmed by OpenAI");
    const answerLine = summary.split("\n").find((line) => line.startsWith("Answer: "))!;
    expect(answerLine.startsWith("Answer: The rectangle is blue. Detail.")).toBe(true);
    expect(answerLine).toHaveLength("Answer: ".length + 400);
    expect(answerLine.endsWith("…")).toBe(true);
  });
});

describe("errors by code, through the server", () => {
  it.each([
    "insufficient_quota",
    "billing_hard_limit_reached",
    "project_spend_limit_exceeded",
    "organization_spend_limit_exceeded",
    "organization_usage_limit_exceeded",
    "credit_balance_exhausted",
  ] as const)("a 429 %s asks an operator to raise the limit and is never retried", async (code) => {
    await fake.addFault({ kind: code, path: "/v1/responses", times: 3 });
    const message = errorText(await analyze({ question: `Billing: ${code}` }));
    expect(message).toMatch(
      new RegExp(
        `^The OpenAI account behind this server has reached its billing or spend limit \\(${code}\\) \\(OpenAI request id req_\\d+\\)\\. An operator must raise the limit or add credit on platform\\.openai\\.com; retrying or waiting will not help\\.$`,
      ),
    );
    expect(await responsesCalls()).toHaveLength(1);
  });

  it("a rate limit whose only hint is in the message waits as long as the message says", async () => {
    // 3 × 3: the OpenAI client's three tries in each of the job step's three attempts.
    await fake.addFault({ kind: "rate_limit", path: "/v1/responses", retryAfter: 2, hint: "message", times: 9 });
    const message = errorText(await analyze({ question: "Rate limited, hint in the message" }));
    expect(message).toMatch(
      /^OpenAI rate limit reached \(OpenAI request id req_\d+\), still limited after 2 retries\. Wait 2 s and try again\.$/,
    );
    expect(await responsesCalls()).toHaveLength(9);
  });

  it("an image stream that fails after partial images is an upstream failure, not a refusal, and nothing is stored", async () => {
    // Retryable: it persists through the job step's three attempts.
    await fake.addFault({ kind: "stream_error", path: "/v1/images/generations", times: 3 });
    const before = await storedKeys();
    const message = errorText(await call(client, "generate_image", { prompt: "a lighthouse, stream fails midway", size: "1024x1024" }));
    expect(message).toMatch(
      /^OpenAI's answer failed midway \(server_error\) \(OpenAI request id req_\d+\): The server had an error processing your request\. Sorry about that! You can retry your request\. This is an upstream failure, not a refusal; nothing was stored\. Try again\.$/,
    );
    expect(await storedKeys()).toEqual(before);
  });

  it("size auto follows the prompt's shape upstream, and the result reports what OpenAI made", async () => {
    const out = structured<ImageResult>(await call(client, "generate_image", { prompt: "a wide panorama of dunes at dusk", size: "auto" }));
    expect(out.resolved.size).toBe("1536x1024");
    expect(out.images[0]).toMatchObject({ width: 1536, height: 1024 });
    expect(out.parameters.size).toBe("auto");
  });

  it("complexity on a 1.x model is refused by the fake as the API does, so the server's own guard matters", async () => {
    const error = await new OpenAI({ apiKey: "sk-test", baseURL: fake.apiBaseUrl, maxRetries: 0 }).images
      .generate({ model: "gpt-image-1.5", prompt: "x", complexity: "low" } as never)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, code: "unsupported_parameter", param: "complexity" });
    const message = errorText(await call(client, "generate_image", { prompt: "x", model: "gpt-image-1.5", complexity: "low" }));
    expect(message).toContain('complexity: "low" is not allowed: gpt-image-1.5 does not take it.');
    expect((await fake.requests()).filter((r) => r.path === "/v1/images/generations")).toHaveLength(1);
  });
});

describe("mapOpenAIError: every class to its message", () => {
  const headers = (entries: Record<string, string> = {}) => new Headers({ "x-request-id": "req_9", ...entries });
  const apiError = (status: number | undefined, body: Record<string, unknown>, extra: Record<string, string> = {}) =>
    OpenAI.APIError.generate(status, { error: body }, undefined, headers(extra));
  const mapped = (error: unknown) => {
    const result = mapOpenAIError(error);
    expect(result).toBeInstanceOf(ToolError);
    return { message: (result as ToolError).message, code: (result as ToolError).code };
  };

  it("moderation_blocked and content_policy_violation are safety blocks", () => {
    for (const code of ["moderation_blocked", "content_policy_violation"]) {
      expect(mapped(apiError(400, { message: "Rejected by the safety system.", type: "image_generation_user_error", code }))).toEqual({
        code: "moderation_blocked",
        message:
          "OpenAI's safety system blocked this request (OpenAI request id req_9): Rejected by the safety system. Rephrase the prompt or change the input images; nothing was stored.",
      });
    }
  });

  it("other image_generation_user_error codes are input errors naming the parameter", () => {
    expect(
      mapped(
        apiError(400, {
          message: "The longest edge must be ≤ 3840.",
          type: "image_generation_user_error",
          code: "invalid_value",
          param: "size",
        }),
      ),
    ).toEqual({
      code: "invalid_input",
      message:
        "OpenAI refused an input (parameter size, code invalid_value) (OpenAI request id req_9): The longest edge must be ≤ 3840. Change that input and try again.",
    });
    expect(
      mapped(
        apiError(400, { message: "Invalid image file.", type: "image_generation_user_error", code: "invalid_image_file", param: "image" }),
      ).code,
    ).toBe("invalid_input");
  });

  it("a billing code as the type is still a billing limit", () => {
    expect(mapped(apiError(429, { message: "Quota exceeded.", type: "insufficient_quota", code: null })).code).toBe("billing_limit");
  });

  it("rate limits, auth, not found and server errors", () => {
    expect(
      mapped(apiError(429, { message: "Slow down.", type: "requests", code: "rate_limit_exceeded" }, { "retry-after": "3" })).message,
    ).toBe("OpenAI rate limit reached (OpenAI request id req_9), still limited after 2 retries. Wait 3 s and try again.");
    expect(mapped(apiError(401, { message: "bad key sk-abc123456", type: "invalid_request_error", code: "invalid_api_key" }))).toEqual({
      code: "upstream_auth",
      message: "OpenAI rejected the server's API key (OpenAI request id req_9). An operator must set a valid OPENAI_API_KEY.",
    });
    expect(mapped(apiError(404, { message: "No such model.", type: "invalid_request_error", code: "model_not_found" })).code).toBe(
      "invalid_input",
    );
    expect(mapped(apiError(503, { message: "Overloaded.", type: "server_error", code: null })).message).toBe(
      "OpenAI had a server error (HTTP 503) (OpenAI request id req_9), still failing after 2 retries; nothing was stored. Try again later.",
    );
  });

  it("an event: error mid-stream (no status) is a retryable upstream failure", () => {
    const error = new OpenAI.APIError(undefined, { type: "error", code: "server_error", message: "Stream broke." }, undefined, headers());
    expect(mapped(error)).toEqual({
      code: "upstream_error",
      message:
        "OpenAI's answer failed midway (server_error) (OpenAI request id req_9): Stream broke. This is an upstream failure, not a refusal; nothing was stored. Try again.",
    });
  });

  it("never claims nothing was charged", () => {
    const messages = [
      apiError(400, { message: "x", code: "moderation_blocked" }),
      apiError(429, { message: "x", code: "insufficient_quota" }),
      apiError(400, { message: "x", code: "invalid_value", param: "size" }),
    ].map((e) => mapped(e).message);
    for (const message of messages) expect(message).not.toContain("charged");
  });
});

describe("rate-limit waits from whichever hint is present", () => {
  it.each([
    ["retry-after-ms (Azure)", { "retry-after-ms": "2500" }, "", 3],
    ["retry-after in seconds", { "retry-after": "7" }, "", 7],
    ["retry-after as an HTTP date", { "retry-after": new Date(Date.UTC(2026, 10, 25, 0, 0, 20)).toUTCString() }, "", 20],
    ["the longer x-ratelimit-reset-*", { "x-ratelimit-reset-requests": "1m30s", "x-ratelimit-reset-tokens": "6s" }, "", 90],
    ["x-ratelimit-reset in ms", { "x-ratelimit-reset-tokens": "1500ms" }, "", 2],
    ["the message", {}, "Rate limit reached. Please try again in 1.2s. Visit …", 2],
    ["the message in ms", {}, "Please try again in 450ms.", 1],
    ["nothing", {}, "Rate limit reached.", undefined],
  ])("%s", (_name, entries, message, wait) => {
    expect(rateLimitWaitSeconds(new Headers(entries), message, Date.UTC(2026, 10, 25, 0, 0, 0))).toBe(wait);
  });
});

describe("billing 429s are final for the SDK", () => {
  it("adds x-should-retry: false to a billing 429 and leaves a rate limit alone", async () => {
    const billing = await markBillingLimitsFinal(
      new Response(JSON.stringify({ error: { code: "credit_balance_exhausted", type: "invalid_request_error" } }), { status: 429 }),
    );
    expect(billing.headers.get("x-should-retry")).toBe("false");
    expect(await billing.json()).toEqual({ error: { code: "credit_balance_exhausted", type: "invalid_request_error" } });
    const limited = await markBillingLimitsFinal(new Response(JSON.stringify({ error: { code: "rate_limit_exceeded" } }), { status: 429 }));
    expect(limited.headers.get("x-should-retry")).toBeNull();
    const ok = new Response("{}", { status: 200 });
    expect(await markBillingLimitsFinal(ok)).toBe(ok);
  });
});

describe("verify: true", () => {
  it("is estimated before anything is paid and refused above the cap", async () => {
    const services = testServices();
    const cheap = { ...services, config: { ...services.config, maxAnalysisCostUsd: 0.5 } };
    await expect(checkVerificationBudget(cheap, "a red fox", { n: 2, size: "1024x1024" })).resolves.toBeUndefined();
    const tight = { ...services, config: { ...services.config, maxAnalysisCostUsd: 0.001 } };
    const error = await checkVerificationBudget(tight, "a red fox", { n: 4, size: "auto" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).message).toMatch(
      /^verify: checking 4 image\(s\) could cost up to \$\d+\.\d{4} \(\$\d+\.\d{4} each\), above this server's cap of \$0\.001 \(MAX_ANALYSIS_COST_USD\)\. Ask for fewer images \(n\), or leave verify off and run check_image on the ones you keep\.$/,
    );
    expect(await fake.stats()).toMatchObject({ total: 0 });
  });

  it("generate_image and edit_image refuse verify over the cap before calling OpenAI, and store nothing", async () => {
    const ctx = directContext({ maxAnalysisCostUsd: 0.001 });
    const before = await storedKeys();
    for (const [tool, args] of [
      [generateImage, { prompt: "ten posters", n: 10, verify: true }],
      [editImage, { prompt: "make it gold", images: [imageId], verify: true }],
    ] as const) {
      const error = await tool.run(tool.input.parse(args), ctx).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ToolError);
      expect((error as ToolError).message).toMatch(/^verify: checking (10|1) image\(s\) could cost up to \$/);
    }
    expect(await fake.stats()).toMatchObject({ total: 0 });
    expect(await storedKeys()).toEqual(before);
  });

  it("a deadline that stops a verdict keeps the images and says they were stored", async () => {
    await fake.addFault({ kind: "slow", path: "/v1/responses", delayMs: 2000 });
    const controller = new AbortController();
    const ctx = directContext({}, controller.signal);
    // verify: true runs as a job step: the pipeline context's signal carries the job's deadline.
    const pctx = { services: ctx.services, signal: ctx.signal, progress: async () => undefined };
    setTimeout(() => controller.abort(new DOMException("deadline", "TimeoutError")), 300);
    const verified = await verifyImages(pctx, [imageId], "a blue rectangle, slow verdict");
    expect(verified.verification).toEqual([]);
    expect(verified.notices).toEqual([
      `verification was stopped by the tool deadline; the images are stored (unchecked: ${imageId}). Run check_image on them to verify.`,
    ]);
  });
});
