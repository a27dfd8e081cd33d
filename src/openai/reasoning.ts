/**
 * Reasoning effort and the output budget it needs. On reasoning models `max_output_tokens`
 * covers the hidden reasoning and the visible answer, so a budget sized for the answer alone
 * ends "incomplete" before a word is written.
 */
import { ToolError } from "../errors";
import type { ReasoningEffort, VisionModelSpec } from "./catalog";

/**
 * Output tokens left for hidden reasoning at each effort, on top of the answer. Upper bounds
 * for a question about a few images (medium commonly spends a few thousand, FACTS.md); the
 * cost cap is checked against them, so raising one raises every estimate at that effort.
 */
export const REASONING_RESERVE: Readonly<Record<ReasoningEffort, number>> = {
  none: 0,
  minimal: 512,
  low: 2048,
  medium: 8192,
  high: 16_384,
  xhigh: 32_768,
  max: 65_536,
};

/**
 * The effort to send: the caller's, or `fallback` where the model takes it; null for models
 * that refuse any `reasoning` parameter. A caller's effort the model does not take is refused,
 * naming the field and the allowed values.
 */
export function reasoningEffortFor(
  model: VisionModelSpec,
  requested: ReasoningEffort | undefined,
  fallback: ReasoningEffort,
): ReasoningEffort | null {
  const capability = model.reasoning;
  if (!capability) {
    if (requested === undefined) return null;
    throw new ToolError(`reasoning: ${model.id} does not reason and refuses the parameter; omit reasoning or pick a GPT-5 or GPT-6 model.`);
  }
  const effort = requested ?? fallback;
  if (!capability.efforts.includes(effort)) {
    throw new ToolError(`reasoning: "${effort}" is not taken by ${model.id}. Allowed: ${capability.efforts.join(", ")}.`);
  }
  return effort;
}

/** `max_output_tokens` for an answer of up to `answerTokens` at this effort, within the model's limit. */
export function outputBudget(model: VisionModelSpec, effort: ReasoningEffort | null, answerTokens: number): number {
  return Math.min(model.maxOutputTokens, answerTokens + (effort ? REASONING_RESERVE[effort] : 0));
}
