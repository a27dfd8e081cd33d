// POST /v1/responses: validates like the real API, "looks" at the images (decoded size and
// dominant colour), and answers with a Response object or the real SSE event sequence.

import { randomBytes } from "node:crypto";
import { jsonAnswer, type Answer, type SseEvent } from "./answer.ts";
import { findModel, shutdownDateOf, type TextModelInfo } from "./catalog.ts";
import {
  invalidEnumValue,
  invalidType,
  invalidValue,
  missingParameter,
  modelNotFound,
  modelShutDown,
  unsupportedModelForEndpoint,
} from "./errors.ts";
import { textTokens } from "./image-usage.ts";
import { checkJsonSchemaFormat, exampleForSchema } from "./json-schema.ts";
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

function resolveTextModel(id: string): TextModelInfo {
  const shutdown = shutdownDateOf(id);
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

async function parseResponseJob(body: unknown): Promise<ResponseJob> {
  if (!isRecord(body)) throw invalidType("body", "an object", body);
  const params = new ParamReader(body, false);
  params.rejectUnknown(KNOWN_PARAMS);

  const modelId = params.string("model");
  if (modelId === undefined) throw missingParameter("model");
  const model = resolveTextModel(modelId);
  const previousResponseId = params.string("previous_response_id") ?? null;
  if (!params.has("input") && !previousResponseId && !params.has("prompt") && !params.has("conversation")) {
    throw missingParameter("input");
  }
  const input = params.has("input") ? await readResponsesInput(params.raw("input")) : { texts: [], images: [] };
  const instructions = params.string("instructions") ?? null;
  const maxOutputTokens = params.integer("max_output_tokens", { min: 16, max: 128_000 }) ?? null;
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

function generatedText(job: ResponseJob): string {
  const description = describeInput(job.input);
  switch (job.format.type) {
    case "json_schema":
      return JSON.stringify(exampleForSchema(job.format.schema, { description, imageCount: job.input.images.length }));
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

interface Outcome {
  text: string;
  truncated: boolean;
  outputTokens: number;
}

function decideOutcome(job: ResponseJob, scriptedText: string | undefined): Outcome {
  const full = scriptedText ?? generatedText(job);
  const tokens = textTokens(full);
  if (job.maxOutputTokens !== null && tokens > job.maxOutputTokens) {
    return { text: full.slice(0, job.maxOutputTokens * 4), truncated: true, outputTokens: job.maxOutputTokens };
  }
  return { text: full, truncated: false, outputTokens: tokens };
}

function responseObject(
  job: ResponseJob,
  ids: { response: string; message: string },
  createdAt: number,
  outcome: Outcome | null,
): Record<string, unknown> {
  const status = outcome === null ? "in_progress" : outcome.truncated ? "incomplete" : "completed";
  const input = inputTokens(job).total;
  const output = outcome === null ? [] : [messageItem(ids.message, outcome.truncated ? "incomplete" : "completed", outcome.text)];
  return {
    id: ids.response,
    object: "response",
    created_at: createdAt,
    status,
    background: false,
    completed_at: status === "completed" ? Math.floor(Date.now() / 1000) : null,
    error: null,
    incomplete_details: outcome?.truncated ? { reason: "max_output_tokens" } : null,
    instructions: job.instructions,
    max_output_tokens: job.maxOutputTokens,
    max_tool_calls: null,
    model: job.model.id,
    output,
    parallel_tool_calls: true,
    previous_response_id: job.previousResponseId,
    prompt_cache_key: null,
    reasoning: { effort: null, summary: null },
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
      outcome === null
        ? null
        : {
            input_tokens: input,
            input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
            output_tokens: outcome.outputTokens,
            output_tokens_details: { reasoning_tokens: 0 },
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
  yield event("response.output_item.added", { output_index: 0, item: messageItem(ids.message, "in_progress", null) });
  yield event("response.content_part.added", { ...where, part: outputTextPart("") });
  for (const delta of deltas(outcome.text)) {
    yield event("response.output_text.delta", { ...where, delta, logprobs: [] });
  }
  yield event("response.output_text.done", { ...where, text: outcome.text, logprobs: [] });
  yield event("response.content_part.done", { ...where, part: outputTextPart(outcome.text) });
  const final = responseObject(job, ids, createdAt, outcome);
  yield event("response.output_item.done", {
    output_index: 0,
    item: messageItem(ids.message, outcome.truncated ? "incomplete" : "completed", outcome.text),
  });
  yield event(outcome.truncated ? "response.incomplete" : "response.completed", { response: final });
}

/** `takeScript` is called only once the request is valid, so a script is not spent on a 400. */
export async function handleResponses(body: unknown, takeScript: () => string | undefined): Promise<Answer> {
  const job = await parseResponseJob(body);
  const outcome = decideOutcome(job, takeScript());
  if (job.stream) return { kind: "sse", events: responseEvents(job, outcome) };
  const ids = { response: newId("resp"), message: newId("msg") };
  return jsonAnswer(responseObject(job, ids, Math.floor(Date.now() / 1000), outcome));
}
