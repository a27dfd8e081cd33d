import { z } from "zod";
import type { ToolOutput } from "../results";
import type { ContentBlock } from "../results";
import { ToolError } from "../errors";
import { openaiClient } from "../openai/client";
import { imageCostUsd, type ImageUsage } from "../openai/cost";
import { editImages, generateImages, type ImageCallOptions, type ImageCallResult, type UpstreamImageFile } from "../openai/image-api";
import type { NormalizedImageParams } from "../openai/image-params";
import { countTokens } from "../openai/tokenizer";
import type { Services } from "../services";
import { extensionFor } from "../store/asset-kinds";
import { requestHash } from "../store/hash";
import type { AssetRecord } from "../store/asset-record";
import type { StagedFile } from "../store/staging";
import { assetContent, AssetView, viewOf, type ReturnMode } from "../schemas/asset-view";
import { CostOut, ImageParametersOut, UsageOut } from "../schemas/image.schemas";
import type { Outcome } from "./job-records";
import { keepPaidWork, type PipelineContext, type Produced } from "./pipeline";
import { persistStaged, type StagedInput } from "./staged-inputs";
import { readPngHeader } from "../imaging/png-header";
import { readWebpSize } from "../imaging/webp-header";
import type { RenderedImage } from "../imaging/image-service";
import { timed } from "../log";

/** Partial previews per image when the client watches progress; each costs extra output tokens, so none otherwise. */
export const PARTIAL_IMAGES_WITH_PROGRESS = 2;
const EDITABLE_MIMES = new Set(["image/png", "image/jpeg", "image/webp"]);

/** The fields that replay from the cache unchanged. */
export interface ImageJobResult {
  /** Counted beside the upstream call on a miss; a hit never needs the tokenizer. */
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

/** What an edit uploads, staged in R2 by the tool before the job starts. */
export interface EditUploads {
  images: StagedFile[];
  /** The mask or markup as the PNG prepared for upload (sized and checked against the first image). */
  mask?: StagedFile;
  markup?: StagedFile;
  /** Every input as given, stored as an asset once the edit succeeds. */
  persist: StagedInput[];
}

/** A generate or edit request as a job carries it: plain data, no bytes, no closures. */
export interface ImageSpec {
  tool: "generate_image" | "edit_image";
  params: NormalizedImageParams;
  prompt: string;
  /** Content hashes of the inputs by role: they, not URLs, identify the request. */
  inputs: ImageJobInputs;
  uploads?: EditUploads;
  fresh: boolean;
  returnMode: ReturnMode;
  notices: string[];
  /** Partial previews to ask OpenAI for (only when the starting client watches progress). */
  partialImages: number;
}

export function imageRequestHash(spec: Pick<ImageSpec, "tool" | "params" | "prompt" | "inputs">): Promise<string> {
  return requestHash(spec.tool, { params: spec.params, prompt: spec.prompt, inputs: spec.inputs });
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

/** OpenAI edits take PNG, JPEG or WebP; other inputs (GIF, AVIF…) are converted to PNG by the Images binding. */
async function uploadable(services: Services, file: StagedFile, name: string): Promise<UpstreamImageFile> {
  const bytes = await services.jobs.staging.read(file);
  if (EDITABLE_MIMES.has(file.mime)) return { bytes, mime: file.mime, name: `${name}.${extensionFor(file.mime)}` };
  return { bytes: await services.images.toPng(bytes), mime: "image/png", name: `${name}.png` };
}

async function callUpstream(services: Services, spec: ImageSpec, options: ImageCallOptions): Promise<ImageCallResult> {
  const client = openaiClient(services.config, services.log);
  if (spec.tool === "generate_image") return generateImages(client, spec.params, spec.prompt, options);
  const uploads = spec.uploads;
  if (!uploads) throw new Error("an edit job carries its uploads");
  const images = await Promise.all(uploads.images.map((file, i) => uploadable(services, file, `image-${i + 1}`)));
  const overlay = async (file: StagedFile | undefined, role: string) =>
    file ? { bytes: await services.jobs.staging.read(file), mime: "image/png", name: `${role}.png` } : undefined;
  const files = { images, mask: await overlay(uploads.mask, "mask"), markup: await overlay(uploads.markup, "markup") };
  return editImages(client, spec.params, spec.prompt, files, options);
}

/** From the file's own header where it says (PNG, WebP); otherwise the binding reads it (a round trip of the whole file). */
async function dimensionsOf(services: Services, bytes: Uint8Array): Promise<{ width: number; height: number }> {
  return readPngHeader(bytes) ?? readWebpSize(bytes) ?? (await services.images.info(bytes));
}

/** One returned image as stored, with its preview when the result shows one. */
interface StoredImage {
  record: AssetRecord;
  preview?: RenderedImage<"image/webp">;
}

/** The store waits at most this long for the binding to take the preview's input (it takes a few ms). */
const INPUT_HANDOVER_WAIT_MS = 250;

/** A preview render under way, and when its input has been taken (or the wait for that is over). */
function startPreview(
  services: Services,
  bytes: Uint8Array,
  known: { width: number; height: number },
): { rendered: Promise<RenderedImage<"image/webp"> | undefined>; inputTaken: Promise<void> } {
  let taken: () => void = () => undefined;
  const inputTaken = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, INPUT_HANDOVER_WAIT_MS);
    taken = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  const rendered = timed(services.log, "preview render", () => services.images.renderPreview(bytes, { known, onInputTaken: taken })).catch(
    (error: unknown) => {
      services.log.log("warning", "preview", {
        stage: "render after generation",
        error: error instanceof Error ? error.message : String(error),
      });
      return undefined;
    },
  );
  void rendered.finally(taken);
  return { rendered, inputTaken };
}

/**
 * Stores each returned image as its own asset, rendering its preview from the bytes in hand
 * (the result then never re-reads megabytes from R2 to make one). The two overlap, staggered:
 * the store starts once the Images binding has taken the preview's input. Started together,
 * both push the same megabytes at once and the render, the longer of the two, finished ~1.5×
 * later (bench, noisy 1024² PNG); staggered, the store runs while the binding renders.
 * A preview that fails is left out here; the result renders it again or says why it cannot.
 */
async function storeImages(services: Services, spec: ImageSpec, call: ImageCallResult, hash: string): Promise<StoredImage[]> {
  const { log, library } = services;
  const mime = `image/${call.outputFormat}`;
  return Promise.all(
    call.images.map(async (bytes) => {
      const { width, height } = await timed(log, "dimensions", () => dimensionsOf(services, bytes));
      const preview = spec.returnMode === "preview" ? startPreview(services, bytes, { width, height }) : undefined;
      if (preview) await preview.inputTaken;
      const { record } = await timed(log, "store: hash, R2 put, KV record", () =>
        library.put({
          bytes,
          kind: "image",
          mime,
          width,
          height,
          justMade: true,
          origin: {
            tool: spec.tool,
            model: spec.params.model,
            prompt: spec.prompt,
            parameters: { ...spec.params },
            parents: parentsOf(spec.inputs),
            requestHash: hash,
          },
        }),
      );
      return { record, preview: await preview?.rendered };
    }),
  );
}

/**
 * The paid part of generate/edit, run inside a job step: one upstream call, then the
 * images, the edit's new inputs and the cache entry are stored, unless the job was
 * cancelled meanwhile.
 */
export async function makeImages(pctx: PipelineContext, spec: ImageSpec, hash: string): Promise<Produced<ImageJobResult>> {
  const { services, signal } = pctx;
  // Counted before anything is paid for, so a count that fails can never follow a paid call (counting is linear in the prompt).
  const promptTokens = await countTokens(spec.prompt);
  const call = await timed(services.log, "upstream call, stream read and base64 decode", () =>
    callUpstream(services, spec, {
      signal,
      partialImages: spec.params.n === 1 ? spec.partialImages : 0,
      safetyIdentifier: services.caller?.id ?? null,
      onEvent: (event) =>
        pctx.progress(event.type === "partial" ? `partial image ${event.index + 1}` : `image ${event.index + 1} of ${spec.params.n} done`),
    }),
  );
  // Paid the moment OpenAI answered, whatever happens next: the job's reservation settles with it.
  await pctx.charge?.(call.usage ? imageCostUsd(spec.params.model, call.usage).usd : null);
  if (signal.aborted) throw new ToolError("cancelled", "cancelled");
  if (call.images.length === 0)
    throw new ToolError("OpenAI finished without returning an image; nothing was stored. Try again.", "upstream_error");
  const cost = call.usage ? imageCostUsd(spec.params.model, call.usage) : undefined;
  const result: ImageJobResult = {
    promptTokens,
    usage: call.usage ?? null,
    costUsd: cost?.usd ?? 0,
    pricesFrom: cost?.pricesFrom ?? { source: "no usage returned", checkedOn: "", estimate: true },
    resolved: { size: call.size, quality: call.quality, background: call.background },
  };
  const what = call.images.length === 1 ? "the image" : `${call.images.length} images`;
  const assetIds = await keepPaidWork(services, what, async () => {
    if (spec.uploads) await persistStaged(services, spec.uploads.persist);
    const stored = await storeImages(services, spec, call, hash);
    const ids = stored.map(({ record }) => record.sha256);
    // Previews are derived (a missing one is rendered again from its asset), so keeping them
    // runs beside the cache entry; both land before the job reports its result.
    await Promise.all([
      timed(services.log, "cache entry (KV)", () =>
        services.cache.put<ImageJobResult>(hash, { assetIds: ids, result, createdAt: services.config.clock().toISOString() }),
      ),
      ...stored.map(({ record, preview }) =>
        preview
          ? timed(services.log, "preview kept (memory, R2)", () => services.library.keepPreview(record.sha256, preview.bytes))
          : undefined,
      ),
    ]);
    return ids;
  });
  await pctx.progress("stored");
  return { assetIds, result };
}

/** The tool's result from stored records: the same whether the job just finished or the cache answered. */
export async function presentImages(
  services: Services,
  spec: ImageSpec,
  outcome: Outcome<ImageJobResult>,
): Promise<ToolOutput<ImageResult>> {
  const { views, content } = await timed(services.log, "result: views, links, preview", async () => {
    // Links are signed while previews are read: neither waits for the other.
    const [views, blocks] = await Promise.all([
      Promise.all(outcome.records.map((record) => viewOf(record, services))),
      Promise.all(outcome.records.map((record) => assetContent(record, services, spec.returnMode))),
    ]);
    const content: ContentBlock[] = blocks.flat();
    return { views, content };
  });
  const { result } = outcome;
  // A call that shared an identical in-flight call paid nothing of its own.
  const costNow = outcome.cached || outcome.shared ? 0 : result.costUsd;
  const structured: ImageResult = {
    images: views,
    parameters: spec.params,
    resolved: result.resolved,
    prompt: { characters: spec.prompt.length, tokens: result.promptTokens },
    parents: parentsOf(spec.inputs),
    parentRoles: parentRolesOf(spec.inputs),
    cached: outcome.cached,
    sharedInFlight: outcome.shared,
    usage: usageOut(result.usage),
    cost: { usd: costNow, originalUsd: result.costUsd, pricesFrom: result.pricesFrom },
    notices: spec.notices,
  };
  const first = views[0];
  const dims = first?.width ? ` ${first.width}×${first.height}` : "";
  const how = outcome.cached
    ? "from the cache (no cost)"
    : `for $${costNow.toFixed(4)}${result.pricesFrom.estimate ? " (estimated price)" : ""}`;
  const verb = spec.tool === "edit_image" ? "Edited" : "Generated";
  return {
    structured,
    summary: `${verb} ${views.length} ${spec.params.output_format}${dims} image${views.length === 1 ? "" : "s"} with ${spec.params.model} ${how}. Asset id${views.length > 1 ? "s" : ""}: ${views.map((v) => v.id).join(", ")}.`,
    content,
  };
}
