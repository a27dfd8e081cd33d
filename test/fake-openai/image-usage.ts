// Deterministic token usage for the Images API. The numbers follow the published gpt-image
// output table (1024x1024: low 272, medium 1056, high 4160 tokens) scaled by pixel count;
// xhigh and max are 1.5× and 2× high. They are plausible, not OpenAI's exact accounting.

import type { ImageJob, ResolvedQuality } from "./image-params.ts";

export interface ImageUsage {
  input_tokens: number;
  input_tokens_details: { image_tokens: number; text_tokens: number };
  output_tokens: number;
  output_tokens_details: { image_tokens: number; text_tokens: number };
  total_tokens: number;
}

const OUTPUT_TOKENS_1024: Record<ResolvedQuality, number> = {
  low: 272,
  medium: 1056,
  high: 4160,
  xhigh: 6240,
  max: 8320,
};

export function textTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Input image tokens: 65 base + 129 per 512 px tile after fitting 2048 px and a 512 px short side. */
export function editInputImageTokens(width: number, height: number): number {
  let w = width;
  let h = height;
  const fit = Math.min(1, 2048 / Math.max(w, h));
  w *= fit;
  h *= fit;
  const shrink = Math.min(1, 512 / Math.min(w, h));
  w *= shrink;
  h *= shrink;
  return 65 + 129 * Math.ceil(w / 512) * Math.ceil(h / 512);
}

export function outputTokensPerImage(job: Pick<ImageJob, "quality" | "width" | "height">): number {
  return Math.round((OUTPUT_TOKENS_1024[job.quality] * job.width * job.height) / (1024 * 1024));
}

export function imageUsage(
  job: Pick<ImageJob, "prompt" | "quality" | "width" | "height">,
  inputImages: readonly { width: number; height: number }[],
  imageCount: number,
): ImageUsage {
  const text = textTokens(job.prompt);
  const image = inputImages.reduce((sum, img) => sum + editInputImageTokens(img.width, img.height), 0);
  const output = outputTokensPerImage(job) * imageCount;
  return {
    input_tokens: text + image,
    input_tokens_details: { image_tokens: image, text_tokens: text },
    output_tokens: output,
    output_tokens_details: { image_tokens: output, text_tokens: 0 },
    total_tokens: text + image + output,
  };
}
