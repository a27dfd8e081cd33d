import { ToolError } from "../errors";
import type { Services } from "../services";
import type { AssetRecord } from "../store/asset-record";
import { sha256Hex } from "../store/hash";
import { fetchImageFromUrl } from "./guarded-fetch";
import { decodeBase64Image, formatBytes, InputTooLarge, sniffImageType } from "./image-bytes";
import { classifyImageInput } from "./image-input";
import { storableSourceUrl } from "./source-url";

/** An input image known by content hash; not yet stored unless it came from the store. */
export interface ResolvedImage {
  sha256: string;
  bytes: Uint8Array;
  mime: string;
  width: number;
  height: number;
  /** The stored record when the input was an asset id (or identical bytes were already stored). */
  record?: AssetRecord;
  /** Where it was fetched from, without query string or credentials (see storableSourceUrl). */
  sourceUrl?: string;
  /** Given as an asset id or this server's link: the caller stored nothing, so gains no claim on it. */
  byReference?: boolean;
}

/** Inputs read at once (fetches, R2 reads, decodes): bounds memory and connections per call. */
export const INPUT_CONCURRENCY = 4;

/**
 * The bytes one call may still read for its inputs. Before an input is read its cap is
 * lowered to what is left (an asset's size is known from its record; a fetch stops there);
 * after, its size is charged, so the inputs a call accepts never pass the budget. Inputs
 * read side by side are each capped by what was left when they started, so memory in
 * flight stays within `INPUT_CONCURRENCY` such caps.
 */
export class InputBudget {
  private used = 0;
  /** `total`: the config's MAX_INPUT_BYTES_PER_CALL. */
  constructor(readonly total: number) {}

  get remaining(): number {
    return Math.max(0, this.total - this.used);
  }

  /** Throws the budget's refusal when `bytes` more would pass it; otherwise counts them. */
  charge(bytes: number): void {
    if (this.used + bytes > this.total) throw this.exceeded();
    this.used += bytes;
  }

  exceeded(): ToolError {
    return new ToolError(
      `the input images of this call add up to more than ${formatBytes(this.total)}, the limit for all inputs of one call together (MAX_INPUT_BYTES_PER_CALL): pass fewer or smaller (downscaled or compressed) images.`,
    );
  }
}

/**
 * Turns one image input (asset id, https URL, base64/data URL) into bytes with their
 * hash and dimensions. Nothing is written here: a call that fails later leaves no trace,
 * and `persistInputs` stores new inputs only once the call has succeeded.
 */
export async function resolveImage(
  value: string,
  services: Services,
  signal: AbortSignal,
  field: string,
  budget: InputBudget = new InputBudget(services.config.maxInputBytesPerCall),
): Promise<ResolvedImage> {
  try {
    return await resolve(value, services, signal, budget);
  } catch (error) {
    // Name the field, so a call with many images says which one was wrong.
    throw error instanceof ToolError ? new ToolError(`${field}: ${error.message}`, error.code) : error;
  }
}

/**
 * A download link from this server (`<base>/assets/<sha256>.<ext>?…`) names an asset it
 * already holds: read it from the store instead of fetching it over the network.
 */
function ownDownloadLink(value: string, baseUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return undefined;
  }
  if (url.origin !== new URL(baseUrl).origin) return undefined;
  return /^\/assets\/([0-9a-f]{64})\.[a-z0-9]+$/.exec(url.pathname)?.[1];
}

async function resolve(value: string, services: Services, signal: AbortSignal, budget: InputBudget): Promise<ResolvedImage> {
  const own = ownDownloadLink(value, services.baseUrl);
  const input = own ? { kind: "asset" as const, sha256: own } : classifyImageInput(value);
  const { config, library } = services;
  if (input.kind === "asset") {
    const record = await library.get(input.sha256);
    if (!record) throw new ToolError(`no asset ${input.sha256} is stored here. Use list_assets to find ids.`, "not_found");
    if (record.kind !== "image")
      throw new ToolError(`asset ${input.sha256} is ${record.kind === "analysis" ? "an analysis" : `a ${record.kind}`}, not an image.`);
    budget.charge(record.bytes);
    const bytes = await library.readBytes(record);
    if (!bytes) throw new ToolError(`asset ${input.sha256} has a record but its blob is missing; run verify_asset.`, "integrity");
    const info = record.width && record.height ? { width: record.width, height: record.height } : await services.images.info(bytes);
    return { sha256: record.sha256, bytes, mime: record.mime, width: info.width, height: info.height, record, byReference: true };
  }
  let bytes: Uint8Array;
  let sourceUrl: string | undefined;
  const maxBytes = Math.min(config.maxInputImageBytes, budget.remaining);
  if (maxBytes === 0) throw budget.exceeded();
  try {
    if (input.kind === "url") {
      const fetched = await fetchImageFromUrl(input.url, {
        maxBytes,
        timeoutMs: config.urlFetchTimeoutMs,
        signal,
        fetch: services.fetchInput,
      });
      bytes = fetched.bytes;
      sourceUrl = storableSourceUrl(fetched.finalUrl);
    } else {
      bytes = decodeBase64Image(input.text, maxBytes);
    }
  } catch (error) {
    // A refusal at a cap the budget lowered is the budget's refusal, not the image's.
    if (maxBytes < config.maxInputImageBytes && error instanceof InputTooLarge) throw budget.exceeded();
    throw error;
  }
  budget.charge(bytes.byteLength);
  const type = sniffImageType(bytes);
  if (!type) throw new ToolError("the bytes are not an image this server can read.");
  const info = await services.images.info(bytes);
  const sha256 = await sha256Hex(bytes);
  return { sha256, bytes, mime: type.mime, width: info.width, height: info.height, record: await library.get(sha256), sourceUrl };
}

/**
 * Resolves a call's inputs, at most `INPUT_CONCURRENCY` at a time, against one byte budget
 * for the whole call (shared with a mask or markup when the caller passes the same budget).
 */
export async function resolveImages(
  values: string[],
  services: Services,
  signal: AbortSignal,
  field: string,
  budget: InputBudget = new InputBudget(services.config.maxInputBytesPerCall),
): Promise<ResolvedImage[]> {
  const results: ResolvedImage[] = new Array(values.length);
  let nextIndex = 0;
  // Once one input fails the call fails: the other readers take no further inputs.
  let failed = false;
  const worker = async () => {
    while (nextIndex < values.length && !failed) {
      const i = nextIndex++;
      if (signal.aborted) throw new ToolError("cancelled", "cancelled");
      try {
        results[i] = await resolveImage(values[i]!, services, signal, values.length > 1 ? `${field}[${i}]` : field, budget);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(INPUT_CONCURRENCY, values.length) }, worker));
  return results;
}

/**
 * Stores inputs that were not assets yet, so a result's lineage points at records that
 * exist. Inputs given as bytes (URL, base64) are stored by the caller, who becomes an owner
 * even when identical bytes were already stored; inputs given by reference are not.
 */
export async function persistInputs(images: ResolvedImage[], services: Services): Promise<AssetRecord[]> {
  return Promise.all(
    images.map(async (image) => {
      if (image.record && image.byReference) return image.record;
      const { record } = await services.library.put({
        bytes: image.bytes,
        kind: "image",
        mime: image.mime,
        width: image.width,
        height: image.height,
        origin: { tool: "input", sourceUrl: image.sourceUrl },
      });
      return record;
    }),
  );
}
