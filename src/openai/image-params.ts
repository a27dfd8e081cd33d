/**
 * Turns raw generate/edit tool arguments into fully normalized Images API parameters (every
 * default filled in, so the object hashes the same for the same request), or a ToolError that
 * names the field, the bad value and what is allowed.
 */
import { ToolError } from "../errors";
import {
  currentImageModelIds,
  IMAGE_COMPLEXITIES,
  requireImageModel,
  shutdownNotice,
  type CustomSizeLimits,
  type ImageComplexity,
  type ImageBackground,
  type ImageModelSpec,
  type ImageOutputFormat,
  type ImageQuality,
  type InputFidelity,
  type SizePreset,
} from "./catalog";
import { liveDefaultModel } from "./default-models";
import type { Dimensions } from "./image-tokens";

export type ImageOperation = "generate" | "edit";

/** Tool arguments as they arrive; null counts as absent. */
export interface ImageParamsInput {
  model?: string | null;
  size?: string | null;
  quality?: string | null;
  background?: string | null;
  output_format?: string | null;
  output_compression?: number | null;
  moderation?: string | null;
  n?: number | null;
  input_fidelity?: string | null;
  complexity?: string | null;
}

export interface NormalizeOptions {
  operation: ImageOperation;
  now: Date;
  /** The deployment's configured default model (DEFAULT_IMAGE_MODEL); the catalog's otherwise. */
  defaultModel?: string;
}

/**
 * Every field present; null means "not sent to OpenAI" (not applicable to this model, format or
 * operation), so two requests that mean the same thing are the same object.
 */
export interface NormalizedImageParams {
  model: string;
  /** "auto" or "WIDTHxHEIGHT". */
  size: string;
  quality: ImageQuality;
  background: ImageBackground;
  output_format: ImageOutputFormat;
  output_compression: number | null;
  moderation: "low" | "auto" | null;
  n: number;
  input_fidelity: InputFidelity | null;
  /** Null: the model's own default (OpenAI documents none to fill in). */
  complexity: ImageComplexity | null;
}

const COMPRESSIBLE_FORMATS: readonly ImageOutputFormat[] = ["jpeg", "webp"];
const TRANSPARENT_FORMATS: readonly ImageOutputFormat[] = ["png", "webp"];
const MODERATION_LEVELS = ["low", "auto"] as const;
const FORMAT_ALIASES: Readonly<Record<string, ImageOutputFormat>> = { jpg: "jpeg" };
/** API default for jpeg/webp compression. */
const DEFAULT_COMPRESSION = 100;

const invalid = (message: string) => new ToolError(message, "invalid_input");
const quote = (value: unknown) => (typeof value === "string" ? `"${value}"` : String(value));
const list = (values: readonly string[]) => values.join(", ");

function oneOf<T extends string>(field: string, value: string, allowed: readonly T[], context: string): T {
  const match = allowed.find((candidate) => candidate === value);
  if (match === undefined) {
    throw invalid(`${field}: ${quote(value)} is not allowed${context}. Allowed: ${list(allowed)}.`);
  }
  return match;
}

// ---------------------------------------------------------------------------------------------
// Sizes

/** "1280x720" → {width, height}; "auto" → "auto"; anything else → undefined. */
export function parseSize(size: string): Dimensions | "auto" | undefined {
  const trimmed = size.trim().toLowerCase();
  if (trimmed === "auto") return "auto";
  const match = /^(\d{1,5})\s*[x×]\s*(\d{1,5})$/.exec(trimmed);
  if (!match) return undefined;
  const width = Number(match[1]);
  const height = Number(match[2]);
  return width > 0 && height > 0 ? { width, height } : undefined;
}

/** The pixel size an image of this `size` will have; null for auto (the model picks). */
export function expectedDimensions(size: string): Dimensions | null {
  const parsed = parseSize(size);
  return parsed === undefined || parsed === "auto" ? null : parsed;
}

const formatSize = ({ width, height }: Dimensions): SizePreset => `${width}x${height}`;

/** What is wrong with a custom size under these limits, first problem only. */
function customSizeProblem({ width, height }: Dimensions, limits: CustomSizeLimits): string | undefined {
  const long = Math.max(width, height);
  const short = Math.min(width, height);
  if (width % limits.multipleOf !== 0 || height % limits.multipleOf !== 0) {
    return `width and height must both be multiples of ${limits.multipleOf}`;
  }
  if (long / short > limits.maxAspectRatio) {
    return `the aspect ratio must be between 1:${limits.maxAspectRatio} and ${limits.maxAspectRatio}:1`;
  }
  if (long > limits.maxEdge) return `no side may exceed ${limits.maxEdge} px`;
  if (width * height > limits.maxPixels) return `at most ${limits.maxPixels.toLocaleString("en-US")} pixels are allowed`;
  if (width * height < limits.minPixels) return `at least ${limits.minPixels.toLocaleString("en-US")} pixels are required`;
  return undefined;
}

/** The closest size that passes, found by fixing aspect, then area, then snapping to the grid. */
export function nearestValidSize(requested: Dimensions, limits: CustomSizeLimits): Dimensions | undefined {
  let { width, height } = requested;
  if (width > height * limits.maxAspectRatio) width = height * limits.maxAspectRatio;
  if (height > width * limits.maxAspectRatio) height = width * limits.maxAspectRatio;
  const shrink = Math.min(1, limits.maxEdge / Math.max(width, height), Math.sqrt(limits.maxPixels / (width * height)));
  const grow = Math.max(1, Math.sqrt(limits.minPixels / (width * height)));
  const scale = shrink < 1 ? shrink : grow;
  const snap = scale < 1 ? Math.floor : scale > 1 ? Math.ceil : Math.round;
  const step = limits.multipleOf;
  const candidate = {
    width: Math.max(step, snap((width * scale) / step) * step),
    height: Math.max(step, snap((height * scale) / step) * step),
  };
  return customSizeProblem(candidate, limits) === undefined ? candidate : undefined;
}

function describeSizes(model: ImageModelSpec): string {
  const fixed = [...(model.sizes.auto ? ["auto"] : []), ...model.sizes.presets];
  const custom = model.sizes.custom;
  if (!custom) return list(fixed);
  return (
    `${list(fixed)}, or a custom WIDTHxHEIGHT with both sides multiples of ${custom.multipleOf}, ` +
    `aspect between 1:${custom.maxAspectRatio} and ${custom.maxAspectRatio}:1, ` +
    `sides up to ${custom.maxEdge} px and ${custom.minPixels.toLocaleString("en-US")}–` +
    `${custom.maxPixels.toLocaleString("en-US")} pixels (largest 3840x2160)`
  );
}

function normalizeSize(raw: string | undefined, model: ImageModelSpec, now: Date): string {
  const requested = raw ?? "auto";
  const parsed = parseSize(requested);
  const allowed = describeSizes(model);
  if (parsed === undefined) {
    throw invalid(`size: ${quote(requested)} is not a size. Allowed for ${model.id}: ${allowed}.`);
  }
  if (parsed === "auto") {
    if (!model.sizes.auto) throw invalid(`size: "auto" is not supported by ${model.id}. Allowed: ${allowed}.`);
    return "auto";
  }
  const size = formatSize(parsed);
  if (model.sizes.presets.includes(size)) return size;
  const limits = model.sizes.custom;
  if (!limits) {
    throw invalid(
      `size: ${quote(requested)} is not supported by ${model.id}. Allowed: ${allowed}. ` +
        `Custom sizes work on ${list(currentImageModelIds(now, (m) => m.sizes.custom !== null))}.`,
    );
  }
  const problem = customSizeProblem(parsed, limits);
  if (problem) {
    const nearest = nearestValidSize(parsed, limits);
    const hint = nearest ? ` Nearest valid size: ${formatSize(nearest)}.` : "";
    throw invalid(`size: ${quote(requested)} is not valid for ${model.id}: ${problem}.${hint} Allowed: ${allowed}.`);
  }
  return size;
}

/** True when OpenAI calls this size experimental for the model (above 2560x1440 on 2.x). */
export function isExperimentalSize(model: ImageModelSpec, size: string): boolean {
  const dims = expectedDimensions(size);
  const threshold = model.sizes.custom?.experimentalAbovePixels;
  return dims !== null && threshold !== undefined && dims.width * dims.height > threshold;
}

// ---------------------------------------------------------------------------------------------
// The other fields

function normalizeInteger(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${field}: ${quote(value)} is not allowed. Allowed: an integer from ${min} to ${max}.`);
  }
  return value;
}

function normalizeFormat(raw: string | undefined, model: ImageModelSpec): ImageOutputFormat {
  const requested = (raw ?? "png").toLowerCase();
  return oneOf("output_format", FORMAT_ALIASES[requested] ?? requested, model.outputFormats, "");
}

function normalizeBackground(raw: string | undefined, model: ImageModelSpec, format: ImageOutputFormat): ImageBackground {
  const background = oneOf("background", raw ?? "auto", model.backgrounds, ` for ${model.id}`);
  if (background === "transparent" && !TRANSPARENT_FORMATS.includes(format)) {
    throw invalid(
      `background: "transparent" needs output_format ${TRANSPARENT_FORMATS.join(" or ")}, not "${format}". ` +
        `Allowed with ${format}: ${list(model.backgrounds.filter((b) => b !== "transparent"))}.`,
    );
  }
  return background;
}

function normalizeCompression(raw: number | undefined, format: ImageOutputFormat): number | null {
  if (!COMPRESSIBLE_FORMATS.includes(format)) {
    if (raw === undefined) return null;
    throw invalid(
      `output_compression: ${quote(raw)} cannot be used with output_format "${format}". ` +
        `It applies only to ${COMPRESSIBLE_FORMATS.join(" and ")}.`,
    );
  }
  return raw === undefined ? DEFAULT_COMPRESSION : normalizeInteger("output_compression", raw, 0, 100);
}

function normalizeModeration(raw: string | undefined, operation: ImageOperation): "low" | "auto" | null {
  if (operation === "edit") {
    if (raw === undefined) return null;
    throw invalid(`moderation: ${quote(raw)} cannot be used when editing. moderation applies only to image generation.`);
  }
  return oneOf("moderation", raw ?? "auto", MODERATION_LEVELS, "");
}

function normalizeFidelity(raw: string | undefined, model: ImageModelSpec, { operation, now }: NormalizeOptions): InputFidelity | null {
  const fidelity = model.inputFidelity;
  if (operation === "generate" || !fidelity) {
    if (raw === undefined) return null;
    const reason =
      operation === "generate" ? "input_fidelity applies only to edits" : `${model.id} does not take it (omit it for the 2.x models)`;
    const where = currentImageModelIds(now, (m) => m.inputFidelity !== null);
    const supported = where.length > 0 ? `Models that take it: ${list(where)}.` : "No current model takes it.";
    throw invalid(`input_fidelity: ${quote(raw)} is not allowed: ${reason}. ${supported}`);
  }
  // Sent only when the caller set it: the API's own default applies otherwise.
  return raw === undefined ? null : oneOf("input_fidelity", raw, fidelity.values, ` for ${model.id}`);
}

function normalizeComplexity(raw: string | undefined, model: ImageModelSpec, now: Date): ImageComplexity | null {
  if (raw === undefined) return null;
  if (!model.complexity) {
    const where = currentImageModelIds(now, (m) => m.complexity);
    throw invalid(`complexity: ${quote(raw)} is not allowed: ${model.id} does not take it. Models that take it: ${list(where)}.`);
  }
  return oneOf("complexity", raw, IMAGE_COMPLEXITIES, "");
}

const present = <T>(value: T | null | undefined): T | undefined => (value === null ? undefined : value);

/** Validates and fills every default; throws ToolError naming the field, value and allowed values. */
export function normalizeImageParams(input: ImageParamsInput, options: NormalizeOptions): NormalizedImageParams {
  const id = present(input.model) ?? liveDefaultModel("image", { defaultImageModel: options.defaultModel }, options.now);
  const model = requireImageModel(id, options.now);
  if (options.operation === "edit" && !model.edits.supported) {
    throw new ToolError(`model: ${model.id} cannot edit images.`, "unsupported");
  }
  const output_format = normalizeFormat(present(input.output_format), model);
  const quality = oneOf("quality", present(input.quality) ?? "auto", model.qualities, ` for ${model.id}`);
  const n = normalizeInteger("n", present(input.n) ?? 1, 1, model.maxImagesPerRequest);
  return {
    model: present(input.model) ?? model.id,
    size: normalizeSize(present(input.size), model, options.now),
    quality,
    background: normalizeBackground(present(input.background), model, output_format),
    output_format,
    output_compression: normalizeCompression(present(input.output_compression), output_format),
    moderation: normalizeModeration(present(input.moderation), options.operation),
    n,
    input_fidelity: normalizeFidelity(present(input.input_fidelity), model, options),
    complexity: normalizeComplexity(present(input.complexity), model, options.now),
  };
}

/** The fields to send to OpenAI: the normalized parameters without the nulls. */
export function imageRequestFields(params: NormalizedImageParams): Partial<Record<keyof NormalizedImageParams, string | number>> {
  const fields: Partial<Record<keyof NormalizedImageParams, string | number>> = {};
  for (const [key, value] of Object.entries(params) as [keyof NormalizedImageParams, string | number | null][]) {
    if (value !== null) fields[key] = value;
  }
  return fields;
}

/** Throws when the prompt is empty or longer than the model takes. */
export function checkPromptLength(params: Pick<NormalizedImageParams, "model">, prompt: string, now: Date): void {
  const model = requireImageModel(params.model, now);
  if (prompt.trim().length === 0) throw invalid("prompt: must not be empty.");
  if (prompt.length > model.promptMaxChars) {
    throw invalid(
      `prompt: ${prompt.length.toLocaleString("en-US")} characters is too long for ${model.id}. ` +
        `Allowed: up to ${model.promptMaxChars.toLocaleString("en-US")} characters.`,
    );
  }
}

/** Things worth telling the caller that are not errors: a coming shutdown, an experimental size, a preview feature. */
export function imageParamNotices(params: NormalizedImageParams, now: Date): string[] {
  const model = requireImageModel(params.model, now);
  const notices: string[] = [];
  const shutdown = shutdownNotice(model, now);
  if (shutdown) notices.push(shutdown);
  if (isExperimentalSize(model, params.size)) {
    notices.push(`size ${params.size} is above 2560x1440: OpenAI calls such sizes experimental.`);
  }
  if (params.background === "transparent" && model.transparentBackgroundPreview) {
    notices.push(`transparent backgrounds are a preview on ${model.id}.`);
  }
  return notices;
}
