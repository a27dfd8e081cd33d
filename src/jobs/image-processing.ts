/**
 * process_image's pipeline: refuse what the binding here does not apply, read the inputs,
 * answer from the request cache, or run the operations and store every output with its lineage
 * (the input, any overlays) and the operations recorded. Free (no OpenAI) and quick, so it runs
 * in the call like build_3d_model; two identical calls at once only cost binding time, since
 * content addressing stores their bytes once.
 */
import { z } from "zod";
import { ToolError } from "../errors";
import { InputBudget, persistInputs, resolveImage, type ResolvedImage } from "../inputs/resolve-images";
import { MAX_OUTPUT_EDGE, type Operation, type ProcessFormat } from "../imaging/operations";
import { refuseUnavailable } from "../imaging/processor";
import type { ContentBlock, ToolOutput } from "../results";
import { assetContent, assetLink, AssetView, viewOf, type ReturnMode } from "../schemas/asset-view";
import type { AssetRecord } from "../store/asset-record";
import { requestHash } from "../store/hash";
import type { Services } from "../services";
import { cachedOutcome, type Outcome } from "./job-records";

export const TOOL = "process_image";
/** Part of every request hash: a change that alters outputs must not replay old results. */
export const PROCESSOR_VERSION = 1;

const Cell = z.object({ row: z.number().int(), column: z.number().int() });

export const ProcessResultOut = z.object({
  input: z.object({ id: z.string(), format: z.string(), width: z.number().int(), height: z.number().int(), bytes: z.number().int() }),
  outputs: z
    .array(AssetView.extend({ cell: Cell.optional().describe("For slices: the cell, from 0 at the top left.") }))
    .describe("One per output image: a single image, or each cell of a slice in reading order."),
  operations: z.array(z.string()).describe("The operations applied, in order."),
  cached: z.boolean().describe("True when answered from the cache: this exact request ran before."),
});
export type ProcessResult = z.infer<typeof ProcessResultOut>;

export interface ProcessJob {
  image: string;
  operations: Operation[];
  format: ProcessFormat;
  quality?: number;
  fresh: boolean;
  returnMode: ReturnMode;
}

/** What replays from the cache besides the records. */
interface ProcessCacheResult {
  cells: Array<{ row: number; column: number } | null>;
}

export async function processImage(services: Services, signal: AbortSignal, job: ProcessJob): Promise<ToolOutput<ProcessResult>> {
  refuseUnavailable(job.operations, { format: job.format, quality: job.quality }, await services.images.capabilities());

  const budget = new InputBudget(services.config.maxInputBytesPerCall);
  const source = await resolveImage(job.image, services, signal, "image", budget);
  requireReadableSize(source, "image");
  const overlays: ResolvedImage[] = [];
  for (const [i, op] of job.operations.entries()) {
    if (op.op !== "overlay") continue;
    const overlay = await resolveImage(op.image, services, signal, `operations[${i}].image`, budget);
    requireReadableSize(overlay, `operations[${i}].image`);
    overlays.push(overlay);
  }

  // Inputs by content hash, never by how they were given (URL, base64, id).
  let overlayIndex = 0;
  const recorded = job.operations.map((op) => (op.op === "overlay" ? { ...op, image: overlays[overlayIndex++]!.sha256 } : op));
  const parameters = { operations: recorded, format: job.format, ...(job.quality !== undefined ? { quality: job.quality } : {}) };
  const hash = await requestHash(TOOL, { input: source.sha256, ...parameters, version: PROCESSOR_VERSION });

  const run = async (): Promise<Outcome<ProcessCacheResult>> => {
    const processor = services.images.processor();
    const pictures = await processor.run(
      source,
      job.operations,
      overlays.map((o) => o.bytes),
      signal,
    );
    if (signal.aborted) throw new ToolError("The call was cancelled; nothing was stored.", "cancelled");
    const encoded = await Promise.all(pictures.map((p) => processor.encode(p, job.format, job.quality)));
    const parents = await persistInputs([source, ...overlays], services);
    const parentIds = [...new Set(parents.map((p) => p.sha256))];
    const records: AssetRecord[] = [];
    for (const [i, output] of encoded.entries()) {
      const cell = pictures[i]?.cell;
      const { record } = await services.library.put({
        bytes: output.bytes,
        kind: "image",
        mime: output.mime,
        width: output.width,
        height: output.height,
        origin: { tool: TOOL, parameters: { ...parameters, ...(cell ? { cell } : {}) }, parents: parentIds, requestHash: hash },
      });
      records.push(record);
    }
    const result: ProcessCacheResult = { cells: pictures.map((p) => p.cell ?? null) };
    await services.cache.put<ProcessCacheResult>(hash, {
      assetIds: records.map((r) => r.sha256),
      result,
      createdAt: services.config.clock().toISOString(),
    });
    return { records, result, cached: false, shared: false };
  };
  const outcome = (job.fresh ? undefined : await cachedOutcome<ProcessCacheResult>(services, hash)) ?? (await run());

  const views = await Promise.all(outcome.records.map((r) => viewOf(r, services)));
  const structured: ProcessResult = {
    input: { id: source.sha256, format: source.mime, width: source.width, height: source.height, bytes: source.bytes.length },
    outputs: views.map((view, i) => {
      const cell = outcome.result.cells[i];
      return cell ? { ...view, cell } : view;
    }),
    operations: job.operations.map(describeOperation),
    cached: outcome.cached,
  };
  const [first, ...rest] = outcome.records;
  if (!first) throw new ToolError("The processing produced no output; nothing was stored.", "integrity");
  const content: ContentBlock[] = [...(await assetContent(first, services, job.returnMode))];
  for (const record of rest) content.push(assetLink(record));
  return { structured, summary: summaryOf(structured), content };
}

function requireReadableSize(image: ResolvedImage, field: string): void {
  if (image.width > MAX_OUTPUT_EDGE || image.height > MAX_OUTPUT_EDGE) {
    throw new ToolError(
      `${field}: the image is ${image.width}x${image.height}, over the ${MAX_OUTPUT_EDGE} px limit per side the Images binding processes: downscale it first.`,
    );
  }
}

/** A short human description of one operation, for results and summaries. */
export function describeOperation(op: Operation): string {
  switch (op.op) {
    case "resize":
      return `resize ${op.width ?? "auto"}x${op.height ?? "auto"} ${op.fit}`;
    case "crop":
      return `crop ${op.width}x${op.height} at ${op.left},${op.top}`;
    case "trim":
      return `trim ${op.top} ${op.right} ${op.bottom} ${op.left}`;
    case "rotate":
      return `rotate ${op.degrees}`;
    case "flip":
      return `flip ${op.direction}`;
    case "blur":
      return `blur ${op.radius}`;
    case "sharpen":
      return `sharpen ${op.amount}`;
    case "overlay":
      return `overlay ${op.position} opacity ${op.opacity}${op.repeat === "none" ? "" : ` repeat ${op.repeat}`}`;
    case "pad_to_power_of_two":
      return `pad to power of two (${op.align})`;
    case "slice":
      return `slice ${op.columns}x${op.rows}`;
    default:
      return `${op.op} ${op.value}`;
  }
}

function summaryOf(result: ProcessResult): string {
  const [first] = result.outputs;
  const from = `${result.input.width}x${result.input.height}`;
  const made =
    result.outputs.length === 1 && first
      ? `one ${first.mimeType} ${first.width}x${first.height} (${first.bytes} bytes), asset ${first.id}, download: ${first.downloadUrl}`
      : `${result.outputs.length} images (${first?.mimeType} ${first?.width}x${first?.height} each), assets ${result.outputs.map((o) => o.id).join(", ")}`;
  return `Processed a ${from} image (${result.operations.join(", ")}) into ${made}${result.cached ? ", from the cache" : ""}.`;
}
