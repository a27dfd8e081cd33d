// Validation of Images API parameters (generations and edits), in the real API's terms, into
// one normalised job description.

import { findModel, shutdownDateOf, type ImageModelInfo } from "./catalog.ts";
import {
  ApiError,
  invalidEnumValue,
  invalidValue,
  missingParameter,
  modelNotFound,
  modelShutDown,
  unknownParameter,
  unsupportedModelForEndpoint,
  unsupportedParameter,
} from "./errors.ts";
import { ParamReader } from "./params.ts";

export type ImageEndpoint = "generation" | "edit";
export type OutputFormat = "png" | "jpeg" | "webp" | "gif" | "svg";
export type ResolvedQuality = "low" | "medium" | "high" | "xhigh" | "max";

export interface ImageJob {
  endpoint: ImageEndpoint;
  model: ImageModelInfo;
  prompt: string;
  n: number;
  width: number;
  height: number;
  format: OutputFormat;
  background: "transparent" | "opaque";
  quality: ResolvedQuality;
  compression: number | undefined;
  partialImages: number;
  stream: boolean;
  frameCount: number;
  frameDurationMs: number;
  safetyIdentifier: string | null;
}

const COMMON_PARAMS = [
  "prompt",
  "model",
  "n",
  "size",
  "quality",
  "background",
  "output_format",
  "output_compression",
  "partial_images",
  "stream",
  "complexity",
  "frame_count",
  "frame_duration_ms",
  "safety_identifier",
  "svg",
  "user",
];
const GENERATION_PARAMS = new Set([...COMMON_PARAMS, "moderation"]);
const EDIT_PARAMS = new Set([...COMMON_PARAMS, "image", "mask", "markup", "input_fidelity"]);
/** Parameters of the retired DALL·E models: GPT image models answer "Unknown parameter". */
const LEGACY_PARAMS = new Set(["response_format", "style"]);

const SIZE_PRESETS = ["1024x1024", "1536x1024", "1024x1536", "auto"] as const;
const FORMATS: readonly OutputFormat[] = ["png", "jpeg", "webp", "gif", "svg"];
const MAX_PROMPT_LENGTH = 32_000;
const MAX_EDGE = 3840;
const MAX_PIXELS = 3840 * 2160;
const MIN_PIXELS = 655_360;

export function resolveImageModel(model: string, today: string): ImageModelInfo {
  const shutdown = shutdownDateOf(model, today);
  if (shutdown) throw modelShutDown(model, shutdown);
  const info = findModel(model);
  if (!info) throw modelNotFound(model);
  if (info.kind !== "image") throw unsupportedModelForEndpoint(model, "Images API");
  return info;
}

const LANDSCAPE_WORDS = /\b(landscape|wide|widescreen|panorama|panoramic|banner|horizon|header)\b/i;
const PORTRAIT_WORDS = /\b(portrait|tall|poster|vertical|phone wallpaper|full[- ]body|standing)\b/i;

/** `auto` picks a shape from the prompt, as the real model does: never assume it is square. */
function autoSize(prompt: string): { width: number; height: number } {
  if (LANDSCAPE_WORDS.test(prompt)) return { width: 1536, height: 1024 };
  if (PORTRAIT_WORDS.test(prompt)) return { width: 1024, height: 1536 };
  return { width: 1024, height: 1024 };
}

function parseSize(value: string | undefined, model: ImageModelInfo, prompt: string): { width: number; height: number } {
  if (value === undefined || value === "auto") return autoSize(prompt);
  const preset = (SIZE_PRESETS as readonly string[]).includes(value);
  const match = /^(\d{1,5})x(\d{1,5})$/.exec(value);
  if (!match || (!preset && !model.customSizes)) throw invalidEnumValue("size", value, SIZE_PRESETS);
  const width = Number(match[1]);
  const height = Number(match[2]);
  if (preset) return { width, height };
  if (width % 16 !== 0 || height % 16 !== 0) {
    throw invalidValue("size", `Invalid size '${value}'. Width and height must both be divisible by 16.`);
  }
  if (Math.max(width, height) > 3 * Math.min(width, height)) {
    throw invalidValue("size", `Invalid size '${value}'. The aspect ratio must be between 1:3 and 3:1.`);
  }
  if (Math.max(width, height) > MAX_EDGE || width * height > MAX_PIXELS) {
    throw invalidValue("size", `Invalid size '${value}'. The maximum supported resolution is 3840x2160.`);
  }
  if (width * height < MIN_PIXELS) {
    throw invalidValue("size", `Invalid size '${value}'. The requested size must have at least ${MIN_PIXELS} pixels.`);
  }
  return { width, height };
}

function resolveQuality(requested: string | undefined, model: ImageModelInfo): ResolvedQuality {
  const allowed = model.extendedQuality
    ? (["low", "medium", "high", "xhigh", "max", "auto"] as const)
    : (["low", "medium", "high", "auto"] as const);
  if (requested !== undefined && !(allowed as readonly string[]).includes(requested)) {
    throw invalidEnumValue("quality", requested, allowed);
  }
  if (requested === undefined || requested === "auto") return model.id.includes("flare") ? "medium" : "high";
  return requested as ResolvedQuality;
}

/** Validates a generation (JSON) or edit (multipart text fields) body. Files are checked elsewhere. */
export function parseImageJob(endpoint: ImageEndpoint, values: Record<string, unknown>, fromForm: boolean, today: string): ImageJob {
  const params = new ParamReader(values, fromForm);
  for (const name of Object.keys(values)) {
    if (LEGACY_PARAMS.has(name)) throw unknownParameter(name);
  }
  params.rejectUnknown(endpoint === "generation" ? GENERATION_PARAMS : EDIT_PARAMS);

  const prompt = params.string("prompt", { required: true, maxLength: MAX_PROMPT_LENGTH }) ?? "";
  const modelId = params.string("model");
  // The Images API has no default model in this era: a request must name one.
  if (modelId === undefined) throw missingParameter("model");
  const model = resolveImageModel(modelId, today);

  const n = params.integer("n", { min: 1, max: 10 }) ?? 1;
  const { width, height } = parseSize(params.string("size"), model, prompt);
  const quality = resolveQuality(params.string("quality"), model);
  const format = params.oneOf("output_format", FORMATS) ?? "png";
  const requestedBackground = params.oneOf("background", ["transparent", "opaque", "auto"] as const) ?? "auto";
  const compression = params.integer("output_compression", { min: 0, max: 100 });
  const partialImages = params.integer("partial_images", { min: 0, max: 3 }) ?? 0;
  const stream = params.boolean("stream") ?? false;
  if (params.has("complexity") && !model.complexity) {
    throw unsupportedParameter("complexity", `Unsupported parameter: 'complexity' is not supported with model '${model.id}'.`);
  }
  params.oneOf("complexity", ["low", "medium", "high"] as const);
  if (endpoint === "generation") params.oneOf("moderation", ["low", "auto"] as const);

  if (requestedBackground === "transparent" && format !== "png" && format !== "webp") {
    throw invalidValue("background", `Transparent background is not supported for output_format '${format}'. Use 'png' or 'webp'.`);
  }
  if (compression !== undefined && format !== "jpeg" && format !== "webp") {
    throw invalidValue(
      "output_compression",
      `output_compression is only supported for the 'jpeg' and 'webp' output formats, got '${format}'.`,
    );
  }
  if (stream && (format === "gif" || format === "svg")) {
    throw invalidValue("stream", `Streaming is not supported for output_format '${format}'.`);
  }
  if (format === "svg" && n !== 1) throw invalidValue("n", "SVG output requires n=1.");
  const hasSvgOptions = Object.keys(values).some((name) => name === "svg" || name.startsWith("svg["));
  if (hasSvgOptions && format !== "svg") throw invalidValue("svg", "'svg' requires output_format=svg.");

  const frameCount = params.integer("frame_count", { min: 2, max: 16 });
  const frameDurationMs = params.integer("frame_duration_ms", { min: 0, max: 655_350 });
  if ((frameCount !== undefined || frameDurationMs !== undefined) && format !== "gif") {
    const param = frameCount !== undefined ? "frame_count" : "frame_duration_ms";
    throw invalidValue(param, `'${param}' is only supported with output_format=gif.`);
  }
  if (params.has("input_fidelity")) {
    if (!model.inputFidelity) {
      throw new ApiError(400, {
        message: `'input_fidelity' is not supported for model '${model.id}'. Omit this parameter.`,
        type: "invalid_request_error",
        param: "input_fidelity",
        code: "unsupported_parameter",
      });
    }
    params.oneOf("input_fidelity", ["high", "low"] as const);
  }

  const safetyIdentifier = params.string("safety_identifier") || params.string("user") || null;
  const background = requestedBackground === "transparent" ? "transparent" : "opaque";
  return {
    endpoint,
    model,
    prompt,
    n,
    width,
    height,
    format,
    background,
    quality,
    compression,
    partialImages,
    stream,
    frameCount: frameCount ?? 9,
    frameDurationMs: frameDurationMs ?? 200,
    safetyIdentifier,
  };
}
