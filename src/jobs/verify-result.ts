import type { ToolOutput } from "../results";
import { ToolError } from "../errors";
import { resolveImage } from "../inputs/resolve-images";
import type { Services } from "../services";
import { checkInJob, verdictCostBound, type Verdict } from "./image-check";
import type { ImageResult } from "./image-production";
import type { PipelineContext } from "./pipeline";

/** The largest image a size can produce: `auto` may pick any preset, so the largest one bounds it. */
function largestImage(size: string): { width: number; height: number } {
  const match = /^(\d+)x(\d+)$/.exec(size);
  return match ? { width: Number(match[1]), height: Number(match[2]) } : { width: 1536, height: 1024 };
}

/**
 * `verify: true` is estimated and capped like an analysis, before the images are paid for:
 * n verdicts together must fit MAX_ANALYSIS_COST_USD.
 */
export async function checkVerificationBudget(services: Services, prompt: string, params: { n: number; size: string }): Promise<void> {
  const each = await verdictCostBound(services, prompt, largestImage(params.size));
  const total = each * params.n;
  const cap = services.config.maxAnalysisCostUsd;
  if (total > cap) {
    throw new ToolError(
      `verify: checking ${params.n} image(s) could cost up to $${total.toFixed(4)} ($${each.toFixed(4)} each), above this server's cap of $${cap} (MAX_ANALYSIS_COST_USD). Ask for fewer images (n), or leave verify off and run check_image on the ones you keep.`,
      "over_budget",
    );
  }
}

export interface Verification {
  verification: Verdict[];
  /** One line per image whose check failed: the images stay stored and paid for. */
  notices: string[];
}

/** `verify: true` on generate/edit, as a job step: checks every result image against the prompt. */
export async function verifyImages(pctx: PipelineContext, assetIds: string[], prompt: string): Promise<Verification> {
  const verification: Verdict[] = [];
  const notices: string[] = [];
  for (const [index, id] of assetIds.entries()) {
    try {
      const resolved = await resolveImage(id, pctx.services, pctx.signal, "verify");
      verification.push(await checkInJob(pctx, resolved, prompt));
      await pctx.progress(`checked ${verification.length} of ${assetIds.length} against the prompt`);
    } catch (error) {
      // The images are stored and paid for: a failed or stopped check must not turn them into an error.
      if (pctx.signal.aborted) {
        const why = (pctx.signal.reason as { name?: string } | undefined)?.name === "TimeoutError" ? "the tool deadline" : "cancellation";
        notices.push(
          `verification was stopped by ${why}; the images are stored (unchecked: ${assetIds.slice(index).join(", ")}). Run check_image on them to verify.`,
        );
        break;
      }
      if (!(error instanceof ToolError)) throw error;
      notices.push(`verification of ${id} failed: ${error.message} Run check_image on it to retry.`);
    }
  }
  return { verification, notices };
}

/** The image result with the verdicts added to its structured content and summary. */
export function withVerification(
  output: ToolOutput<ImageResult>,
  { verification, notices }: Verification,
): ToolOutput<ImageResult & { verification: Verdict[] }> {
  const lines = verification.map(
    (v) =>
      `${v.imageId.slice(0, 12)}…: ${v.matches ? "matches" : "does NOT match"} (score ${v.score.toFixed(2)})${v.differences.length ? `; differences: ${v.differences.join("; ")}` : ""}`,
  );
  return {
    ...output,
    structured: { ...output.structured, verification, notices: [...output.structured.notices, ...notices] },
    summary: `${output.summary}\nVerification: ${lines.length ? lines.join(" | ") : "not available (see notices)"}`,
  };
}
