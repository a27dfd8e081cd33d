import { z } from "zod";
import { defineTool } from "../mcp/definitions";
import { requireOpenAIConfigured } from "../openai/client";
import { imageInputSchema } from "../inputs/image-input";
import { resolveImage, resolveImages } from "../inputs/resolve-images";
import { precheckImageCheck, VerdictOut } from "../jobs/image-check";
import { waitSecondsField, withJobHandle } from "../jobs/job-runner";
import { requireObjectSchema } from "../jobs/json-schema-answer";
import { answerCheck } from "../jobs/paid-calls";
import { analyzeImages, AnalysisOut, planAnalysis, precheckAnalysis } from "../jobs/vision-analysis";
import { checkRequest } from "../jobs/image-check";
import { analysisQuote } from "../jobs/analysis-cost";
import { estimateOutput, spendFields } from "../jobs/spend";

const PAID_READ = { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true };
const DEFAULT_QUESTION =
  "Describe the image thoroughly: subject, setting, composition, every piece of text (verbatim), colours, style, and anything unusual or worth noting.";

const detailField = z
  .enum(["low", "high", "auto", "original"])
  .default("auto")
  .describe(
    "How closely the model looks: low (cheap, coarse), high, auto (default), original (full resolution, most tokens; newer models only).",
  );
const modelField = z.string().max(64).optional().describe("Vision model (default gpt-6.1-terra unless the server sets another).");
const freshField = z.boolean().default(false).describe("Skip the cache and ask again.");

export const analyzeImage = defineTool({
  name: "analyze_image",
  title: "Analyse images",
  description:
    "Answers a question about one or more images with an OpenAI vision model: describe, compare, find differences, read text, review a UI screenshot or a photo. Images are asset ids (best), https URLs, or base64/data URLs for small files; large images are downscaled to what the model uses. Give `schema` (a JSON Schema for an object) to get the answer as validated JSON. The cost is estimated first and refused above the server's cap; the answer is stored as an analysis asset and repeated questions come from the cache.",
  input: z.object({
    images: z
      .array(imageInputSchema)
      .min(1, "images: give at least one image.")
      .max(16, "images: at most 16 images per analysis.")
      .describe("The images to look at, in order."),
    question: z
      .string()
      .trim()
      .min(1)
      .max(32_000)
      .default(DEFAULT_QUESTION)
      .describe("The instruction or question; default: a thorough description."),
    detail: detailField,
    model: modelField,
    max_output_tokens: z
      .number()
      .int()
      .min(16)
      .max(32_000)
      .default(1200)
      .describe("Cap on the answer's length in tokens; the server adds room for the model's hidden reasoning on top."),
    reasoning: z
      .enum(["none", "minimal", "low", "medium", "high"])
      .optional()
      .describe(
        "How much a reasoning model thinks before answering (default low where the model reasons; GPT-6.x take none–high, GPT-5 minimal–high; GPT-4.x do not reason and refuse it). Higher costs more and is estimated against the cap.",
      ),
    schema: z
      .record(z.string(), z.unknown())
      .optional()
      .describe(
        "Optional JSON Schema (type object) the answer must follow. Inside OpenAI's strict subset (every property required, additionalProperties false, no oneOf/allOf/not/if/patternProperties) OpenAI enforces it; otherwise it is validated here. Patterns that can backtrack catastrophically are refused.",
      ),
    fresh: freshField,
    ...spendFields,
    wait_seconds: waitSecondsField,
  }),
  output: withJobHandle(AnalysisOut),
  annotations: PAID_READ,
  async run(args, ctx) {
    requireOpenAIConfigured(ctx.services.config);
    const schema = args.schema ? requireObjectSchema(args.schema) : undefined;
    const request = {
      tool: "analyze_image",
      question: args.question,
      detail: args.detail,
      model: args.model,
      maxOutputTokens: args.max_output_tokens,
      reasoning: args.reasoning,
      adjustable: { maxOutputTokens: true, reasoning: true },
      schema,
      fresh: args.fresh,
    };
    // Model, parameters and the cost cap first: a refused call fetches nothing.
    await precheckAnalysis(ctx.services, { ...request, imageCount: args.images.length });
    const images = await resolveImages(args.images, ctx.services, ctx.signal, "images");
    if (args.estimate) {
      const plan = await planAnalysis(ctx.services, { ...request, images });
      return estimateOutput(ctx.services, "analyze_image", analysisQuote(ctx.services, plan));
    }
    return analyzeImages(ctx, { ...request, images }, args.wait_seconds, { confirmed: args.confirm_cost });
  },
});

export const checkImage = defineTool({
  name: "check_image",
  title: "Check an image against a prompt",
  description:
    "Asks a vision model whether an image matches the prompt it was made from, and returns a structured verdict: matches (yes/no), a score from 0 to 1, and the concrete differences. Use it to decide whether to regenerate or edit. generate_image and edit_image can run it for you with verify: true.",
  input: z.object({
    image: imageInputSchema,
    prompt: z.string().trim().min(1).max(32_000).describe("The prompt the image should satisfy."),
    detail: detailField,
    model: modelField,
    fresh: freshField,
    ...spendFields,
    wait_seconds: waitSecondsField,
  }),
  output: withJobHandle(VerdictOut),
  annotations: PAID_READ,
  async run(args, ctx) {
    requireOpenAIConfigured(ctx.services.config);
    const options = { model: args.model, detail: args.detail, fresh: args.fresh };
    await precheckImageCheck(ctx.services, args.prompt, options);
    const image = await resolveImage(args.image, ctx.services, ctx.signal, "image");
    if (args.estimate) {
      const plan = await planAnalysis(ctx.services, checkRequest(image, args.prompt, options));
      return estimateOutput(ctx.services, "check_image", analysisQuote(ctx.services, plan));
    }
    return answerCheck(ctx, image, args.prompt, options, args.wait_seconds, { confirmed: args.confirm_cost });
  },
});
