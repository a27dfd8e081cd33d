// POST /v1/responses: validates like the real API, "looks" at the images (decoded size and
// dominant colour), and answers with a Response object or the real SSE event sequence.

import { randomBytes } from "node:crypto";
import { jsonAnswer, type Answer, type SseEvent } from "./answer.ts";
import { findModel, shutdownDateOf, type Effort, type TextModelInfo } from "./catalog.ts";
import {
  integerAboveMax,
  invalidEnumValue,
  invalidType,
  invalidValue,
  missingParameter,
  modelNotFound,
  modelShutDown,
  streamServerError,
  unsupportedModelForEndpoint,
  unsupportedParameter,
} from "./errors.ts";
import type { EndpointContext } from "./handler.ts";
import type { AnswerChange } from "./protocol.ts";
import { textTokens } from "./image-usage.ts";
import { checkJsonSchemaFormat, exampleForSchema } from "./json-schema.ts";
import { isCritiqueSchema, isSpecSchema, type ModelDesigner } from "./model-3d.ts";
import { ParamReader } from "./params.ts";
import { readResponsesInput, type ReadInput, type SeenImage } from "./responses-input.ts";
import { visionImageTokens } from "./vision-tokens.ts";

const KNOWN_PARAMS = new Set([
  "access_programs",
  "background",
  "context_management",
  "conversation",
  "image",
  "include",
  "input",
  "instructions",
  "max_output_tokens",
  "max_tool_calls",
  "metadata",
  "model",
  "moderation",
  "parallel_tool_calls",
  "previous_response_id",
  "prompt",
  "prompt_cache_key",
  "prompt_cache_options",
  "prompt_cache_retention",
  "reasoning",
  "safety_identifier",
  "service_tier",
  "store",
  "stream",
  "stream_options",
  "temperature",
  "text",
  "tool_choice",
  "tools",
  "top_logprobs",
  "top_p",
  "truncation",
  "user",
]);

type TextFormat =
  | { type: "text" }
  | { type: "json_object" }
  | { type: "json_schema"; name: string; schema: Record<string, unknown>; strict: boolean; description: string | null };

interface ResponseJob {
  model: TextModelInfo;
  /** The effort the model reasons at: the one sent, or medium by default; null for models that do not reason. */
  effort: Effort | null;
  input: ReadInput;
  instructions: string | null;
  maxOutputTokens: number | null;
  format: TextFormat;
  stream: boolean;
  temperature: number;
  topP: number;
  metadata: Record<string, unknown>;
  previousResponseId: string | null;
  safetyIdentifier: string | null;
  store: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function resolveTextModel(id: string, today: string): TextModelInfo {
  const shutdown = shutdownDateOf(id, today);
  if (shutdown) throw modelShutDown(id, shutdown);
  const info = findModel(id);
  if (!info) throw modelNotFound(id);
  if (info.kind !== "text") throw unsupportedModelForEndpoint(id, "Responses API");
  return info;
}

function readTextFormat(text: unknown): TextFormat {
  if (text === undefined || text === null) return { type: "text" };
  if (!isRecord(text)) throw invalidType("text", "an object", text);
  const format = text["format"];
  if (format === undefined || format === null) return { type: "text" };
  if (!isRecord(format)) throw invalidType("text.format", "an object", format);
  const type = format["type"];
  if (type === undefined) throw missingParameter("text.format.type");
  if (type === "text" || type === "json_object") return { type };
  if (type !== "json_schema") throw invalidEnumValue("text.format.type", type, ["text", "json_schema", "json_object"]);

  const name = format["name"];
  if (name === undefined) throw missingParameter("text.format.name");
  if (typeof name !== "string") throw invalidType("text.format.name", "a string", name);
  if (!/^[a-zA-Z0-9_-]{1,64}$/.test(name)) {
    throw invalidValue(
      "text.format.name",
      `Invalid 'text.format.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
    );
  }
  const schema = format["schema"];
  if (schema === undefined) throw missingParameter("text.format.schema");
  if (!isRecord(schema)) throw invalidType("text.format.schema", "an object", schema);
  const strict = format["strict"] ?? false;
  if (typeof strict !== "boolean") throw invalidType("text.format.strict", "a boolean", strict);
  const description = typeof format["description"] === "string" ? format["description"] : null;
  checkJsonSchemaFormat(name, schema, strict);
  return { type: "json_schema", name, schema, strict, description };
}

/** `reasoning: {effort}`: models without reasoning refuse the parameter outright, as gpt-4o and gpt-4.1 do. */
function readReasoning(raw: unknown, model: TextModelInfo): Effort | null {
  if (raw === undefined || raw === null) return model.reasoning ? "medium" : null;
  if (!isRecord(raw)) throw invalidType("reasoning", "an object", raw);
  if (!model.reasoning) {
    throw unsupportedParameter("reasoning.effort", "Unsupported parameter: 'reasoning.effort' is not supported with this model.");
  }
  const effort = raw["effort"];
  if (effort === undefined || effort === null) return "medium";
  if (typeof effort !== "string" || !(model.reasoning as readonly string[]).includes(effort)) {
    throw invalidEnumValue("reasoning.effort", effort, model.reasoning);
  }
  return effort as Effort;
}

async function parseResponseJob(body: unknown, today: string): Promise<ResponseJob> {
  if (!isRecord(body)) throw invalidType("body", "an object", body);
  const params = new ParamReader(body, false);
  params.rejectUnknown(KNOWN_PARAMS);

  const modelId = params.string("model");
  if (modelId === undefined) throw missingParameter("model");
  const model = resolveTextModel(modelId, today);
  const previousResponseId = params.string("previous_response_id") ?? null;
  if (!params.has("input") && !previousResponseId && !params.has("prompt") && !params.has("conversation")) {
    throw missingParameter("input");
  }
  const input = params.has("input") ? await readResponsesInput(params.raw("input")) : { texts: [], images: [] };
  if (!model.originalDetail && input.images.some((image) => image.detail === "original")) {
    throw invalidValue("input", `Invalid value: 'original'. The image detail 'original' is not supported with model '${model.id}'.`);
  }
  const instructions = params.string("instructions") ?? null;
  const maxOutputTokens = params.integer("max_output_tokens", { min: 16, max: Number.MAX_SAFE_INTEGER }) ?? null;
  if (maxOutputTokens !== null && maxOutputTokens > model.maxOutputTokens) {
    throw integerAboveMax("max_output_tokens", model.maxOutputTokens, maxOutputTokens);
  }
  const effort = readReasoning(params.raw("reasoning"), model);
  const format = readTextFormat(params.raw("text"));
  if (format.type === "json_object" && !input.texts.some((t) => /json/i.test(t)) && !/json/i.test(instructions ?? "")) {
    throw invalidValue(
      "input",
      "Response input messages must contain the word 'json' in some form to use 'text.format' of type 'json_object'.",
    );
  }
  const temperature = params.raw("temperature") ?? 1;
  if (typeof temperature !== "number" || temperature < 0 || temperature > 2) {
    throw invalidValue("temperature", `Invalid 'temperature': expected a number between 0 and 2, got ${String(temperature)}.`);
  }
  const topP = params.raw("top_p") ?? 1;
  if (typeof topP !== "number" || topP < 0 || topP > 1) {
    throw invalidValue("top_p", `Invalid 'top_p': expected a number between 0 and 1, got ${String(topP)}.`);
  }
  const metadata = params.raw("metadata") ?? {};
  if (!isRecord(metadata)) throw invalidType("metadata", "an object", metadata);
  return {
    model,
    effort,
    input,
    instructions,
    maxOutputTokens,
    format,
    stream: params.boolean("stream") ?? false,
    temperature,
    topP,
    metadata,
    previousResponseId,
    safetyIdentifier: params.string("safety_identifier") ?? null,
    store: params.boolean("store") ?? true,
  };
}

function describeImage(image: SeenImage, index: number): string {
  if (image.source !== "data_url") return `Image ${index + 1}: remote image ${image.reference ?? ""} (not fetched).`;
  return `Image ${index + 1}: ${image.width}x${image.height} ${image.format ?? "image"}, dominant colour ${image.dominantColour ?? "unknown"}.`;
}

/** The deterministic "model answer" for a plain-text request. */
export function describeInput(input: ReadInput): string {
  const count = input.images.length;
  const parts = [`I see ${count} image${count === 1 ? "" : "s"}.`, ...input.images.map(describeImage)];
  const lastText = input.texts[input.texts.length - 1];
  if (lastText) parts.push(`The request was: "${lastText.length > 120 ? `${lastText.slice(0, 120)}…` : lastText}".`);
  return parts.join(" ");
}

function generatedText(job: ResponseJob, designer: ModelDesigner | undefined): string {
  const description = describeInput(job.input);
  switch (job.format.type) {
    case "json_schema": {
      // A 3D spec or critique schema gets what a model would write for it, not a placeholder.
      const schema = job.format.schema;
      if (designer && isSpecSchema(schema)) return JSON.stringify(designer.plan(job.input.texts));
      if (designer && isCritiqueSchema(schema)) {
        return JSON.stringify(designer.critique(job.input.texts, "revised_spec" in (schema["properties"] as Record<string, unknown>)));
      }
      return JSON.stringify(exampleForSchema(schema, { description, imageCount: job.input.images.length }));
    }
    case "json_object":
      return JSON.stringify({ description, image_count: job.input.images.length });
    case "text":
      return description;
  }
}

function inputTokens(job: ResponseJob): { total: number } {
  const text = textTokens([job.instructions ?? "", ...job.input.texts].join("\n"));
  const images = job.input.images.reduce(
    (sum, image) => sum + visionImageTokens(job.model.imageTokens, image.width, image.height, image.detail),
    0,
  );
  return { total: text + images };
}

function echoedFormat(format: TextFormat): Record<string, unknown> {
  if (format.type !== "json_schema") return { type: format.type };
  return { type: "json_schema", description: format.description, name: format.name, schema: format.schema, strict: format.strict };
}

function newId(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString("hex")}`;
}

/**
 * Hidden reasoning tokens an image question takes at each effort. Medium, the default, spends
 * a few thousand before a word is written (FACTS.md), so a budget sized for the answer alone
 * ends "incomplete" with no text, as it does on the real API.
 */
export const REASONING_SPEND: Readonly<Record<Effort, number>> = {
  none: 0,
  minimal: 80,
  low: 700,
  medium: 2600,
  high: 7000,
  xhigh: 14_000,
  max: 28_000,
};

interface Outcome {
  status: "completed" | "incomplete" | "failed" | "cancelled";
  incompleteReason: "max_output_tokens" | "content_filter" | null;
  /** Null when no message item is produced (failed, cancelled, or the budget went on reasoning). */
  text: string | null;
  refusal: string | null;
  outputTokens: number;
  reasoningTokens: number;
  withUsage: boolean;
  streamFails: boolean;
}

const REFUSAL = "I'm sorry, but I can't help with that request.";

function decideOutcome(
  job: ResponseJob,
  scriptedText: string | undefined,
  change: AnswerChange | undefined,
  designer: ModelDesigner | undefined,
): Outcome {
  const base = { refusal: null, withUsage: change !== "missing_usage", streamFails: change === "stream_error" };
  const max = job.maxOutputTokens;
  const reasoning = change === "long_reasoning" && job.effort ? (max ?? 32_000) : job.effort ? REASONING_SPEND[job.effort] : 0;
  if (change === "failed" || change === "cancelled") {
    return { ...base, status: change, incompleteReason: null, text: null, outputTokens: reasoning, reasoningTokens: reasoning };
  }
  if (max !== null && reasoning >= max) {
    return { ...base, status: "incomplete", incompleteReason: "max_output_tokens", text: null, outputTokens: max, reasoningTokens: max };
  }
  if (change === "refusal") {
    const tokens = textTokens(REFUSAL);
    return {
      ...base,
      status: "completed",
      incompleteReason: null,
      text: null,
      refusal: REFUSAL,
      outputTokens: reasoning + tokens,
      reasoningTokens: reasoning,
    };
  }
  const full = scriptedText ?? generatedText(job, designer);
  const tokens = textTokens(full);
  if (change === "content_filter") {
    const half = full.slice(0, Math.floor(full.length / 2));
    return {
      ...base,
      status: "incomplete",
      incompleteReason: "content_filter",
      text: half,
      outputTokens: reasoning + textTokens(half),
      reasoningTokens: reasoning,
    };
  }
  if (max !== null && reasoning + tokens > max) {
    const room = max - reasoning;
    return {
      ...base,
      status: "incomplete",
      incompleteReason: "max_output_tokens",
      text: full.slice(0, room * 4),
      outputTokens: max,
      reasoningTokens: reasoning,
    };
  }
  return { ...base, status: "completed", incompleteReason: null, text: full, outputTokens: reasoning + tokens, reasoningTokens: reasoning };
}

function responseObject(
  job: ResponseJob,
  ids: { response: string; message: string },
  createdAt: number,
  outcome: Outcome | null,
): Record<string, unknown> {
  const status = outcome === null ? "in_progress" : outcome.status;
  const input = inputTokens(job).total;
  const output = outcome === null ? [] : outputItems(ids, outcome);
  return {
    id: ids.response,
    object: "response",
    created_at: createdAt,
    status,
    background: false,
    completed_at: status === "completed" ? Math.floor(Date.now() / 1000) : null,
    error:
      outcome?.status === "failed" ? { code: "server_error", message: "The model failed to generate a response. Please try again." } : null,
    incomplete_details: outcome?.incompleteReason ? { reason: outcome.incompleteReason } : null,
    instructions: job.instructions,
    max_output_tokens: job.maxOutputTokens,
    max_tool_calls: null,
    model: job.model.id,
    output,
    parallel_tool_calls: true,
    previous_response_id: job.previousResponseId,
    prompt_cache_key: null,
    reasoning: { effort: job.effort, summary: null },
    safety_identifier: job.safetyIdentifier,
    service_tier: "default",
    store: job.store,
    temperature: job.temperature,
    text: { format: echoedFormat(job.format), verbosity: "medium" },
    tool_choice: "auto",
    tools: [],
    top_logprobs: 0,
    top_p: job.topP,
    truncation: "disabled",
    usage:
      outcome === null || !outcome.withUsage
        ? null
        : {
            input_tokens: input,
            input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
            output_tokens: outcome.outputTokens,
            output_tokens_details: { reasoning_tokens: outcome.reasoningTokens },
            total_tokens: input + outcome.outputTokens,
          },
    user: null,
    metadata: job.metadata,
    access_programs: null,
  };
}

function outputTextPart(text: string): Record<string, unknown> {
  return { type: "output_text", annotations: [], logprobs: [], text };
}

function messageItem(id: string, status: "in_progress" | "completed" | "incomplete", text: string | null): Record<string, unknown> {
  return { id, type: "message", status, content: text === null ? [] : [outputTextPart(text)], role: "assistant" };
}

/** A reasoning item (summary not asked for) when the model reasoned, then the message, a refusal, or nothing. */
function outputItems(ids: { response: string; message: string }, outcome: Outcome): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [];
  if (outcome.reasoningTokens > 0) items.push({ id: ids.response.replace(/^resp_/, "rs_"), type: "reasoning", summary: [] });
  const status = outcome.status === "incomplete" ? "incomplete" : "completed";
  if (outcome.refusal !== null) {
    items.push({ id: ids.message, type: "message", status, role: "assistant", content: [{ type: "refusal", refusal: outcome.refusal }] });
  } else if (outcome.text !== null) {
    items.push(messageItem(ids.message, status, outcome.text));
  }
  return items;
}

/** Splits text into word-sized deltas, as the real stream does (roughly one token each). */
function deltas(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? (text ? [text] : []);
}

async function* responseEvents(job: ResponseJob, outcome: Outcome): AsyncGenerator<SseEvent> {
  const ids = { response: newId("resp"), message: newId("msg") };
  const createdAt = Math.floor(Date.now() / 1000);
  let sequence = 0;
  const event = (type: string, fields: Record<string, unknown>): SseEvent => ({
    event: type,
    data: { type, ...fields, sequence_number: sequence++ },
  });
  const pending = responseObject(job, ids, createdAt, null);
  const where = { item_id: ids.message, output_index: 0, content_index: 0 };
  yield event("response.created", { response: pending });
  yield event("response.in_progress", { response: pending });
  const text = outcome.text ?? "";
  if (outcome.text !== null) {
    yield event("response.output_item.added", { output_index: 0, item: messageItem(ids.message, "in_progress", null) });
    yield event("response.content_part.added", { ...where, part: outputTextPart("") });
    const pieces = deltas(text);
    for (const [index, delta] of pieces.entries()) {
      // The real stream can fail after text went out: an `event: error`, then the stream ends.
      if (outcome.streamFails && index === Math.floor(pieces.length / 2)) throw streamServerError();
      yield event("response.output_text.delta", { ...where, delta, logprobs: [] });
    }
    yield event("response.output_text.done", { ...where, text, logprobs: [] });
    yield event("response.content_part.done", { ...where, part: outputTextPart(text) });
    yield event("response.output_item.done", {
      output_index: 0,
      item: messageItem(ids.message, outcome.status === "incomplete" ? "incomplete" : "completed", text),
    });
  } else if (outcome.streamFails) {
    throw streamServerError();
  }
  const final = responseObject(job, ids, createdAt, outcome);
  const ending = {
    completed: "response.completed",
    incomplete: "response.incomplete",
    failed: "response.failed",
    cancelled: "response.cancelled",
  };
  yield event(ending[outcome.status], { response: final });
}

/** `takeScript` is called only once the request is valid, so a script is not spent on a 400. */
export async function handleResponses(
  body: unknown,
  context: EndpointContext,
  takeScript: () => string | undefined,
  designer?: ModelDesigner,
): Promise<Answer> {
  const job = await parseResponseJob(body, context.today);
  const outcome = decideOutcome(job, takeScript(), context.change, designer);
  if (job.stream) return { kind: "sse", events: responseEvents(job, outcome) };
  // Without a stream, a failure midway is an ordinary server error.
  if (outcome.streamFails) throw streamServerError();
  const ids = { response: newId("resp"), message: newId("msg") };
  return jsonAnswer(responseObject(job, ids, Math.floor(Date.now() / 1000), outcome));
}
