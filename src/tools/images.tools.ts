import { z } from "zod";
import { defineTool } from "../mcp/definitions";
import { requireOpenAIConfigured } from "../openai/client";
import { ToolError } from "../errors";
import { currentImageModelIds, requireImageModel } from "../openai/catalog";
import { checkPromptLength, imageParamNotices, normalizeImageParams, type NormalizedImageParams } from "../openai/image-params";
import { imageInputSchema } from "../inputs/image-input";
import type { OverlayRole } from "../imaging/image-service";
import { InputBudget, resolveImage, resolveImages } from "../inputs/resolve-images";
import type { Services } from "../services";
import { imageOutputFields } from "../schemas/image.schemas";
import { ImageResultOut, NO_INPUTS, PARTIAL_IMAGES_WITH_PROGRESS } from "../jobs/image-production";
import { VerdictOut } from "../jobs/image-check";
import { waitSecondsField, withJobHandle } from "../jobs/job-runner";
import { answerImages } from "../jobs/paid-calls";
import { stageInputs } from "../jobs/staged-inputs";
import { checkVerificationBudget } from "../jobs/verify-result";
import { StagingArea } from "../store/staging";
import { estimateImageJob } from "../jobs/cost-estimates";
import { estimateOutput, spendFields } from "../jobs/spend";

const PAID = { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true };
const PROMPT_LIMIT = 32_000;

const promptField = z
  .string()
  .trim()
  .min(1, "prompt: must not be empty; describe the image you want.")
  .max(PROMPT_LIMIT, `prompt: longer than ${PROMPT_LIMIT} characters; shorten it.`);

function normalize(
  args: Record<string, unknown>,
  operation: "generate" | "edit",
  services: Services,
  prompt: string,
): NormalizedImageParams {
  const now = services.config.clock();
  const params = normalizeImageParams(args, { operation, now, defaultModel: services.config.defaultImageModel });
  checkPromptLength(params, prompt, now);
  return params;
}

export const generateImage = defineTool({
  name: "generate_image",
  title: "Generate an image",
  description:
    "Creates images from a text prompt with OpenAI's image models and stores each one. Returns a small WebP preview you can see, an asset id, a resource link and a signed download URL, plus token usage and cost in USD. An identical earlier request is answered from the cache at no cost (cached: true) unless fresh is true. For changes to an existing image use edit_image; to check the result against the prompt set verify: true.",
  input: z.object({
    prompt: promptField.describe(
      "What to draw. Be specific about subject, style, composition, text to render and colours. Up to 32,000 characters.",
    ),
    moderation: z.enum(["auto", "low"]).optional().describe("Content filtering strictness: auto (default) or low."),
    ...imageOutputFields,
    ...spendFields,
    wait_seconds: waitSecondsField,
  }),
  output: withJobHandle(ImageResultOut.extend({ verification: z.array(VerdictOut).optional().describe("Present when verify: true.") })),
  annotations: PAID,
  async run(args, ctx) {
    requireOpenAIConfigured(ctx.services.config);
    const params = normalize(args, "generate", ctx.services, args.prompt);
    if (args.verify) await checkVerificationBudget(ctx.services, args.prompt, params);
    const partialImages = ctx.wantsProgress ? PARTIAL_IMAGES_WITH_PROGRESS : 0;
    const quote = () =>
      estimateImageJob(ctx.services, { params, prompt: args.prompt, inputImages: [], partialImages, verify: args.verify });
    if (args.estimate) return estimateOutput(ctx.services, "generate_image", await quote());
    const spec = {
      tool: "generate_image" as const,
      params,
      prompt: args.prompt,
      inputs: NO_INPUTS,
      fresh: args.fresh,
      returnMode: args.return,
      notices: imageParamNotices(params, ctx.services.config.clock()),
      partialImages,
      verify: args.verify,
    };
    return answerImages(ctx, spec, args.wait_seconds, undefined, { quote, confirmed: args.confirm_cost });
  },
});

export const editImage = defineTool({
  name: "edit_image",
  title: "Edit images",
  description:
    "Edits or combines up to 16 images following a prompt (change a detail, restyle, put a product into a scene, merge references), optionally limited to the transparent area of a mask or guided by markup drawn over the first image. Images are given as asset ids from earlier results (best), https URLs, or base64/data URLs for small files; each input is stored as an asset and the result records them as its parents. Returns previews, asset ids, links, usage and cost; identical requests come from the cache unless fresh is true.",
  input: z.object({
    prompt: promptField.describe("What to change or make from the input images. Up to 32,000 characters."),
    images: z
      .array(imageInputSchema)
      .min(1, "images: give at least one image to edit.")
      .max(16, "images: at most 16 images per edit.")
      .describe("The images to edit (the first one sets the size a mask or markup must have)."),
    mask: imageInputSchema
      .optional()
      .describe("Optional PNG with an alpha channel, same size as the first image: transparent pixels mark where to edit."),
    markup: imageInputSchema
      .optional()
      .describe(
        "Optional PNG with transparency, same size as the first image, laid over it to show the edit: circles, arrows, sketches, notes (gpt-image-2.5 models; not with mask).",
      ),
    input_fidelity: z.enum(["low", "high"]).optional().describe("How closely to keep input details (only models that support it)."),
    ...imageOutputFields,
    ...spendFields,
    wait_seconds: waitSecondsField,
  }),
  output: withJobHandle(ImageResultOut.extend({ verification: z.array(VerdictOut).optional().describe("Present when verify: true.") })),
  annotations: PAID,
  async run(args, ctx) {
    requireOpenAIConfigured(ctx.services.config);
    const { services, signal } = ctx;
    const params = normalize(args, "edit", services, args.prompt);
    const model = requireImageModel(params.model, services.config.clock());
    if (args.images.length > model.edits.maxInputImages) {
      throw new ToolError(
        `images: ${model.id} takes at most ${model.edits.maxInputImages} input images; ${args.images.length} were given.`,
      );
    }
    if (args.mask && args.markup) {
      throw new ToolError(
        "markup: cannot be combined with mask. Give a mask (where to edit) or markup (marks drawn on the image), not both.",
      );
    }
    if (args.markup && !model.edits.markup) {
      const takers = currentImageModelIds(services.config.clock(), (m) => m.edits.markup);
      throw new ToolError(`markup: ${model.id} does not take markup. Models that do: ${takers.join(", ")}.`);
    }
    // Everything above is checked before any input is read; the inputs then share one byte budget.
    const budget = new InputBudget(services.config.maxInputBytesPerCall);
    const images = await resolveImages(args.images, services, signal, "images", budget);
    const first = images[0]!;
    const overlay = async (input: string | undefined, role: OverlayRole) => {
      if (!input) return undefined;
      const resolved = await resolveImage(input, services, signal, role, budget);
      const png = await services.images.prepareOverlay(resolved.bytes, first, role).catch((error: unknown) => {
        throw error instanceof ToolError ? new ToolError(`${role}: ${error.message}`, error.code) : error;
      });
      return { resolved, file: { bytes: png, mime: "image/png", name: `${role}.png` } };
    };
    const mask = await overlay(args.mask, "mask");
    const markup = await overlay(args.markup, "markup");
    const inputs = [...images, ...(mask ? [mask.resolved] : []), ...(markup ? [markup.resolved] : [])];
    if (args.verify) await checkVerificationBudget(ctx.services, args.prompt, params);
    const partialImages = ctx.wantsProgress ? PARTIAL_IMAGES_WITH_PROGRESS : 0;
    // Every upload is priced: the images, then the mask or markup (prepared at the first image's size).
    const inputImages = [...images, ...(mask ? [first] : []), ...(markup ? [first] : [])];
    const quote = () => estimateImageJob(services, { params, prompt: args.prompt, inputImages, partialImages, verify: args.verify });
    if (args.estimate) return estimateOutput(services, "edit_image", await quote());
    const inputIds = { images: images.map((i) => i.sha256), mask: mask?.resolved.sha256 ?? null, markup: markup?.resolved.sha256 ?? null };
    // Staged before the cache is asked (the hash needs every input); a hit clears the batch again.
    const batch = StagingArea.newBatch();
    const stagedOverlay = (prepared: { file: { bytes: Uint8Array } } | undefined) =>
      prepared ? services.jobs.staging.stage(batch, prepared.file.bytes, "image/png") : undefined;
    const persist = await stageInputs(services, batch, inputs);
    const uploads = {
      images: persist.slice(0, images.length).map(({ key, sha256, mime }) => ({ key, sha256, mime })),
      mask: await stagedOverlay(mask),
      markup: await stagedOverlay(markup),
      persist,
    };
    const spec = {
      tool: "edit_image" as const,
      params,
      prompt: args.prompt,
      inputs: inputIds,
      uploads,
      fresh: args.fresh,
      returnMode: args.return,
      notices: imageParamNotices(params, services.config.clock()),
      partialImages,
      verify: args.verify,
    };
    return answerImages(ctx, spec, args.wait_seconds, batch, { quote, confirmed: args.confirm_cost });
  },
});
