import { z } from "zod";
import { IMAGE_MODELS, isShutDown, VISION_MODELS } from "../openai/catalog";

/** What an assistant needs to pick a model: what it is for, its limits, prices and shutdown date. */
export const ModelsOut = z.object({
  image: z.array(
    z.object({
      id: z.string(),
      summary: z.string(),
      sizes: z.array(z.string()),
      customSizes: z.boolean(),
      qualities: z.array(z.string()),
      complexity: z.boolean().describe("Takes `complexity`."),
      markup: z.boolean().describe("edit_image takes `markup` with this model."),
      usdPerMillion: z.object({ textInput: z.number(), imageInput: z.number(), imageOutput: z.number(), estimate: z.boolean() }).nullable(),
      shutdownDate: z.string().nullable(),
    }),
  ),
  vision: z.array(
    z.object({
      id: z.string(),
      summary: z.string(),
      structuredOutputs: z.boolean(),
      maxOutputTokens: z.number().int(),
      usdPerMillion: z.object({ input: z.number(), output: z.number(), estimate: z.boolean() }),
      shutdownDate: z.string().nullable(),
    }),
  ),
});

/** The models that still answer today, from the catalog. */
export function availableModels(now: Date): z.infer<typeof ModelsOut> {
  return {
    image: IMAGE_MODELS.filter((m) => !isShutDown(m, now)).map((m) => ({
      id: m.id,
      summary: m.summary,
      sizes: [...(m.sizes.auto ? ["auto"] : []), ...m.sizes.presets],
      customSizes: m.sizes.custom !== null,
      qualities: [...m.qualities],
      complexity: m.complexity,
      markup: m.edits.markup,
      usdPerMillion: m.prices
        ? {
            textInput: m.prices.textInput,
            imageInput: m.prices.imageInput,
            imageOutput: m.prices.imageOutput,
            estimate: !m.prices.confirmed,
          }
        : null,
      shutdownDate: m.retirement?.shutdownDate ?? null,
    })),
    vision: VISION_MODELS.filter((m) => m.acceptsImages && !isShutDown(m, now)).map((m) => ({
      id: m.id,
      summary: m.summary,
      structuredOutputs: m.structuredOutputs,
      maxOutputTokens: m.maxOutputTokens,
      usdPerMillion: { input: m.prices.input, output: m.prices.output, estimate: !m.prices.confirmed },
      shutdownDate: m.retirement?.shutdownDate ?? null,
    })),
  };
}
