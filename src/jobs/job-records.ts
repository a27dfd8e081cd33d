import { ToolError } from "../errors";
import type { Services } from "../services";
import type { AssetRecord } from "../store/asset-record";
import type { CachedResult } from "../store/request-cache";

/** How a result was obtained: from the cache, by this call's own job, or by joining someone else's. */
export interface Outcome<R> {
  records: AssetRecord[];
  result: R;
  cached: boolean;
  shared: boolean;
}

/** The records a job output or cache entry names; a clear error when one was deleted since. */
export async function recordsOf(services: Services, assetIds: string[]): Promise<AssetRecord[]> {
  const records = await Promise.all(assetIds.map((id) => services.library.get(id)));
  const missing = assetIds.filter((_, i) => !records[i]);
  if (missing.length) {
    throw new ToolError(
      `The result was deleted since it was made (asset ${missing[0]!.slice(0, 12)}…); call the tool again to make it anew.`,
      "not_found",
    );
  }
  return records as AssetRecord[];
}

/**
 * A cache hit: the entry and every record it names, or undefined (a miss, or something was
 * deleted). In a private library the entry is the caller's own and every record must still
 * be theirs (`library.get` hides the rest), so a hit never answers with another's asset. An
 * entry this isolate read or wrote lately is taken from memory and only its records are read
 * (see EntryMemo); if one of them is gone or hidden, the entry is read from KV after all.
 */
export async function cachedOutcome<R>(services: Services, hash: string): Promise<Outcome<R> | undefined> {
  const readRecords = (ids: readonly string[]) => Promise.all(ids.map((id) => services.library.get(id)));
  const remembered = services.cache.remembered<R>(hash);
  let entry: CachedResult<R> | undefined;
  let records: (AssetRecord | undefined)[] = [];
  if (remembered) {
    records = await readRecords(remembered.assetIds);
    if (records.every(Boolean)) entry = remembered;
    else services.cache.forget(hash);
  }
  if (!entry) {
    entry = await services.cache.get<R>(hash);
    records = entry ? await readRecords(entry.assetIds) : [];
  }
  if (!entry || records.some((r) => !r)) {
    services.log.log("info", "cache", { decision: entry ? "stale: an asset it named is gone" : "miss", request: hash });
    return undefined;
  }
  services.log.log("debug", "cache", { decision: "hit", request: hash, assets: entry.assetIds });
  // A team cache hit makes the caller an owner too: the result is theirs as much as the first asker's.
  const owned = await services.library.claim(records as AssetRecord[]);
  if (owned.length !== records.length) return undefined; // deleted between the read and the claim
  return { records: owned, result: entry.result, cached: true, shared: false };
}
