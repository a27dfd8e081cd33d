import { z } from "zod";
import { ReturnMode } from "./asset-view";

/** Output parameters shared by generate_image and edit_image; the catalog checks them per model. */
export const imageOutputFields = {
  model: z
    .string()
    .max(64)
    .optional()
    .describe(
      "OpenAI image model: gpt-image-2 (default unless the server sets another), gpt-image-2.5-flare, gpt-image-2.5-sunburst, gpt-image-2.6-flare, gpt-image-2.6-sunburst. Flare is faster and cheaper; Sunburst is more precise.",
    ),
  size: z
    .string()
    .max(16)
    .optional()
    .describe(
      "auto (default), 1024x1024, 1536x1024 (landscape), 1024x1536 (portrait), or WIDTHxHEIGHT on gpt-image-2 and 2.5 (multiples of 16, aspect 1:3 to 3:1, up to 3840x2160).",
    ),
  quality: z
    .enum(["low", "medium", "high", "xhigh", "max", "auto"])
    .optional()
    .describe("low, medium, high or auto (default); xhigh and max on 2.5 models. Higher costs more."),
  complexity: z
    .enum(["low", "medium", "high"])
    .optional()
    .describe(
      "How much the model plans before rendering, apart from quality: high helps dense text, diagrams and busy layouts but takes longer. Omit for the model's default.",
    ),
  background: z.enum(["auto", "opaque", "transparent"]).optional().describe("transparent needs output_format png or webp."),
  output_format: z.enum(["png", "jpeg", "webp"]).optional().describe("File format of the result (default png)."),
  output_compression: z.number().int().min(0).max(100).optional().describe("0–100, jpeg and webp only."),
  n: z.number().int().min(1).max(10).optional().describe("How many images (1–10); each becomes its own asset."),
  fresh: z.boolean().default(false).describe("Skip the cache and pay for a new result even if this exact request was made before."),
  return: ReturnMode.default("preview"),
  verify: z
    .boolean()
    .default(false)
    .describe("Also check each result against the prompt with a vision model and include the verdict (costs a small vision call)."),
};

export const ImageParametersOut = z.object({
  model: z.string(),
  size: z.string(),
  quality: z.string(),
  background: z.string(),
  output_format: z.string(),
  output_compression: z.number().nullable(),
  moderation: z.string().nullable(),
  n: z.number().int(),
  input_fidelity: z.string().nullable(),
  complexity: z.string().nullable(),
});

export const UsageOut = z
  .object({
    inputTokens: z.number().int(),
    inputTextTokens: z.number().int(),
    inputImageTokens: z.number().int(),
    outputTokens: z.number().int(),
    totalTokens: z.number().int(),
  })
  .nullable();

export const CostOut = z.object({
  usd: z.number().describe("What this call cost: 0 when answered from the cache."),
  originalUsd: z.number().describe("What the request cost when it was first made."),
  pricesFrom: z.object({ source: z.string(), checkedOn: z.string(), estimate: z.boolean() }),
});
