// POST /v1/images/generations and /v1/images/edits: validate, then answer with real image
// bytes as an ImagesResponse, or as image_generation.* / image_edit.* SSE events.

import { jsonAnswer, type Answer, type SseEvent } from "./answer.ts";
import { checkEditInputs, type EditInput } from "./edit-inputs.ts";
import { invalidType, streamServerError } from "./errors.ts";
import type { EndpointContext } from "./handler.ts";
import { renderImage, renderSvg } from "./image-bytes.ts";
import { parseImageJob, type ImageJob } from "./image-params.ts";
import { imageUsage, textTokens, type ImageUsage } from "./image-usage.ts";
import type { MultipartBody } from "./multipart.ts";

function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function sizeLabel(job: ImageJob): string {
  return `${job.width}x${job.height}`;
}

function seedFor(job: ImageJob, inputs: readonly EditInput[], index: number): string {
  const inputHashes = inputs.map((input) => input.sha256).join(",");
  return `${job.model.id}|${job.prompt}|${inputHashes}|${index}`;
}

async function renderBase64(job: ImageJob, seed: string, progress: number): Promise<string> {
  if (job.format === "svg") return renderSvg(job.width, job.height, seed, job.background === "transparent").toString("base64");
  const bytes = await renderImage({
    width: job.width,
    height: job.height,
    format: job.format,
    transparent: job.background === "transparent",
    compression: job.compression,
    seed,
    progress,
    ...(job.format === "gif" ? { frameCount: job.frameCount, frameDurationMs: job.frameDurationMs } : {}),
  });
  return bytes.toString("base64");
}

async function imagesResponse(job: ImageJob, inputs: readonly EditInput[], context: EndpointContext): Promise<Answer> {
  const data = await Promise.all(
    Array.from({ length: job.n }, async (_, index) => ({ b64_json: await renderBase64(job, seedFor(job, inputs, index), 1) })),
  );
  const body: Record<string, unknown> = {
    created: unixSeconds(),
    background: job.background,
    data,
    output_format: job.format,
    quality: job.quality,
    size: sizeLabel(job),
  };
  if (context.change !== "missing_usage") body["usage"] = imageUsage(job, inputs, job.n);
  if (job.safetyIdentifier) body["safety_identifier"] = job.safetyIdentifier;
  if (job.format === "svg") {
    const input = textTokens(job.prompt);
    const output = 600;
    body["svg_usage"] = {
      input_tokens: input,
      model: "gpt-6.1-terra",
      output_tokens: output,
      reasoning_tokens: 0,
      total_tokens: input + output,
    };
  }
  return jsonAnswer(body);
}

async function* imageEvents(job: ImageJob, inputs: readonly EditInput[], context: EndpointContext): AsyncGenerator<SseEvent> {
  const prefix = job.endpoint === "generation" ? "image_generation" : "image_edit";
  const common = () => ({
    background: job.background,
    created_at: unixSeconds(),
    output_format: job.format,
    quality: job.quality,
    size: sizeLabel(job),
  });
  for (let index = 0; index < job.n; index++) {
    const seed = seedFor(job, inputs, index);
    for (let partial = 0; partial < job.partialImages; partial++) {
      // Partial images are the same picture with less of the subject drawn.
      const b64_json = await renderBase64(job, seed, (partial + 1) / (job.partialImages + 1));
      const type = `${prefix}.partial_image`;
      yield { event: type, data: { type, b64_json, ...common(), partial_image_index: partial } };
    }
    // The real API can fail after partial images went out: an `event: error`, then the stream ends.
    if (context.change === "stream_error") throw streamServerError();
    const type = `${prefix}.completed`;
    // Each completed event reports the usage of its own image (input counted with each).
    const usage: ImageUsage = imageUsage(job, inputs, 1);
    const data: Record<string, unknown> = { type, b64_json: await renderBase64(job, seed, 1), ...common() };
    if (context.change !== "missing_usage") data["usage"] = usage;
    if (job.safetyIdentifier) data["safety_identifier"] = job.safetyIdentifier;
    yield { event: type, data };
  }
}

function answerJob(job: ImageJob, inputs: readonly EditInput[], context: EndpointContext): Promise<Answer> | Answer {
  if (job.stream) return { kind: "sse", events: imageEvents(job, inputs, context) };
  return imagesResponse(job, inputs, context);
}

export function handleImageGeneration(body: unknown, context: EndpointContext): Promise<Answer> | Answer {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw invalidType("body", "an object", body);
  const job = parseImageJob("generation", body as Record<string, unknown>, false, context.today);
  return answerJob(job, [], context);
}

export async function handleImageEdit(form: MultipartBody, context: EndpointContext): Promise<Answer> {
  if ("image" in form.fields || "image[]" in form.fields) throw invalidType("image", "a file", "text");
  const job = parseImageJob("edit", form.fields, true, context.today);
  const inputs = await checkEditInputs(form.files, job);
  return answerJob(job, inputs.images, context);
}
