import type { ToolContext } from "../mcp/definitions";
import { ToolError } from "../mcp/tool-error";
import type { Services } from "../services";
import type { AssetRecord } from "../store/asset-record";
import type { CachedResult } from "../store/request-cache";

export interface JobOutcome<R> {
  records: AssetRecord[];
  /** Fields that replay unchanged from the cache (usage, parameters the API resolved…). */
  result: R;
  cached: boolean;
  /** True when this call waited on an identical call already in flight. */
  shared: boolean;
}

/** A cache hit counts only while every asset it names still has its record. */
async function liveHit<R>(services: Services, hash: string): Promise<{ entry: CachedResult<R>; records: AssetRecord[] } | undefined> {
  const entry = await services.cache.get<R>(hash);
  if (!entry) return undefined;
  const records = await Promise.all(entry.assetIds.map((id) => services.library.get(id)));
  if (records.some((r) => !r)) return undefined;
  return { entry, records: records as AssetRecord[] };
}

/**
 * The request path every paid call takes: answer from the cache unless `fresh`; share
 * one upstream call among identical requests in flight; store the result's assets and
 * the cache entry only when the call succeeded and was not cancelled meanwhile.
 */
export async function runCachedJob<R>(
  ctx: ToolContext,
  hash: string,
  fresh: boolean,
  produce: () => Promise<{ records: AssetRecord[]; result: R }>,
): Promise<JobOutcome<R>> {
  const { services } = ctx;
  if (!fresh) {
    const hit = await liveHit<R>(services, hash);
    if (hit) return { records: hit.records, result: hit.entry.result, cached: true, shared: false };
  }
  const { promise, joined } = services.cache.shareInFlight(fresh ? `${hash}:fresh:${crypto.randomUUID()}` : hash, async () => {
    const made = await produce();
    await services.cache.put<R>(hash, { assetIds: made.records.map((r) => r.sha256), result: made.result, createdAt: new Date().toISOString() });
    return made;
  });
  const made = await promise;
  if (ctx.signal.aborted) throw new ToolError("The call was cancelled.", "cancelled");
  return { ...made, cached: false, shared: joined };
}
