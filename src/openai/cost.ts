/**
 * USD cost of a call from the usage OpenAI returned and the catalog's prices. Every result says
 * which price sheet it used, so an estimate is never passed off as a quoted price.
 */
import { ToolError } from "../errors";
import { imageModel, visionModel, type PriceSource } from "./catalog";

/** Images API usage (also the Responses image tool's `tool_usage.image_gen`). */
export interface ImageUsage {
  input_tokens: number;
  input_tokens_details?: {
    image_tokens?: number;
    text_tokens?: number;
    /** Some responses give only a cached total; it is split in proportion to text and image input. */
    cached_tokens?: number;
  };
  cached_tokens_details?: { cached_image_tokens?: number; cached_text_tokens?: number };
  output_tokens: number;
  output_tokens_details?: { image_tokens?: number; text_tokens?: number };
  total_tokens?: number;
}

/** Responses API usage. */
export interface TextUsage {
  input_tokens: number;
  input_tokens_details?: { cached_tokens?: number };
  output_tokens: number;
  output_tokens_details?: { reasoning_tokens?: number };
  total_tokens?: number;
}

export interface CostLine {
  tokens: number;
  usdPerMillion: number;
  usd: number;
}

export type ImageCostLineName = "textInput" | "cachedTextInput" | "imageInput" | "cachedImageInput" | "imageOutput" | "textOutput";
export type TextCostLineName = "input" | "cachedInput" | "output";

export interface CostResult<Line extends string> {
  usd: number;
  /** Only the lines with tokens. */
  breakdown: Partial<Record<Line, CostLine>>;
  pricesFrom: Pick<PriceSource, "source" | "checkedOn"> & { estimate: boolean };
}

const roundUsd = (usd: number) => Math.round(usd * 1e6) / 1e6;

function costOf<Line extends string>(lines: readonly [Line, number, number][], prices: PriceSource): CostResult<Line> {
  const breakdown: Partial<Record<Line, CostLine>> = {};
  let total = 0;
  for (const [name, tokens, usdPerMillion] of lines) {
    if (tokens <= 0) continue;
    const usd = (tokens * usdPerMillion) / 1_000_000;
    total += usd;
    breakdown[name] = { tokens, usdPerMillion, usd: roundUsd(usd) };
  }
  return {
    usd: roundUsd(total),
    breakdown,
    pricesFrom: { source: prices.source, checkedOn: prices.checkedOn, estimate: !prices.confirmed },
  };
}

const count = (value: number | undefined) => (Number.isFinite(value) && value !== undefined && value > 0 ? value : 0);

/** Cached text and image input: exact when OpenAI splits it, otherwise proportional. */
function cachedSplit(usage: ImageUsage, textTokens: number, imageTokens: number): { text: number; image: number } {
  const split = usage.cached_tokens_details;
  if (split) return { text: count(split.cached_text_tokens), image: count(split.cached_image_tokens) };
  const cached = count(usage.input_tokens_details?.cached_tokens);
  const input = textTokens + imageTokens;
  if (cached === 0 || input === 0) return { text: 0, image: 0 };
  const text = Math.round((cached * textTokens) / input);
  return { text, image: cached - text };
}

/** Cost of an Images API call (generate or edit) on this model. */
export function imageCostUsd(modelId: string, usage: ImageUsage): CostResult<ImageCostLineName> {
  const prices = imageModel(modelId)?.prices;
  if (!prices) throw new ToolError(`No token prices for image model "${modelId}".`, "unsupported");
  const details = usage.input_tokens_details;
  const imageIn = count(details?.image_tokens);
  // Without a split, every input token is text (a generate call has no input images).
  const textIn = details?.text_tokens !== undefined ? count(details.text_tokens) : Math.max(0, count(usage.input_tokens) - imageIn);
  const cached = cachedSplit(usage, textIn, imageIn);
  const outDetails = usage.output_tokens_details;
  const textOut = count(outDetails?.text_tokens);
  const imageOut =
    outDetails?.image_tokens !== undefined ? count(outDetails.image_tokens) : Math.max(0, count(usage.output_tokens) - textOut);
  return costOf<ImageCostLineName>(
    [
      ["textInput", textIn - cached.text, prices.textInput],
      ["cachedTextInput", cached.text, prices.cachedTextInput],
      ["imageInput", imageIn - cached.image, prices.imageInput],
      ["cachedImageInput", cached.image, prices.cachedImageInput],
      ["imageOutput", imageOut, prices.imageOutput],
      ["textOutput", textOut, prices.textOutput],
    ],
    prices,
  );
}

/** Cost of a Responses API call on this model (reasoning tokens are part of output_tokens). */
export function textCostUsd(modelId: string, usage: TextUsage): CostResult<TextCostLineName> {
  const prices = visionModel(modelId)?.prices;
  if (!prices) throw new ToolError(`No token prices for model "${modelId}".`, "unsupported");
  const input = count(usage.input_tokens);
  const cached = Math.min(input, count(usage.input_tokens_details?.cached_tokens));
  const long = prices.longContext && input > prices.longContext.aboveInputTokens ? prices.longContext : undefined;
  const inputRate = long?.inputMultiplier ?? 1;
  const outputRate = long?.outputMultiplier ?? 1;
  return costOf<TextCostLineName>(
    [
      ["input", input - cached, prices.input * inputRate],
      ["cachedInput", cached, prices.cachedInput * inputRate],
      ["output", count(usage.output_tokens), prices.output * outputRate],
    ],
    prices,
  );
}

/** Cost of `tokens` input tokens before a call, for a budget check. */
export function textInputCostUsd(modelId: string, tokens: number): number {
  return textCostUsd(modelId, { input_tokens: tokens, output_tokens: 0 }).usd;
}
