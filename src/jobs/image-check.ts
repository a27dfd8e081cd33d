import { z } from "zod";
import type { ToolContext } from "../mcp/definitions";
import type { ResolvedImage } from "../inputs/resolve-images";
import type { ImageDetail } from "../openai/catalog";
import type { Services } from "../services";
import { analyzeImages, estimateAnalysis, planAnalysis, type Analysis } from "./vision-analysis";

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

/** The analysis a check asks for, all but the image. */
function checkRequest(prompt: string, options: ImageCheckOptions) {
  return {
    tool: "check_image",
    question: question(prompt),
    detail: options.detail ?? "auto",
    model: options.model,
    maxOutputTokens: VERDICT_ANSWER_TOKENS,
    defaultReasoning: VERDICT_REASONING,
    schema: VERDICT_SCHEMA,
    fresh: options.fresh ?? false,
  };
}

/** Checks the model, parameters and cost cap of a check before its image is read. */
export async function planImageCheck(services: Services, prompt: string, options: ImageCheckOptions = {}): Promise<void> {
  await planAnalysis(services, { ...checkRequest(prompt, options), imageCount: 1 });
}

/** Asks a vision model whether an image matches its prompt; returns a structured verdict. */
export async function checkImageAgainstPrompt(
  ctx: ToolContext,
  image: ResolvedImage,
  prompt: string,
  options: ImageCheckOptions = {},
): Promise<{ verdict: Verdict; analysis: Analysis }> {
  const { structured: analysis } = await analyzeImages(ctx, { ...checkRequest(prompt, options), images: [image] });
  const answer = analysis.answerJson as { matches: boolean; score: number; differences: string[]; summary: string };
  return {
    analysis,
    verdict: {
      imageId: image.sha256,
      matches: answer.matches,
      score: answer.score,
      differences: answer.differences,
      summary: answer.summary,
      model: analysis.model,
      costUsd: analysis.cost.usd,
      cached: analysis.cached,
      analysisId: analysis.analysis.id,
    },
  };
}
