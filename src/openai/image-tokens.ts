/**
 * How many input tokens an image costs a vision model, and the largest size the model will use,
 * from the model's rule in the catalog (sources are cited on TileRule and PatchRule there).
 */
import { ToolError } from "../errors";
import { visionModel, type ImageDetail, type ImageTokenRule, type PatchRule, type TileRule, type VisionModelSpec } from "./catalog";

export interface Dimensions {
  width: number;
  height: number;
}

export interface ImageTokenEstimate {
  tokens: number;
  /** Tiles or patches counted (before any multiplier). */
  units: number;
  unit: "tiles" | "patches";
  /** The size the model works on: never larger than the input. */
  dimensions: Dimensions;
}

/** Guards ceil() against float noise such as 2040 × 1.2 = 2448.0000000000005. */
const EPSILON = 1e-9;
const ceil = (value: number) => Math.ceil(value - EPSILON);
const floor = (value: number) => Math.floor(value + EPSILON);

/** Scale factor that fits (width, height) inside (maxWidth, maxHeight); never above 1. */
const fitScale = ({ width, height }: Dimensions, maxWidth: number, maxHeight: number) => Math.min(1, maxWidth / width, maxHeight / height);

const scaled = ({ width, height }: Dimensions, scale: number): Dimensions => ({ width: width * scale, height: height * scale });

const rounded = ({ width, height }: Dimensions): Dimensions => ({
  width: Math.max(1, Math.round(width)),
  height: Math.max(1, Math.round(height)),
});

function tileEstimate(rule: TileRule, image: Dimensions, detail: "low" | "high"): ImageTokenEstimate {
  if (detail === "low") {
    const side = rule.lowDetailSide;
    return { tokens: rule.baseTokens, units: 0, unit: "tiles", dimensions: rounded(scaled(image, fitScale(image, side, side))) };
  }
  const fitted = scaled(image, fitScale(image, rule.maxLongSide, rule.maxLongSide));
  const shortSide = Math.min(fitted.width, fitted.height);
  const dimensions = rounded(scaled(fitted, Math.min(1, rule.shortSideTarget / shortSide)));
  const tiles = ceil(dimensions.width / rule.tileSize) * ceil(dimensions.height / rule.tileSize);
  return { tokens: rule.baseTokens + tiles * rule.tileTokens, units: tiles, unit: "tiles", dimensions };
}

const patchCount = ({ width, height }: Dimensions, patchSize: number) => ceil(width / patchSize) * ceil(height / patchSize);

/** OpenAI's documented shrink: to the budget by area, then down to whole patches on the tighter axis. */
function shrinkToPatchBudget(image: Dimensions, patchSize: number, budget: number): Dimensions {
  if (patchCount(image, patchSize) <= budget) return image;
  const byArea = scaled(image, Math.sqrt((budget * patchSize * patchSize) / (image.width * image.height)));
  const wholePatches = (side: number) => floor(side / patchSize) / (side / patchSize);
  return scaled(byArea, Math.min(wholePatches(byArea.width), wholePatches(byArea.height)));
}

function patchBudget(rule: PatchRule, detail: ImageDetail, modelId: string): number {
  const effective = detail === "auto" ? rule.autoDetail : detail;
  if (effective === "low") return rule.lowMaxPatches ?? rule.maxPatches;
  if (effective === "high") return rule.maxPatches;
  if (rule.originalMaxPatches === null) throw unsupportedOriginal(modelId);
  return rule.originalMaxPatches;
}

function patchEstimate(rule: PatchRule, image: Dimensions, budget: number): ImageTokenEstimate {
  const used = shrinkToPatchBudget(image, rule.patchSize, budget);
  const patches = patchCount(used, rule.patchSize);
  const dimensions = { width: Math.max(1, floor(used.width)), height: Math.max(1, floor(used.height)) };
  return { tokens: ceil(patches * rule.multiplier), units: patches, unit: "patches", dimensions };
}

const unsupportedOriginal = (modelId: string) =>
  new ToolError(`detail: "original" is not supported by ${modelId}. Allowed: low, high, auto.`, "invalid_input");

function ruleOf(model: string | VisionModelSpec): { id: string; rule: ImageTokenRule } {
  const spec = typeof model === "string" ? visionModel(model) : model;
  if (!spec) throw new ToolError(`model: unknown vision model "${String(model)}".`, "invalid_input");
  if (!spec.imageTokens) throw new ToolError(`model: ${spec.id} does not take images.`, "unsupported");
  return { id: spec.id, rule: spec.imageTokens };
}

function assertDimensions({ width, height }: Dimensions): void {
  if (!(Number.isFinite(width) && Number.isFinite(height) && width > 0 && height > 0)) {
    throw new ToolError(`Image dimensions must be positive numbers, got ${width}x${height}.`, "invalid_input");
  }
}

/** Tokens, units counted and the size the model uses for one image at the given detail. */
export function imageTokenEstimate(model: string | VisionModelSpec, image: Dimensions, detail: ImageDetail): ImageTokenEstimate {
  assertDimensions(image);
  const { id, rule } = ruleOf(model);
  if (rule.kind === "patches") return patchEstimate(rule, image, patchBudget(rule, detail, id));
  if (detail === "original") throw unsupportedOriginal(id);
  // Tile models pick low or high themselves on auto: high is the upper bound.
  return tileEstimate(rule, image, detail === "low" ? "low" : "high");
}

/** Input tokens one image costs on this model at this detail. */
export function estimateImageTokens(model: string | VisionModelSpec, image: Dimensions, detail: ImageDetail): number {
  return imageTokenEstimate(model, image, detail).tokens;
}

/**
 * The largest size the model will actually look at for this detail: downscale to it before
 * sending to save upload time; never larger than the input.
 */
export function targetDimensions(model: string | VisionModelSpec, image: Dimensions, detail: ImageDetail): Dimensions {
  return imageTokenEstimate(model, image, detail).dimensions;
}

/** Tokens one image costs under a tile rule at high detail (image models' edit inputs use one). */
export function tileRuleTokens(rule: TileRule, image: Dimensions): number {
  assertDimensions(image);
  return tileEstimate(rule, image, "high").tokens;
}
