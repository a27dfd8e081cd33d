import { z } from "zod";
import { ToolError } from "../errors";
import type { Services } from "../services";
import { REASONING_EFFORTS, requireVisionModel, type ImageDetail, type ReasoningEffort, type VisionModelSpec } from "../openai/catalog";
import { openaiClient } from "../openai/client";
import { liveDefaultModel } from "../openai/default-models";
import { textCostUsd, type TextUsage } from "../openai/cost";
import { imageTokenEstimate } from "../openai/image-tokens";
import { outputBudget, reasoningEffortFor } from "../openai/reasoning";
import { askAboutImages, type VisionAnswer } from "../openai/responses-api";
import { countTokens } from "../openai/tokenizer";
import { persistInputs, type ResolvedImage } from "../inputs/resolve-images";
import { StagingArea } from "../store/staging";
import { canonicalJson, requestHash } from "../store/hash";
import { AssetView, viewOf } from "../schemas/asset-view";
import { CostOut } from "../schemas/image.schemas";
import { isStrictCompatible, parseAnswer, type JsonObjectSchema } from "./json-schema-answer";
import { cachedOutcome, type Outcome } from "./job-records";
import { DEFAULT_WAIT_SECONDS, runAsJob, type WaitContext } from "./job-runner";
import { keepPaidWork, PaidAnswerError, type PipelineContext, type Produced } from "./pipeline";
import { stageInputs, type StagedInput } from "./staged-inputs";
import { analysisQuote } from "./analysis-cost";

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
  reasoning: z
    .enum(REASONING_EFFORTS as [ReasoningEffort, ...ReasoningEffort[]])
    .nullable()
    .describe("The reasoning effort sent; null for models that do not reason."),
  images: z.array(SentImageOut),
  estimate: z.object({
    textTokens: z.number().int(),
    imageTokens: z.number().int(),
    maxOutputTokens: z.number().int().describe("The output budget sent: reasoning allowance plus the answer's length."),
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
  /** The answer's own length; the reasoning allowance is added on top. */
  maxOutputTokens: number;
  /** The caller's effort; `defaultReasoning` where the model reasons and none was given. */
  reasoning?: ReasoningEffort;
  /** Default "low": enough for image questions, and far cheaper than the API's own medium. */
  defaultReasoning?: ReasoningEffort;
  /** Whether the tool offers `max_output_tokens` and `reasoning`, so an error names only inputs that exist (default: neither). */
  adjustable?: { maxOutputTokens: boolean; reasoning: boolean };
  schema?: JsonObjectSchema;
  fresh: boolean;
}

export interface AnalysisResult {
  /** What was sent for each image, kept so a cache hit can say it without resizing again. */
  sent: SentImage[];
  answer: string;
  answerJson?: Record<string, unknown>;
  usage: TextUsage | null;
  costUsd: number;
  pricesFrom: z.infer<typeof CostOut>["pricesFrom"];
  /** Notes for the caller: a retry with a larger budget, a schema sent non-strict after OpenAI refused it. */
  notes: string[];
}

type SentImage = z.infer<typeof SentImageOut>;

/** An analysis as a job carries it: plain data, checked and bounded, the images staged in R2 by hash. */
export interface AnalysisSpec {
  tool: string;
  model: string;
  effort: ReasoningEffort | null;
  images: StagedInput[];
  question: string;
  detail: ImageDetail;
  /** The answer's own length as asked; `estimate.maxOutputTokens` is the budget sent (with reasoning). */
  maxOutputTokens: number;
  adjustable: NonNullable<AnalysisRequest["adjustable"]>;
  schema?: JsonObjectSchema;
  fresh: boolean;
  estimate: Analysis["estimate"];
  /** MAX_ANALYSIS_COST_USD when the call was made: a retry with a larger budget must fit it. */
  capUsd: number;
  hash: string;
}

export type AnalysisPlan = Omit<AnalysisSpec, "images">;

/**
 * Downscales each image to what the model uses at this detail (saves tokens and upload),
 * never upscaling. Runs only on a cache miss: the estimate before it needs no pixels.
 */
async function prepareImages(services: Services, model: VisionModelSpec, images: ResolvedImage[], detail: ImageDetail) {
  return Promise.all(
    images.map(async (image) => {
      const target = imageTokenEstimate(model, { width: image.width, height: image.height }, detail).dimensions;
      // PNG stays PNG (screenshots, text); photos stay JPEG; the rest become WebP, which keeps transparency.
      const format = image.mime === "image/png" ? "png" : image.mime === "image/jpeg" ? "jpeg" : "webp";
      const fitted = await services.images.fitWithin(image.bytes, target.width, target.height, format);
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

/** What an analysis will send and the most it can cost, computed before any image is prepared or paid for. */
export interface AnalysisEstimate {
  model: VisionModelSpec;
  effort: ReasoningEffort | null;
  /** `max_output_tokens` to send: the answer plus the reasoning allowance. */
  budget: number;
  textTokens: number;
  imageTokens: number;
  maxCostUsd: number;
  /** The bound for the same input with a different output budget (for a retry). */
  boundUsd(outputTokens: number): number;
}

/** Checks the model, the schema and the lengths, and bounds the cost; `images` need only their dimensions. */
export async function estimateAnalysis(
  services: Services,
  request: Pick<AnalysisRequest, "model" | "schema" | "maxOutputTokens" | "reasoning" | "defaultReasoning" | "question" | "detail"> & {
    images: ReadonlyArray<{ width: number; height: number }>;
  },
): Promise<AnalysisEstimate> {
  const now = services.config.clock();
  const model = requireVisionModel(request.model ?? liveDefaultModel("vision", services.config, now), now);
  if (request.schema && !model.structuredOutputs)
    throw new ToolError(`schema: ${model.id} does not support structured outputs; pick another model.`);
  if (request.maxOutputTokens > model.maxOutputTokens) {
    throw new ToolError(`max_output_tokens: ${model.id} writes at most ${model.maxOutputTokens} tokens; ask for fewer.`);
  }
  const effort = reasoningEffortFor(model, request.reasoning, request.defaultReasoning ?? "low");
  const budget = outputBudget(model, effort, request.maxOutputTokens);
  const textTokens = await countTokens(INSTRUCTIONS + request.question + (request.schema ? canonicalJson(request.schema) : ""));
  const imageTokens = request.images.reduce((sum, i) => sum + imageTokenEstimate(model, i, request.detail).tokens, 0);
  const boundUsd = (outputTokens: number) =>
    textCostUsd(model.id, { input_tokens: textTokens + imageTokens, output_tokens: outputTokens }).usd;
  return { model, effort, budget, textTokens, imageTokens, maxCostUsd: boundUsd(budget), boundUsd };
}

/** The refusal of an estimate over the cap, naming only the levers the tool offers. */
function overCap(
  estimate: AnalysisEstimate,
  cap: number,
  adjustable: AnalysisRequest["adjustable"],
  bound: "up to" | "at least",
): ToolError {
  const { effort, budget, maxCostUsd } = estimate;
  const levers = [
    'detail "low"',
    "fewer or smaller images",
    ...(adjustable?.maxOutputTokens ? ["a lower max_output_tokens"] : []),
    ...(effort && adjustable?.reasoning ? [`a lower reasoning effort (now "${effort}")`] : []),
  ];
  return new ToolError(
    `This analysis could cost ${bound} $${maxCostUsd.toFixed(4)} (${estimate.textTokens + estimate.imageTokens} input tokens, up to ${budget} output tokens${effort ? ` including reasoning at "${effort}"` : ""}), above this server's cap of $${cap} (MAX_ANALYSIS_COST_USD). Use ${levers.join(", ")}.`,
    "over_budget",
  );
}

/** An analysis before its inputs are read: the images' count stands in for the images. */
export type AnalysisPrecheck = Omit<Parameters<typeof estimateAnalysis>[1], "images"> &
  Pick<AnalysisRequest, "adjustable"> & { imageCount: number };

/**
 * Checks the model, its parameters and the cost cap before any image is fetched or read:
 * each image is priced at the least it can cost at this detail (as if 1×1), so a call over
 * the cap whatever its images are is refused before any input work. The full estimate,
 * from the images' sizes, follows in `planAnalysis`.
 */
export async function precheckAnalysis(services: Services, precheck: AnalysisPrecheck): Promise<void> {
  const least = await estimateAnalysis(services, {
    ...precheck,
    images: Array.from({ length: precheck.imageCount }, () => ({ width: 1, height: 1 })),
  });
  const cap = services.config.maxAnalysisCostUsd;
  if (least.maxCostUsd > cap) throw overCap(least, cap, precheck.adjustable, "at least");
}

/** Checks the request and bounds its cost before anything is staged or paid; the spec minus its images. */
export async function planAnalysis(services: Services, request: AnalysisRequest): Promise<AnalysisPlan> {
  const estimate = await estimateAnalysis(services, request);
  const { model, effort, budget, textTokens, imageTokens, maxCostUsd } = estimate;
  const adjustable = request.adjustable ?? { maxOutputTokens: false, reasoning: false };
  const cap = services.config.maxAnalysisCostUsd;
  if (maxCostUsd > cap) throw overCap(estimate, cap, adjustable, "up to");
  const hash = await requestHash(request.tool, {
    model: model.id,
    detail: request.detail,
    question: request.question,
    schema: request.schema ?? null,
    maxOutputTokens: request.maxOutputTokens,
    reasoning: effort,
    images: request.images.map((i) => i.sha256),
  });
  return {
    tool: request.tool,
    model: model.id,
    effort,
    question: request.question,
    detail: request.detail,
    maxOutputTokens: request.maxOutputTokens,
    adjustable,
    schema: request.schema,
    fresh: request.fresh,
    estimate: { textTokens, imageTokens, maxOutputTokens: budget, maxCostUsd },
    capUsd: cap,
    hash,
  };
}

/**
 * The paid part, inside a job step: downscale, ask (once more with twice the budget when the
 * answer was cut off and both fit the cap), then store the answer, its inputs and the cache entry.
 */
export async function makeAnalysis(pctx: PipelineContext, plan: AnalysisPlan, images: ResolvedImage[]): Promise<Produced<AnalysisResult>> {
  const { services, signal } = pctx;
  const model = requireVisionModel(plan.model, services.config.clock());
  const { effort } = plan;
  const budget = plan.estimate.maxOutputTokens;
  const inputTokens = plan.estimate.textTokens + plan.estimate.imageTokens;
  const boundUsd = (outputTokens: number) => textCostUsd(model.id, { input_tokens: inputTokens, output_tokens: outputTokens }).usd;
  const prepared = await prepareImages(services, model, images, plan.detail);
  const client = openaiClient(services.config, services.log);
  // Each answer is paid when it arrives (without usage, its bound): the job's reservation settles with the sum.
  const ask = async (maxOutputTokens: number) => {
    const paid = await askPaid(maxOutputTokens);
    await pctx.charge?.(paid.usage ? textCostUsd(model.id, paid.usage).usd : boundUsd(maxOutputTokens));
    return paid;
  };
  const askPaid = (maxOutputTokens: number) =>
    askAboutImages(
      client,
      {
        model: model.id,
        instructions: INSTRUCTIONS,
        question: plan.question,
        images: prepared.map((p) => p.upload),
        detail: plan.detail,
        maxOutputTokens,
        reasoningEffort: effort,
        schema: plan.schema ? { name: "answer", schema: plan.schema, strict: isStrictCompatible(plan.schema) } : undefined,
        safetyIdentifier: services.caller?.id ?? null,
      },
      signal,
    );
  const notes: string[] = [];
  let answer: VisionAnswer = await ask(budget);
  let usage: TextUsage | undefined = answer.usage;
  if (answer.cutOff) {
    // One retry with twice the budget, only when both attempts together stay within the cap.
    const retryBudget = Math.min(model.maxOutputTokens, budget * 2);
    const spentUsd = answer.usage ? textCostUsd(model.id, answer.usage).usd : plan.estimate.maxCostUsd;
    if (retryBudget > budget && spentUsd + boundUsd(retryBudget) <= plan.capUsd) {
      const first = answer;
      answer = await ask(retryBudget);
      usage = addTextUsage(first.usage, answer.usage);
      notes.push(`The first answer was cut off at ${budget} output tokens; asked again once with ${retryBudget}.`);
    }
  }
  if (signal.aborted) throw new ToolError("cancelled", "cancelled");
  if (answer.cutOff) throw cutOffError(plan, model, effort, answer);
  if (answer.strictFallback) notes.push("OpenAI refused the schema in strict mode; it was sent non-strict and the answer validated here.");
  const answerJson = plan.schema ? parsePaidAnswer(answer.text, plan.schema) : undefined;
  const cost = usage ? textCostUsd(model.id, usage) : undefined;
  const result: AnalysisResult = {
    sent: prepared.map((p) => p.sent),
    answer: answer.text,
    answerJson,
    usage: usage ?? null,
    // Without usage from OpenAI, the bound is the honest figure: what the call could have cost.
    costUsd: cost?.usd ?? plan.estimate.maxCostUsd,
    pricesFrom: cost?.pricesFrom ?? { source: "no usage returned by OpenAI: the upper-bound estimate", checkedOn: "", estimate: true },
    notes,
  };
  const record = await keepPaidWork(services, "the answer", async () => {
    const parents = await persistInputs(images, services);
    const document = {
      tool: plan.tool,
      model: model.id,
      detail: plan.detail,
      question: plan.question,
      schema: plan.schema ?? null,
      images: parents.map((r) => r.sha256),
      answer: answer.text,
      answerJson: answerJson ?? null,
    };
    const { record } = await services.library.put({
      bytes: new TextEncoder().encode(JSON.stringify(document, null, 2)),
      kind: "analysis",
      mime: "application/json",
      origin: {
        tool: plan.tool,
        model: model.id,
        prompt: plan.question,
        parameters: { detail: plan.detail, maxOutputTokens: plan.maxOutputTokens, reasoning: effort },
        parents: document.images,
        requestHash: plan.hash,
      },
    });
    await services.cache.put<AnalysisResult>(plan.hash, {
      assetIds: [record.sha256],
      result,
      createdAt: services.config.clock().toISOString(),
    });
    return record;
  });
  await pctx.progress("answer received");
  return { assetIds: [record.sha256], result };
}

/** The tool's result from the stored answer: the same whether the job just finished or the cache answered. */
export async function presentAnalysis(
  services: Services,
  plan: AnalysisPlan,
  outcome: Outcome<AnalysisResult>,
): Promise<{ structured: Analysis; summary: string }> {
  const { result } = outcome;
  const usage = result.usage;
  const structured: Analysis = {
    answer: result.answer,
    answerJson: result.answerJson,
    model: plan.model,
    detail: plan.detail,
    reasoning: plan.effort,
    images: result.sent,
    estimate: plan.estimate,
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
  const estimateNote = !outcome.cached && result.pricesFrom.estimate ? ` (an estimate: ${result.pricesFrom.source})` : "";
  const notes = (result.notes ?? []).map((note) => ` ${note}`).join("");
  return {
    structured,
    summary: `Analysed ${result.sent.length} image${result.sent.length === 1 ? "" : "s"} with ${plan.model} (${plan.detail} detail) ${how}${estimateNote}.${notes}\nAnswer: ${shorten(result.answer, SUMMARY_ANSWER_CHARS)}`,
  };
}

/**
 * analyze_image: the cost bound first, then the cache; a miss stages the images and runs
 * as a job the call waits for (or returns a handle to).
 */
export async function analyzeImages(
  ctx: WaitContext,
  request: AnalysisRequest,
  waitSeconds = DEFAULT_WAIT_SECONDS,
  spend?: { confirmed: boolean },
): Promise<{ structured: Record<string, unknown>; summary: string }> {
  const { services } = ctx;
  const plan = await planAnalysis(services, request);
  const hit = request.fresh ? undefined : await cachedOutcome<AnalysisResult>(services, plan.hash);
  if (hit) return presentAnalysis(services, plan, hit);
  const batch = StagingArea.newBatch();
  const spec: AnalysisSpec = { ...plan, images: await stageInputs(services, batch, request.images) };
  return runAsJob(
    ctx,
    {
      tool: request.tool,
      kind: "analysis",
      joinKey: plan.hash,
      spec,
      stagedUnder: batch,
      fresh: request.fresh,
      cost: spend && { quote: async () => analysisQuote(services, plan), confirmed: spend.confirmed },
    },
    waitSeconds,
  );
}

/** A schema violation in a paid answer is not worth paying for again automatically. */
function parsePaidAnswer(text: string, schema: JsonObjectSchema): Record<string, unknown> {
  try {
    return parseAnswer(text, schema);
  } catch (error) {
    throw error instanceof ToolError ? new PaidAnswerError(error.message, error.code) : error;
  }
}

/** How much of the answer the one-line summary carries; the whole answer is in the structured result. */
const SUMMARY_ANSWER_CHARS = 400;

function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

function addTextUsage(a: TextUsage | undefined, b: TextUsage | undefined): TextUsage | undefined {
  if (!a || !b) return b ?? a;
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    input_tokens_details: { cached_tokens: (a.input_tokens_details?.cached_tokens ?? 0) + (b.input_tokens_details?.cached_tokens ?? 0) },
    output_tokens: a.output_tokens + b.output_tokens,
    output_tokens_details: {
      reasoning_tokens: (a.output_tokens_details?.reasoning_tokens ?? 0) + (b.output_tokens_details?.reasoning_tokens ?? 0),
    },
    total_tokens: (a.total_tokens ?? a.input_tokens + a.output_tokens) + (b.total_tokens ?? b.input_tokens + b.output_tokens),
  };
}

/** An answer still cut off: names the one input that would let it finish, when the tool offers it. */
function cutOffError(plan: AnalysisPlan, model: VisionModelSpec, effort: ReasoningEffort | null, answer: VisionAnswer): ToolError {
  const { adjustable } = plan;
  const reasoningTokens = answer.usage?.output_tokens_details?.reasoning_tokens ?? 0;
  const outputTokens = answer.usage?.output_tokens ?? 0;
  const spentOnReasoning = effort !== null && effort !== "none" && reasoningTokens * 2 >= outputTokens && reasoningTokens > 0;
  const what = `The answer was cut off by its output budget (${outputTokens} output tokens, ${reasoningTokens} of them reasoning) and nothing was stored.`;
  const efforts = model.reasoning?.efforts ?? [];
  const lower = effort ? efforts.slice(0, efforts.indexOf(effort)).reverse().slice(0, 2) : [];
  if (spentOnReasoning && adjustable.reasoning && lower.length > 0) {
    return new PaidAnswerError(
      `${what} ${model.id} spent the budget reasoning: set reasoning lower than "${effort}" (${lower.map((e) => `"${e}"`).join(" or ")}), or raise MAX_ANALYSIS_COST_USD so a larger budget fits.`,
      "upstream_error",
    );
  }
  if (!spentOnReasoning && adjustable.maxOutputTokens) {
    return new PaidAnswerError(
      `${what} Raise max_output_tokens (now ${plan.maxOutputTokens}), or ask for a shorter answer.`,
      "upstream_error",
    );
  }
  return new PaidAnswerError(
    `${what} Try another model (model), or raise MAX_ANALYSIS_COST_USD so a larger budget fits.`,
    "upstream_error",
  );
}
