import type { ToolContext, ToolOutput } from "../mcp/definitions";
import { ToolError } from "../errors";
import { resolveImage } from "../inputs/resolve-images";
import type { Services } from "../services";
import { checkImageAgainstPrompt, verdictCostBound, type Verdict } from "./image-check";
import type { ImageResult } from "./image-production";

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

/** `verify: true` on generate/edit: checks every result image against the prompt and adds the verdicts. */
export async function withVerification(
  ctx: ToolContext,
  output: ToolOutput<ImageResult>,
  prompt: string,
): Promise<ToolOutput<ImageResult & { verification: Verdict[] }>> {
  const verification: Verdict[] = [];
  const notices = [...output.structured.notices];
  for (const [index, image] of output.structured.images.entries()) {
    try {
      const resolved = await resolveImage(image.id, ctx.services, ctx.signal, "verify");
      verification.push((await checkImageAgainstPrompt(ctx, resolved, prompt)).verdict);
    } catch (error) {
      // The images are stored and paid for: a failed or stopped check must not turn them into an error.
      if (ctx.signal.aborted) {
        const unchecked = output.structured.images.slice(index).map((i) => i.id);
        const why = (ctx.signal.reason as { name?: string } | undefined)?.name === "TimeoutError" ? "the tool deadline" : "cancellation";
        notices.push(
          `verification was stopped by ${why}; the images are stored (unchecked: ${unchecked.join(", ")}). Run check_image on them to verify.`,
        );
        break;
      }
      if (!(error instanceof ToolError)) throw error;
      notices.push(`verification of ${image.id} failed: ${error.message} Run check_image on it to retry.`);
    }
  }
  const lines = verification.map(
    (v) =>
      `${v.imageId.slice(0, 12)}…: ${v.matches ? "matches" : "does NOT match"} (score ${v.score.toFixed(2)})${v.differences.length ? `; differences: ${v.differences.join("; ")}` : ""}`,
  );
  return {
    ...output,
    structured: { ...output.structured, verification, notices },
    summary: `${output.summary}\nVerification: ${lines.length ? lines.join(" | ") : "not available (see notices)"}`,
  };
}
