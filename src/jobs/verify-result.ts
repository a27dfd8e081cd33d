import type { ToolContext, ToolOutput } from "../mcp/definitions";
import { ToolError } from "../errors";
import { resolveImage } from "../inputs/resolve-images";
import { checkImageAgainstPrompt, type Verdict } from "./image-check";
import type { ImageResult } from "./image-production";

/** `verify: true` on generate/edit: checks every result image against the prompt and adds the verdicts. */
export async function withVerification(
  ctx: ToolContext,
  output: ToolOutput<ImageResult>,
  prompt: string,
): Promise<ToolOutput<ImageResult & { verification: Verdict[] }>> {
  const verification: Verdict[] = [];
  const notices = [...output.structured.notices];
  for (const image of output.structured.images) {
    try {
      const resolved = await resolveImage(image.id, ctx.services, ctx.signal, "verify");
      verification.push((await checkImageAgainstPrompt(ctx, resolved, prompt)).verdict);
    } catch (error) {
      // The images are stored and paid for: a failed check must not turn them into an error.
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
