/**
 * One estimator per paid job kind, each with a worst case (what a reservation holds and the
 * ceilings are checked against) and a typical figure (what such a call usually costs), both
 * from the catalog's prices and token rules and priced by cost.ts, as the bill will be.
 */
import { usd, type CostQuote } from "../budget/budget";
import { roundUsd } from "../budget/ledger-state";
import {
  EDIT_INPUT_IMAGE_TOKENS,
  IMAGE_OUTPUT_TOKENS_1024,
  PARTIAL_IMAGE_OUTPUT_TOKENS,
  requireImageModel,
  type ImageModelSpec,
  type ImageQuality,
} from "../openai/catalog";
import { imageCostUsd } from "../openai/cost";
import { parseSize, type NormalizedImageParams } from "../openai/image-params";
import { tileRuleTokens, type Dimensions } from "../openai/image-tokens";
import type { Services } from "../services";
import { checkRequest } from "./image-check";
import { estimateAnalysis } from "./vision-analysis";
import { estimateAnalysisJob } from "./analysis-cost";

type PricedQuality = Exclude<ImageQuality, "auto">;

const pixels = ({ width, height }: Dimensions) => width * height;

/** `auto` lets the model pick any preset: the largest bounds it; 1024x1024 is what it usually picks. */
export function imageSizeBounds(model: ImageModelSpec, size: string): { worst: Dimensions; typical: Dimensions } {
  const parsed = parseSize(size);
  if (parsed && parsed !== "auto") return { worst: parsed, typical: parsed };
  const presets = model.sizes.presets.map((preset) => parseSize(preset)).filter((d): d is Dimensions => d !== undefined && d !== "auto");
  const worst = presets.reduce((a, b) => (pixels(b) > pixels(a) ? b : a), { width: 1024, height: 1024 });
  return { worst, typical: { width: 1024, height: 1024 } };
}

/** `auto` quality may be the model's highest; medium is the usual pick. */
export function imageQualityBounds(model: ImageModelSpec, quality: ImageQuality): { worst: PricedQuality; typical: PricedQuality } {
  if (quality !== "auto") return { worst: quality, typical: quality };
  const priced = model.qualities.filter((q): q is PricedQuality => q !== "auto");
  const worst = priced.reduce((a, b) => (IMAGE_OUTPUT_TOKENS_1024[b] > IMAGE_OUTPUT_TOKENS_1024[a] ? b : a), "low" as PricedQuality);
  return { worst, typical: priced.includes("medium") ? "medium" : worst };
}

/** Output tokens of one image: the catalog's 1024² figure scaled by pixel count (rounded up). */
export function imageOutputTokens(quality: PricedQuality, size: Dimensions): number {
  return Math.ceil((IMAGE_OUTPUT_TOKENS_1024[quality] * pixels(size)) / (1024 * 1024));
}

export interface ImageJobEstimateInput {
  params: NormalizedImageParams;
  prompt: string;
  /** The sizes of every uploaded input (edits: the images, then the mask or markup). */
  inputImages: readonly Dimensions[];
  /** Partial previews asked for (sent only when n is 1). */
  partialImages: number;
  verify: boolean;
}

/** generate_image and edit_image: n images at the size and quality, the prompt and inputs, and verify's checks. */
export async function estimateImageJob(services: Services, input: ImageJobEstimateInput): Promise<CostQuote> {
  const { params } = input;
  const model = requireImageModel(params.model, services.config.clock());
  // A token is at least one byte, so the prompt's UTF-8 length bounds its tokens without loading
  // the tokenizer (0.4–0.9 s on an isolate's first use); about four bytes a token is typical.
  const promptBytes = new TextEncoder().encode(input.prompt).byteLength;
  const typicalPromptTokens = Math.ceil(promptBytes / 4);
  const imageInputTokens = input.inputImages.reduce((sum, d) => sum + tileRuleTokens(EDIT_INPUT_IMAGE_TOKENS, d), 0);
  const partials = params.n === 1 ? input.partialImages : 0;
  const sizes = imageSizeBounds(model, params.size);
  const qualities = imageQualityBounds(model, params.quality);
  const priced = (quality: PricedQuality, size: Dimensions, promptTokens: number) => {
    const output = params.n * imageOutputTokens(quality, size) + partials * PARTIAL_IMAGE_OUTPUT_TOKENS;
    return imageCostUsd(model.id, {
      input_tokens: promptTokens + imageInputTokens,
      input_tokens_details: { text_tokens: promptTokens, image_tokens: imageInputTokens },
      output_tokens: output,
      output_tokens_details: { image_tokens: output, text_tokens: 0 },
    }).usd;
  };
  const basis = [
    `${model.id}: ${params.n} image${params.n === 1 ? "" : "s"} at ${sizes.worst.width}x${sizes.worst.height}, quality ${qualities.worst} (${imageOutputTokens(qualities.worst, sizes.worst)} output tokens each${params.size === "auto" || params.quality === "auto" ? "; auto bounded by the largest" : ""})`,
    `prompt: at most ${promptBytes} text tokens (its UTF-8 bytes)${input.inputImages.length ? `; ${input.inputImages.length} input image${input.inputImages.length === 1 ? "" : "s"}: ${imageInputTokens} image tokens` : ""}${partials ? `; ${partials} partial previews` : ""}`,
  ];
  let worst = priced(qualities.worst, sizes.worst, promptBytes);
  let typical = priced(qualities.typical, sizes.typical, typicalPromptTokens);
  if (input.verify) {
    const check = await verdictEstimate(services, input.prompt, sizes.worst);
    worst += params.n * check.worstUsd;
    typical += params.n * check.typicalUsd;
    basis.push(`verify: ${params.n} check${params.n === 1 ? "" : "s"} by ${check.model}, up to ${usd(check.worstUsd)} each`);
  }
  return { worstUsd: roundUsd(worst), typicalUsd: roundUsd(typical), basis };
}

/** One verdict (check_image, or each of verify: true's checks) on an image of this size. */
export async function verdictEstimate(services: Services, prompt: string, image: Dimensions): Promise<CostQuote & { model: string }> {
  const estimate = await estimateAnalysis(services, { ...checkRequest(undefined, prompt), images: [image] });
  const plan = {
    model: estimate.model.id,
    estimate: {
      textTokens: estimate.textTokens,
      imageTokens: estimate.imageTokens,
      maxOutputTokens: estimate.budget,
      maxCostUsd: estimate.maxCostUsd,
    },
    capUsd: services.config.maxAnalysisCostUsd,
  };
  return { ...estimateAnalysisJob(plan, estimate.model.maxOutputTokens), model: estimate.model.id };
}
