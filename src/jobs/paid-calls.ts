import type { ToolOutput } from "../results";
import type { ResolvedImage } from "../inputs/resolve-images";
import type { ImageDetail } from "../openai/catalog";
import { checkRequest, presentVerdict, type Verdict } from "./image-check";
import { imageRequestHash, presentImages, type ImageJobResult } from "./image-production";
import type { ImageJobSpec } from "./job-kinds";
import { cachedOutcome } from "./job-records";
import { runAsJob, type WaitContext } from "./job-runner";
import { stageInputs } from "./staged-inputs";
import { StagingArea } from "../store/staging";
import { planAnalysis, presentAnalysis, type AnalysisResult } from "./vision-analysis";
import { analysisQuote } from "./analysis-cost";
import type { PaidCost } from "./spend";

/**
 * generate_image and edit_image: a cache hit answers at once and never touches Workflows;
 * a miss (or fresh, or verify) runs as a job the call waits for up to `waitSeconds`.
 */
export async function answerImages(
  ctx: WaitContext,
  spec: ImageJobSpec,
  waitSeconds: number,
  stagedUnder?: string,
  cost?: PaidCost,
): Promise<ToolOutput<Record<string, unknown>>> {
  const hash = await imageRequestHash(spec);
  if (!spec.fresh && !spec.verify) {
    const hit = await cachedOutcome<ImageJobResult>(ctx.services, hash);
    if (hit) {
      if (stagedUnder) await ctx.services.jobs.staging.clear(stagedUnder);
      return presentImages(ctx.services, spec, hit);
    }
  }
  // verify: true is its own job (it adds a step), so it never hands a plain request's caller a verdict-less result.
  const joinKey = spec.verify ? `${hash}:verify` : hash;
  return runAsJob(ctx, { tool: spec.tool, kind: "image", joinKey, spec, stagedUnder, fresh: spec.fresh, cost }, waitSeconds);
}

/** check_image: the verdict from the cache, or from a job. */
export async function answerCheck(
  ctx: WaitContext,
  image: ResolvedImage,
  prompt: string,
  options: { model?: string; detail?: ImageDetail; fresh?: boolean },
  waitSeconds: number,
  spend?: { confirmed: boolean },
): Promise<{ structured: Verdict | Record<string, unknown>; summary: string }> {
  const request = checkRequest(image, prompt, options);
  const plan = await planAnalysis(ctx.services, request);
  const hit = request.fresh ? undefined : await cachedOutcome<AnalysisResult>(ctx.services, plan.hash);
  if (hit) return presentVerdict(image.sha256, (await presentAnalysis(ctx.services, plan, hit)).structured);
  const batch = StagingArea.newBatch();
  const spec = { ...plan, images: await stageInputs(ctx.services, batch, [image]) };
  return runAsJob(
    ctx,
    {
      tool: "check_image",
      kind: "check",
      joinKey: plan.hash,
      spec,
      stagedUnder: batch,
      fresh: plan.fresh,
      cost: spend && { quote: async () => analysisQuote(ctx.services, plan), confirmed: spend.confirmed },
    },
    waitSeconds,
  );
}
