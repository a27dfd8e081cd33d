import { ToolError } from "../errors";
import type { Services } from "../services";
import type { AssetRecord } from "../store/asset-record";
import { ENTRY_HINTS, sameIds } from "../store/entry-hints";

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
 * be theirs (`library.get` hides the rest), so a hit never answers with another's asset. The
 * records this isolate last saw the entry name are read beside the entry itself; the entry
 * decides, so a changed entry costs one more read and never a wrong answer.
 */
export async function cachedOutcome<R>(services: Services, hash: string): Promise<Outcome<R> | undefined> {
  const readRecords = (ids: readonly string[]) => Promise.all(ids.map((id) => services.library.get(id)));
  const hinted = ENTRY_HINTS.get(hash);
  const [entry, hintedRecords] = await Promise.all([services.cache.get<R>(hash), hinted ? readRecords(hinted) : undefined]);
  if (entry) ENTRY_HINTS.set(hash, entry.assetIds);
  else ENTRY_HINTS.delete(hash);
  const records = !entry
    ? []
    : hinted && hintedRecords && sameIds(hinted, entry.assetIds)
      ? hintedRecords
      : await readRecords(entry.assetIds);
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
