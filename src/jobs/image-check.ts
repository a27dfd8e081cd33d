import { z } from "zod";
import type { ResolvedImage } from "../inputs/resolve-images";
import type { ImageDetail } from "../openai/catalog";
import type { Services } from "../services";
import { cachedOutcome, recordsOf } from "./job-records";
import type { PipelineContext } from "./pipeline";
import {
  estimateAnalysis,
  makeAnalysis,
  planAnalysis,
  precheckAnalysis,
  presentAnalysis,
  type Analysis,
  type AnalysisRequest,
  type AnalysisResult,
} from "./vision-analysis";

/** A verdict's own length in tokens; the reasoning allowance for its effort comes on top. */
export const VERDICT_ANSWER_TOKENS = 1000;
/** Verdicts need little thought: low effort where the model reasons. */
export const VERDICT_REASONING = "low" as const;

/** The verdict's schema: inside OpenAI's strict subset (a test checks it), so OpenAI enforces it and we validate it again. */
export const VERDICT_SCHEMA = {
  type: "object" as const,
  properties: {
    matches: { type: "boolean", description: "True when the image fulfils the prompt in every important respect." },
    score: { type: "number", minimum: 0, maximum: 1, description: "How well the image matches the prompt, 0 to 1." },
    differences: {
      type: "array",
      items: { type: "string" },
      description: "Concrete mismatches: missing or extra elements, wrong colours, wrong or misspelled text, wrong style or composition.",
    },
    summary: { type: "string", description: "One sentence verdict." },
  },
  required: ["matches", "score", "differences", "summary"],
  additionalProperties: false,
};

export const VerdictOut = z.object({
  imageId: z.string(),
  matches: z.boolean(),
  score: z.number(),
  differences: z.array(z.string()),
  summary: z.string(),
  model: z.string(),
  costUsd: z.number(),
  cached: z.boolean(),
  analysisId: z.string().describe("The stored verdict (an analysis asset)."),
});
export type Verdict = z.infer<typeof VerdictOut>;

function question(prompt: string): string {
  return [
    "Does this image match the prompt below? Judge only what the prompt asks for.",
    "List every concrete difference (missing or extra elements, wrong colours, wrong or misspelled text, wrong style, composition or count).",
    "",
    "Prompt:",
    prompt,
  ].join("\n");
}

/** The most one verdict on an image of this size can cost, checked the way an analysis is. */
export async function verdictCostBound(services: Services, prompt: string, image: { width: number; height: number }): Promise<number> {
  const estimate = await estimateAnalysis(services, {
    images: [image],
    question: question(prompt),
    detail: "auto",
    maxOutputTokens: VERDICT_ANSWER_TOKENS,
    defaultReasoning: VERDICT_REASONING,
    schema: VERDICT_SCHEMA,
  });
  return estimate.maxCostUsd;
}

export interface ImageCheckOptions {
  model?: string;
  detail?: ImageDetail;
  fresh?: boolean;
}

/** Checks the model, parameters and cost cap of a check before its image is read. */
export async function precheckImageCheck(services: Services, prompt: string, options: ImageCheckOptions = {}): Promise<void> {
  await precheckAnalysis(services, { ...checkRequest(undefined, prompt, options), imageCount: 1 });
}

/** The analysis request behind a check: the verdict schema, low reasoning where the model reasons. */
export function checkRequest(image: ResolvedImage | undefined, prompt: string, options: ImageCheckOptions = {}): AnalysisRequest {
  return {
    tool: "check_image",
    images: image ? [image] : [],
    question: question(prompt),
    detail: options.detail ?? "auto",
    model: options.model,
    maxOutputTokens: VERDICT_ANSWER_TOKENS,
    defaultReasoning: VERDICT_REASONING,
    schema: VERDICT_SCHEMA,
    fresh: options.fresh ?? false,
  };
}

/** The verdict from a check's analysis (its answer already validated against VERDICT_SCHEMA). */
export function verdictOf(imageId: string, analysis: Analysis): Verdict {
  const answer = analysis.answerJson as { matches: boolean; score: number; differences: string[]; summary: string };
  return {
    imageId,
    matches: answer.matches,
    score: answer.score,
    differences: answer.differences,
    summary: answer.summary,
    model: analysis.model,
    costUsd: analysis.cost.usd,
    cached: analysis.cached,
    analysisId: analysis.analysis.id,
  };
}

export function verdictSummary(verdict: Verdict): string {
  return `${verdict.matches ? "Matches" : "Does NOT match"} the prompt (score ${verdict.score.toFixed(2)}). ${verdict.summary}${verdict.differences.length ? ` Differences: ${verdict.differences.join("; ")}` : ""}`;
}

/** check_image's result from its analysis: the verdict as structured content. */
export function presentVerdict(imageId: string, analysis: Analysis): { structured: Verdict; summary: string } {
  const verdict = verdictOf(imageId, analysis);
  return { structured: verdict, summary: verdictSummary(verdict) };
}

/**
 * A check inside a job (verify: true): the cached verdict when there is one, else one
 * upstream call in this step. Always a full verdict, never a handle.
 */
export async function checkInJob(pctx: PipelineContext, image: ResolvedImage, prompt: string): Promise<Verdict> {
  const plan = await planAnalysis(pctx.services, checkRequest(image, prompt));
  const hit = await cachedOutcome<AnalysisResult>(pctx.services, plan.hash);
  const outcome =
    hit ??
    (await (async () => {
      const made = await makeAnalysis(pctx, plan, [image]);
      return { records: await recordsOf(pctx.services, made.assetIds), result: made.result, cached: false, shared: false };
    })());
  return verdictOf(image.sha256, (await presentAnalysis(pctx.services, plan, outcome)).structured);
}
