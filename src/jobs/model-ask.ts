/**
 * One structured-output call of the 3D loop (planning or critique): the schema goes strict,
 * the answer is parsed as JSON, its usage is tallied. An answer cut off by its budget, or not
 * JSON, was paid for: it ends the job (PaidAnswerError) rather than being bought again.
 */
import { ToolError } from "../errors";
import { openaiClient } from "../openai/client";
import { askAboutImages, type VisionImage } from "../openai/responses-api";
import { fitsStrictSubset } from "../openai/strict-schema";
import type { SpendTally, TextCallPlan } from "./model-cost";
import { SENT_IMAGE_DETAIL } from "./model-cost";
import { PaidAnswerError, type PipelineContext } from "./pipeline";

export interface StructuredAsk {
  /** What the call is, for messages ("planning", "critique 2 of 3"). */
  what: string;
  call: TextCallPlan;
  instructions: string;
  prompt: string;
  images: VisionImage[];
  schemaName: string;
  schema: Record<string, unknown>;
}

export async function askStructured(pctx: PipelineContext, tally: SpendTally, ask: StructuredAsk): Promise<unknown> {
  const { services, signal } = pctx;
  // Our own schemas are written inside the strict subset; one that is not is a bug here, not the caller's.
  if (!fitsStrictSubset(ask.schema)) throw new Error(`${ask.schemaName}: schema outside OpenAI's strict subset`);
  const answer = await askAboutImages(
    openaiClient(services.config, services.log),
    {
      model: ask.call.model,
      instructions: ask.instructions,
      question: ask.prompt,
      images: ask.images,
      detail: SENT_IMAGE_DETAIL,
      maxOutputTokens: ask.call.budget,
      reasoningEffort: ask.call.effort,
      schema: { name: ask.schemaName, schema: ask.schema, strict: true },
      safetyIdentifier: services.caller?.id ?? null,
    },
    signal,
  );
  // Paid the moment OpenAI answered: the job's reservation settles with the same figure the result reports.
  await pctx.charge?.(tally.text(ask.call.model, answer.usage, ask.call.boundUsd));
  if (signal.aborted) throw new ToolError("cancelled", "cancelled");
  if (answer.cutOff) {
    const used = answer.usage?.output_tokens ?? ask.call.budget;
    const reasoning = answer.usage?.output_tokens_details?.reasoning_tokens ?? 0;
    throw new PaidAnswerError(
      `The ${ask.what} answer was cut off by its output budget (${used} output tokens, ${reasoning} of them reasoning); nothing was stored. Describe a simpler model, lower the reasoning effort, or pick another model.`,
    );
  }
  try {
    return JSON.parse(answer.text) as unknown;
  } catch {
    throw new PaidAnswerError(
      `The ${ask.what} answer is not valid JSON (it began: ${JSON.stringify(answer.text.slice(0, 120))}); nothing was stored. Call again with fresh: true.`,
    );
  }
}
