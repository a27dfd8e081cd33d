import type OpenAI from "openai";
import { z } from "zod";
import type { ToolContext, ToolOutput } from "../mcp/definitions";
import type { ContentBlock } from "../mcp/content";
import { ToolError } from "../errors";
import { openaiClient } from "../openai/client";
import { imageCostUsd, type ImageUsage } from "../openai/cost";
import type { ImageCallOptions, ImageCallResult } from "../openai/image-api";
import type { NormalizedImageParams } from "../openai/image-params";
import { countTokens } from "../openai/tokenizer";
import { requestHash } from "../store/hash";
import type { AssetRecord } from "../store/asset-record";
import { assetContent, AssetView, viewOf, type ReturnMode } from "../schemas/asset-view";
import { runCachedJob } from "./cached-job";
import { CostOut, ImageParametersOut, UsageOut } from "../schemas/image.schemas";
import { progressReporter } from "./progress";
import { readPngHeader } from "../imaging/png-header";
import { timed } from "../log";

/** Partial previews per image when the client watches progress; each costs extra output tokens, so none otherwise. */
const PARTIAL_IMAGES_WITH_PROGRESS = 2;

/** The fields that replay from the cache unchanged. */
interface ImageJobResult {
  /** Counted before the upstream call on a miss; a hit never needs the tokenizer. */
  promptTokens: number;
  usage: ImageUsage | null;
  costUsd: number;
  pricesFrom: z.infer<typeof CostOut>["pricesFrom"];
  resolved: { size?: string; quality?: string; background?: string };
}

export const ImageResultOut = z.object({
  images: z.array(AssetView),
  parameters: ImageParametersOut,
  resolved: z
    .object({ size: z.string().optional(), quality: z.string().optional(), background: z.string().optional() })
    .describe("What OpenAI chose for `auto` values."),
  prompt: z.object({ characters: z.number().int(), tokens: z.number().int() }),
  parents: z.array(z.string()).describe("Asset ids of the inputs (edits): the images in order, then the mask or markup."),
  parentRoles: z
    .array(z.object({ id: z.string(), role: z.enum(["image", "mask", "markup"]) }))
    .describe("The same inputs with what each was: an input image, the mask, or the markup overlay."),
  cached: z.boolean().describe("True when answered from the cache: no OpenAI call, no cost."),
  sharedInFlight: z.boolean().describe("True when an identical request was already running and this call shared its result."),
  usage: UsageOut,
  cost: CostOut,
  notices: z.array(z.string()),
});
export type ImageResult = z.infer<typeof ImageResultOut>;

export interface ImageJobInputs {
  images: string[];
  mask: string | null;
  markup: string | null;
}

export const NO_INPUTS: ImageJobInputs = { images: [], mask: null, markup: null };

/** Lineage: every input's asset id, images first, then the mask or markup. */
const parentsOf = ({ images, mask, markup }: ImageJobInputs): string[] => [...images, ...[mask, markup].filter((id) => id !== null)];

/** Lineage with roles, so a client can tell the mask or markup from the images edited. */
const parentRolesOf = ({ images, mask, markup }: ImageJobInputs) => [
  ...images.map((id) => ({ id, role: "image" as const })),
  ...(mask === null ? [] : [{ id: mask, role: "mask" as const }]),
  ...(markup === null ? [] : [{ id: markup, role: "markup" as const }]),
];

export interface ImageJob {
  tool: "generate_image" | "edit_image";
  params: NormalizedImageParams;
  prompt: string;
  /** Content hashes of the inputs by role: they, not URLs, identify the request. */
  inputs: ImageJobInputs;
  fresh: boolean;
  returnMode: ReturnMode;
  notices: string[];
  /** The upstream call. */
  call(client: OpenAI, options: ImageCallOptions): Promise<ImageCallResult>;
  /** Runs after a successful upstream call, before results are stored (edits store their new inputs here). */
  beforeStore?(): Promise<void>;
}

function usageOut(usage: ImageUsage | null): z.infer<typeof UsageOut> {
  if (!usage) return null;
  return {
    inputTokens: usage.input_tokens,
    inputTextTokens: usage.input_tokens_details?.text_tokens ?? 0,
    inputImageTokens: usage.input_tokens_details?.image_tokens ?? 0,
    outputTokens: usage.output_tokens,
    totalTokens: usage.total_tokens ?? usage.input_tokens + usage.output_tokens,
  };
}

/** Width and height from a PNG's header (no pixels decoded, no binding round trip); other formats ask the Images binding. */
async function dimensionsOf(ctx: ToolContext, bytes: Uint8Array): Promise<{ width: number; height: number }> {
  const header = readPngHeader(bytes);
  return header ?? (await ctx.services.images.info(bytes));
}

/**
 * Stores each returned image as its own asset. When the result shows a preview, it is rendered
 * from the bytes in hand while the asset is hashed and written, and kept beside it, so the
 * result (and later cache hits) read it back instead of re-reading megabytes from R2.
 */
async function storeImages(ctx: ToolContext, job: ImageJob, call: ImageCallResult, hash: string): Promise<AssetRecord[]> {
  const { log, library, images } = ctx.services;
  const mime = `image/${call.outputFormat}`;
  return Promise.all(
    call.images.map(async (bytes) => {
      const { width, height } = await timed(log, "dimensions", () => dimensionsOf(ctx, bytes));
      const previewing =
        job.returnMode === "preview"
          ? timed(log, "preview render", () => images.renderPreview(bytes, undefined, { width, height }))
          : undefined;
      previewing?.catch(() => undefined); // awaited below; a failed store must not leave it unhandled
      const { record } = await timed(log, "store: hash, R2 put, KV record", () =>
        library.put({
          bytes,
          kind: "image",
          mime,
          width,
          height,
          origin: {
            tool: job.tool,
            model: job.params.model,
            prompt: job.prompt,
            parameters: { ...job.params },
            parents: parentsOf(job.inputs),
            requestHash: hash,
          },
        }),
      );
      if (previewing) await timed(log, "preview kept in R2", () => library.preview(record, bytes, () => previewing));
      return record;
    }),
  );
}

/** Runs an image job through the cache and returns the tool's result: summary, structured output, previews and links. */
export async function produceImages(ctx: ToolContext, job: ImageJob): Promise<ToolOutput<ImageResult>> {
  const hash = await requestHash(job.tool, { params: job.params, prompt: job.prompt, inputs: job.inputs });
  const outcome = await runCachedJob<ImageJobResult>(ctx, hash, job.fresh, async () => {
    const client = openaiClient(ctx.services.config, ctx.services.log);
    const partialImages = ctx.wantsProgress && job.params.n === 1 ? PARTIAL_IMAGES_WITH_PROGRESS : 0;
    const progress = progressReporter(ctx, job.params.n * (partialImages + 1), job.tool);
    // Counted before anything is paid for, so a count that fails can never follow a paid call (counting is linear in the prompt).
    const promptTokens = await countTokens(job.prompt);
    let call: ImageCallResult;
    try {
      call = await timed(ctx.services.log, "upstream call, stream read and base64 decode", () =>
        job.call(client, {
          signal: ctx.signal,
          partialImages,
          safetyIdentifier: ctx.services.caller,
          onEvent: (event) =>
            progress.step(
              event.type === "partial" ? `partial image ${event.index + 1}` : `image ${event.index + 1} of ${job.params.n} done`,
            ),
        }),
      );
    } finally {
      progress.stop();
    }
    if (ctx.signal.aborted) throw new ToolError("cancelled", "cancelled");
    if (call.images.length === 0)
      throw new ToolError("OpenAI finished without returning an image; nothing was stored. Try again.", "upstream_error");
    await job.beforeStore?.();
    const records = await storeImages(ctx, job, call, hash);
    const cost = call.usage ? imageCostUsd(job.params.model, call.usage) : undefined;
    return {
      records,
      result: {
        promptTokens,
        usage: call.usage ?? null,
        costUsd: cost?.usd ?? 0,
        pricesFrom: cost?.pricesFrom ?? { source: "no usage returned", checkedOn: "", estimate: true },
        resolved: { size: call.size, quality: call.quality, background: call.background },
      },
    };
  });

  const { views, content } = await timed(ctx.services.log, "result: views, links, preview", async () => {
    // Links are signed while previews are read: neither waits for the other.
    const [views, blocks] = await Promise.all([
      Promise.all(outcome.records.map((record) => viewOf(record, ctx.services))),
      Promise.all(outcome.records.map((record) => assetContent(record, ctx.services, job.returnMode))),
    ]);
    const content: ContentBlock[] = blocks.flat();
    return { views, content };
  });
  const { result } = outcome;
  // A call that shared an identical in-flight call paid nothing of its own.
  const costNow = outcome.cached || outcome.shared ? 0 : result.costUsd;
  const structured: ImageResult = {
    images: views,
    parameters: job.params,
    resolved: result.resolved,
    prompt: { characters: job.prompt.length, tokens: result.promptTokens },
    parents: parentsOf(job.inputs),
    parentRoles: parentRolesOf(job.inputs),
    cached: outcome.cached,
    sharedInFlight: outcome.shared,
    usage: usageOut(result.usage),
    cost: { usd: costNow, originalUsd: result.costUsd, pricesFrom: result.pricesFrom },
    notices: job.notices,
  };
  const first = views[0];
  const dims = first?.width ? ` ${first.width}×${first.height}` : "";
  const how = outcome.cached
    ? "from the cache (no cost)"
    : `for $${costNow.toFixed(4)}${result.pricesFrom.estimate ? " (estimated price)" : ""}`;
  const verb = job.tool === "edit_image" ? "Edited" : "Generated";
  return {
    structured,
    summary: `${verb} ${views.length} ${job.params.output_format}${dims} image${views.length === 1 ? "" : "s"} with ${job.params.model} ${how}. Asset id${views.length > 1 ? "s" : ""}: ${views.map((v) => v.id).join(", ")}.`,
    content,
  };
}
