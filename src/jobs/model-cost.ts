/**
 * What create_3d_model and edit_3d_model may spend, bounded before anything is paid, and what
 * they did spend, summed over every call. The bound counts every call the loop can make:
 * planning twice (the retry with the compiler's messages), each critique, the concept image
 * and a texture per material (at most MAX_TEXTURES).
 */
import { z } from "zod";
import { ToolError } from "../errors";
import { imageModel, type ImageQuality, type ReasoningEffort, type VisionModelSpec } from "../openai/catalog";
import { imageCostUsd, textCostUsd, type ImageUsage, type TextUsage } from "../openai/cost";
import { imageTokenEstimate } from "../openai/image-tokens";
import { outputBudget } from "../openai/reasoning";
import type { CostQuote } from "../budget/budget";

/** Output tokens of one 1024×1024 image by quality: OpenAI's published gpt-image table (an upper bound at these sizes). */
const IMAGE_OUTPUT_TOKENS_1024: Readonly<Record<"low" | "medium" | "high", number>> = { low: 272, medium: 1056, high: 4160 };

/** Every image this pipeline sends a vision model is at most this large (montage, concept, reference). */
export const SENT_IMAGE_EDGE = 1024;
/** Images go at high detail: the montage's labels and thin parts matter. */
export const SENT_IMAGE_DETAIL = "high" as const;

/** One text call's budget and the bound of its cost. */
export interface TextCallPlan {
  model: string;
  effort: ReasoningEffort | null;
  /** `max_output_tokens`: the answer's own length plus the reasoning allowance. */
  budget: number;
  inputTokens: number;
  boundUsd: number;
}

export function textCallPlan(
  model: VisionModelSpec,
  effort: ReasoningEffort | null,
  answerTokens: number,
  textTokens: number,
  images: number,
): TextCallPlan {
  const budget = outputBudget(model, effort, answerTokens);
  const perImage =
    images > 0 ? imageTokenEstimate(model, { width: SENT_IMAGE_EDGE, height: SENT_IMAGE_EDGE }, SENT_IMAGE_DETAIL).tokens : 0;
  const inputTokens = textTokens + perImage * images;
  const boundUsd = textCostUsd(model.id, { input_tokens: inputTokens, output_tokens: budget }).usd;
  return { model: model.id, effort, budget, inputTokens, boundUsd };
}

/** The most one generated 1024×1024 image can cost on this model at this quality. */
export function imageCallBoundUsd(modelId: string, quality: ImageQuality, promptTokens: number): number {
  const tokens = IMAGE_OUTPUT_TOKENS_1024[quality === "low" || quality === "medium" ? quality : "high"];
  if (!imageModel(modelId)?.prices) throw new ToolError(`No token prices for image model "${modelId}".`, "unsupported");
  return imageCostUsd(modelId, {
    input_tokens: promptTokens,
    input_tokens_details: { text_tokens: promptTokens, image_tokens: 0 },
    output_tokens: tokens,
  }).usd;
}

export const CostEstimateOut = z.object({
  maxCostUsd: z.number().describe("Upper bound checked against MAX_3D_COST_USD before anything was paid."),
  planningUsd: z.number().describe("Planning, counted twice (a spec the compiler refuses is sent back once)."),
  critiquesUsd: z.number().describe("Every critique pass asked for."),
  conceptUsd: z.number(),
  texturesUsd: z.number(),
});
export type CostEstimate = z.infer<typeof CostEstimateOut>;

const round = (usd: number) => Math.round(usd * 1e6) / 1e6;

export function costEstimate(parts: { plan: number; critiques: number; concept: number; textures: number }): CostEstimate {
  const planningUsd = round(parts.plan * 2);
  return {
    maxCostUsd: round(planningUsd + parts.critiques + parts.concept + parts.textures),
    planningUsd,
    critiquesUsd: round(parts.critiques),
    conceptUsd: round(parts.concept),
    texturesUsd: round(parts.textures),
  };
}

/** The refusal of a request whose bound is over the cap, with the estimate and the levers that lower it. */
export function requireWithinCap(tool: string, estimate: CostEstimate, cap: number, levers: string[]): void {
  if (estimate.maxCostUsd <= cap) return;
  const f = (usd: number) => `$${usd.toFixed(4)}`;
  throw new ToolError(
    `${tool} could cost up to ${f(estimate.maxCostUsd)} (planning ${f(estimate.planningUsd)}, critiques ${f(estimate.critiquesUsd)}, concept ${f(estimate.conceptUsd)}, textures ${f(estimate.texturesUsd)}), above this server's cap of $${cap} (MAX_3D_COST_USD). Use ${levers.join(", ")}, or raise MAX_3D_COST_USD.`,
    "over_budget",
  );
}

/** Materials a typical model textures (the worst case counts MAX_TEXTURES). */
const TYPICAL_TEXTURES = 3;

/**
 * The budget's quote for a 3D request: the worst case is the MAX_3D_COST_USD bound (what the
 * job reserves); typically planning succeeds first time, each text call writes about half its
 * output budget, and a few materials are textured.
 */
export function modelQuote(request: {
  estimate: CostEstimate;
  calls: { plan: TextCallPlan; critique: TextCallPlan; finalCritique: TextCallPlan };
  refinePasses: number;
  textured: boolean;
  maxTextures: number;
}): CostQuote {
  const { estimate, calls, refinePasses } = request;
  const half = (call: TextCallPlan) =>
    textCostUsd(call.model, { input_tokens: call.inputTokens, output_tokens: Math.ceil(call.budget / 2) }).usd;
  const critiques = refinePasses === 0 ? 0 : (refinePasses - 1) * half(calls.critique) + half(calls.finalCritique);
  const perTexture = request.textured ? estimate.texturesUsd / request.maxTextures : 0;
  const typical = half(calls.plan) + critiques + estimate.conceptUsd + perTexture * Math.min(TYPICAL_TEXTURES, request.maxTextures);
  const f = (usd: number) => `$${usd.toFixed(4)}`;
  const basis = [
    `${calls.plan.model}: planning up to twice (a refused spec is sent back once) with ${calls.plan.budget} output tokens each: ${f(estimate.planningUsd)}`,
    `${refinePasses} critique pass${refinePasses === 1 ? "" : "es"}: ${f(estimate.critiquesUsd)}`,
    ...(estimate.conceptUsd > 0 ? [`concept image: ${f(estimate.conceptUsd)}`] : []),
    ...(request.textured ? [`textures: up to ${request.maxTextures} images, ${f(estimate.texturesUsd)}`] : []),
  ];
  return { worstUsd: estimate.maxCostUsd, typicalUsd: round(Math.min(typical, estimate.maxCostUsd)), basis };
}

export const SpendOut = z.object({
  calls: z.number().int().describe("OpenAI calls made (planning, critiques, images); cached images count none."),
  inputTokens: z.number().int(),
  outputTokens: z.number().int().describe("Including hidden reasoning on reasoning models."),
  reasoningTokens: z.number().int(),
  imageOutputTokens: z.number().int(),
  usd: z.number().describe("Summed over every call, from the usage OpenAI reported (the bound where it reported none)."),
  estimate: z.boolean().describe("True when a price used is not confirmed on OpenAI's own pages, or a call reported no usage."),
});
export type Spend = z.infer<typeof SpendOut>;

/** Adds up usage and cost call by call; a call without usage is counted at its bound. */
export class SpendTally {
  private spend: Spend = { calls: 0, inputTokens: 0, outputTokens: 0, reasoningTokens: 0, imageOutputTokens: 0, usd: 0, estimate: false };

  /** Planning and critique calls paid so far (generated images are cached, so a repeat never pays for them). */
  textCalls = 0;

  /** Tallies one planning or critique call and returns what it cost (the bound when OpenAI reported no usage). */
  text(model: string, usage: TextUsage | undefined, boundUsd: number): number {
    this.spend.calls += 1;
    this.textCalls += 1;
    if (!usage) {
      this.spend.usd += boundUsd;
      this.spend.estimate = true;
      return boundUsd;
    }
    const cost = textCostUsd(model, usage);
    this.spend.inputTokens += usage.input_tokens;
    this.spend.outputTokens += usage.output_tokens;
    this.spend.reasoningTokens += usage.output_tokens_details?.reasoning_tokens ?? 0;
    this.spend.usd += cost.usd;
    this.spend.estimate ||= cost.pricesFrom.estimate;
    return cost.usd;
  }

  image(usage: ImageUsage | null, usd: number, estimate: boolean): void {
    this.spend.calls += 1;
    this.spend.inputTokens += usage?.input_tokens ?? 0;
    this.spend.outputTokens += usage?.output_tokens ?? 0;
    this.spend.imageOutputTokens += usage?.output_tokens_details?.image_tokens ?? usage?.output_tokens ?? 0;
    this.spend.usd += usd;
    this.spend.estimate ||= estimate || !usage;
  }

  get usd(): number {
    return round(this.spend.usd);
  }

  total(): Spend {
    return { ...this.spend, usd: round(this.spend.usd) };
  }
}
