import type { ToolContext, ToolOutput } from "../mcp/definitions";
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
  for (const image of output.structured.images) {
    const resolved = await resolveImage(image.id, ctx.services, ctx.signal, "verify");
    verification.push((await checkImageAgainstPrompt(ctx, resolved, prompt)).verdict);
  }
  const lines = verification.map((v) => `${v.imageId.slice(0, 12)}…: ${v.matches ? "matches" : "does NOT match"} (score ${v.score.toFixed(2)})${v.differences.length ? `; differences: ${v.differences.join("; ")}` : ""}`);
  return {
    ...output,
    structured: { ...output.structured, verification },
    summary: `${output.summary}\nVerification: ${lines.join(" | ")}`,
  };
}

