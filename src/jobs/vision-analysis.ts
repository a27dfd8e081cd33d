import { z } from "zod";
import type { ToolContext } from "../mcp/definitions";
import { ToolError } from "../errors";
import { DEFAULT_VISION_MODEL, requireVisionModel, type ImageDetail, type VisionModelSpec } from "../openai/catalog";
import { openaiClient } from "../openai/client";
import { textCostUsd, type TextUsage } from "../openai/cost";
import { imageTokenEstimate } from "../openai/image-tokens";
import { askAboutImages } from "../openai/responses-api";
import { countTokens } from "../openai/tokenizer";
import { persistInputs, type ResolvedImage } from "../inputs/resolve-images";
import { canonicalJson, requestHash } from "../store/hash";
import { AssetView, viewOf } from "../schemas/asset-view";
import { runCachedJob } from "./cached-job";
import { CostOut } from "../schemas/image.schemas";
import { isStrictCompatible, parseAnswer, type JsonObjectSchema } from "./json-schema-answer";
import { progressReporter } from "./progress";

const INSTRUCTIONS =
  "You analyse images for a developer tool. Answer precisely and concretely. Quote any text in the images verbatim. If something cannot be determined from the images, say so instead of guessing.";

export const SentImageOut = z.object({
  id: z.string(),
  originalWidth: z.number().int(),
  originalHeight: z.number().int(),
  sentWidth: z.number().int(),
  sentHeight: z.number().int(),
  sentMimeType: z.string(),
  sentBytes: z.number().int(),
  resized: z.boolean().describe("True when the server downscaled the image to what the model uses at this detail."),
  estimatedTokens: z.number().int(),
});

export const AnalysisOut = z.object({
  answer: z.string().describe("The model's answer as text (JSON text when a schema was given)."),
  answerJson: z
    .record(z.string(), z.unknown())
    .optional()
    .describe("The answer parsed and validated against the schema, when one was given."),
  model: z.string(),
  detail: z.enum(["low", "high", "auto", "original"]),
  images: z.array(SentImageOut),
  estimate: z.object({
    textTokens: z.number().int(),
    imageTokens: z.number().int(),
    maxOutputTokens: z.number().int(),
    maxCostUsd: z.number().describe("Upper bound checked against the server's cap before calling OpenAI."),
  }),
  usage: z
    .object({
      inputTokens: z.number().int(),
      cachedInputTokens: z.number().int(),
      outputTokens: z.number().int(),
      totalTokens: z.number().int(),
    })
    .nullable(),
  cost: CostOut,
  cached: z.boolean(),
  sharedInFlight: z.boolean(),
  analysis: AssetView.describe("The stored answer: a JSON asset whose record names the analysed images."),
});
export type Analysis = z.infer<typeof AnalysisOut>;

export interface AnalysisRequest {
  tool: string;
  images: ResolvedImage[];
  question: string;
  detail: ImageDetail;
  model?: string;
  maxOutputTokens: number;
  schema?: JsonObjectSchema;
  fresh: boolean;
}

interface AnalysisResult {
  /** What was sent for each image, kept so a cache hit can say it without resizing again. */
  sent: SentImage[];
  answer: string;
  answerJson?: Record<string, unknown>;
  usage: TextUsage | null;
  costUsd: number;
  pricesFrom: z.infer<typeof CostOut>["pricesFrom"];
}

type SentImage = z.infer<typeof SentImageOut>;

/**
 * Downscales each image to what the model uses at this detail (saves tokens and upload),
 * never upscaling. Runs only on a cache miss: the estimate before it needs no pixels.
 */
async function prepareImages(ctx: ToolContext, model: VisionModelSpec, images: ResolvedImage[], detail: ImageDetail) {
  return Promise.all(
    images.map(async (image) => {
      const target = imageTokenEstimate(model, { width: image.width, height: image.height }, detail).dimensions;
      // PNG stays PNG (screenshots, text); photos stay JPEG; the rest become WebP, which keeps transparency.
      const format = image.mime === "image/png" ? "png" : image.mime === "image/jpeg" ? "jpeg" : "webp";
      const fitted = await ctx.services.images.fitWithin(image.bytes, target.width, target.height, format);
      const sent: SentImage = {
        id: image.sha256,
        originalWidth: image.width,
        originalHeight: image.height,
        sentWidth: fitted.width,
        sentHeight: fitted.height,
        sentMimeType: fitted.mime,
        sentBytes: fitted.bytes.byteLength,
        resized: fitted.resized,
        estimatedTokens: imageTokenEstimate(model, { width: fitted.width, height: fitted.height }, detail).tokens,
      };
      return { upload: { bytes: fitted.bytes, mime: fitted.mime }, sent };
    }),
  );
}

export async function analyzeImages(ctx: ToolContext, request: AnalysisRequest): Promise<{ structured: Analysis; summary: string }> {
  const { services } = ctx;
  const model = requireVisionModel(request.model ?? services.config.defaultVisionModel ?? DEFAULT_VISION_MODEL, services.config.clock());
  if (request.schema && !model.structuredOutputs)
    throw new ToolError(`schema: ${model.id} does not support structured outputs; pick another model.`);
  if (request.maxOutputTokens > model.maxOutputTokens) {
    throw new ToolError(`max_output_tokens: ${model.id} writes at most ${model.maxOutputTokens} tokens; ask for fewer.`);
  }
  const textTokens = await countTokens(INSTRUCTIONS + request.question + (request.schema ? canonicalJson(request.schema) : ""));
  const imageTokens = request.images.reduce(
    (sum, i) => sum + imageTokenEstimate(model, { width: i.width, height: i.height }, request.detail).tokens,
    0,
  );
  const maxCostUsd = textCostUsd(model.id, { input_tokens: textTokens + imageTokens, output_tokens: request.maxOutputTokens }).usd;
  const cap = services.config.maxAnalysisCostUsd;
  if (maxCostUsd > cap) {
    throw new ToolError(
      `This analysis could cost up to $${maxCostUsd.toFixed(4)} (${textTokens + imageTokens} input tokens, up to ${request.maxOutputTokens} output tokens), above this server's cap of $${cap} (MAX_ANALYSIS_COST_USD). Use detail "low", fewer or smaller images, or a lower max_output_tokens.`,
      "over_budget",
    );
  }

  const hash = await requestHash(request.tool, {
    model: model.id,
    detail: request.detail,
    question: request.question,
    schema: request.schema ?? null,
    maxOutputTokens: request.maxOutputTokens,
    images: request.images.map((i) => i.sha256),
  });
  const outcome = await runCachedJob<AnalysisResult>(ctx, hash, request.fresh, async () => {
    const prepared = await prepareImages(ctx, model, request.images, request.detail);
    const progress = progressReporter(ctx, 1, request.tool);
    let answer;
    try {
      answer = await askAboutImages(
        openaiClient(services.config),
        {
          model: model.id,
          instructions: INSTRUCTIONS,
          question: request.question,
          images: prepared.map((p) => p.upload),
          detail: request.detail,
          maxOutputTokens: request.maxOutputTokens,
          schema: request.schema ? { name: "answer", schema: request.schema, strict: isStrictCompatible(request.schema) } : undefined,
          safetyIdentifier: services.caller,
        },
        ctx.signal,
      );
    } finally {
      progress.stop();
    }
    if (ctx.signal.aborted) throw new ToolError("cancelled", "cancelled");
    if (answer.status === "incomplete") {
      throw new ToolError(
        `The answer was cut off (${answer.incompleteReason ?? "incomplete"}); raise max_output_tokens and try again.`,
        "upstream_error",
      );
    }
    const answerJson = request.schema ? parseAnswer(answer.text, request.schema) : undefined;
    const cost = answer.usage ? textCostUsd(model.id, answer.usage) : undefined;
    const parents = await persistInputs(request.images, services);
    const document = {
      tool: request.tool,
      model: model.id,
      detail: request.detail,
      question: request.question,
      schema: request.schema ?? null,
      images: parents.map((r) => r.sha256),
      answer: answer.text,
      answerJson: answerJson ?? null,
    };
    const { record } = await services.library.put({
      bytes: new TextEncoder().encode(JSON.stringify(document, null, 2)),
      kind: "analysis",
      mime: "application/json",
      origin: {
        tool: request.tool,
        model: model.id,
        prompt: request.question,
        parameters: { detail: request.detail, maxOutputTokens: request.maxOutputTokens },
        parents: document.images,
        requestHash: hash,
      },
    });
    await progress.step("answer received");
    return {
      records: [record],
      result: {
        sent: prepared.map((p) => p.sent),
        answer: answer.text,
        answerJson,
        usage: answer.usage ?? null,
        costUsd: cost?.usd ?? 0,
        pricesFrom: cost?.pricesFrom ?? { source: "no usage returned", checkedOn: "", estimate: true },
      },
    };
  });

  const { result } = outcome;
  const usage = result.usage;
  const structured: Analysis = {
    answer: result.answer,
    answerJson: result.answerJson,
    model: model.id,
    detail: request.detail,
    images: result.sent,
    estimate: { textTokens, imageTokens, maxOutputTokens: request.maxOutputTokens, maxCostUsd },
    usage: usage
      ? {
          inputTokens: usage.input_tokens,
          cachedInputTokens: usage.input_tokens_details?.cached_tokens ?? 0,
          outputTokens: usage.output_tokens,
          totalTokens: usage.total_tokens ?? usage.input_tokens + usage.output_tokens,
        }
      : null,
    // A call that shared an identical in-flight call paid nothing of its own.
    cost: { usd: outcome.cached || outcome.shared ? 0 : result.costUsd, originalUsd: result.costUsd, pricesFrom: result.pricesFrom },
    cached: outcome.cached,
    sharedInFlight: outcome.shared,
    analysis: await viewOf(outcome.records[0]!, services),
  };
  const how = outcome.cached ? "from the cache (no cost)" : `for $${result.costUsd.toFixed(4)}`;
  return { structured, summary: `Analysed ${result.sent.length} image(s) with ${model.id} (${request.detail} detail) ${how}.` };
}
