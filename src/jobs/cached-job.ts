import type { ToolContext } from "../mcp/definitions";
import { ToolError } from "../errors";
import { timed } from "../log";
import type { Services } from "../services";
import type { AssetRecord } from "../store/asset-record";
import type { CachedResult } from "../store/request-cache";
import type { Settlement } from "../store/request-coordinator";

export interface JobOutcome<R> {
  records: AssetRecord[];
  /** Fields that replay unchanged from the cache (usage, parameters the API resolved…). */
  result: R;
  cached: boolean;
  /** True when this call waited on an identical call already in flight. */
  shared: boolean;
}

type Made<R> = { records: AssetRecord[]; result: R; shared: boolean };

/** Failures that say nothing about the request itself: a follower may try again. */
const RETRYABLE = new Set(["cancelled", "timeout", "rate_limited", "upstream_error"]);
const MAX_COORDINATION_ROUNDS = 3;

/** Waiting on another caller ends when this call is cancelled or passes its deadline. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new ToolError("cancelled", "cancelled"));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new ToolError("cancelled", "cancelled"));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** The records a cache entry names, or undefined when any of them is gone. */
async function recordsOf(services: Services, entry: CachedResult): Promise<AssetRecord[] | undefined> {
  const records = await Promise.all(entry.assetIds.map((id) => services.library.get(id)));
  return records.some((r) => !r) ? undefined : (records as AssetRecord[]);
}

function settlementOf(error: unknown): Settlement {
  if (error instanceof ToolError) return { ok: false, message: error.message, code: error.code, retryable: RETRYABLE.has(error.code) };
  return { ok: false, message: "internal error", code: "upstream_error", retryable: true };
}

/**
 * Leads or follows through the request's coordinator Durable Object, so identical
 * requests anywhere (other sessions, isolates, the stateless era) call OpenAI once.
 */
async function coordinated<R>(
  ctx: ToolContext,
  hash: string,
  leaseMs: number,
  lead: () => Promise<{ made: Made<R>; entry: CachedResult<R> }>,
): Promise<Made<R>> {
  const { services } = ctx;
  const stub = services.coordinator.get(services.coordinator.idFromName(hash));
  for (let round = 0; round < MAX_COORDINATION_ROUNDS; round++) {
    if ((await stub.claim(leaseMs)) === "lead") {
      try {
        const { made, entry } = await lead();
        await stub.settle({ ok: true, entry });
        return made;
      } catch (error) {
        await stub.settle(settlementOf(error)).catch(() => undefined);
        throw error;
      }
    }
    // RPC stubs type results loosely; the coordinator's wait() returns exactly this.
    const settlement = await untilAborted(stub.wait() as Promise<Settlement | "expired">, ctx.signal);
    if (settlement === "expired") continue;
    if (settlement.ok) {
      const entry = settlement.entry as CachedResult<R>;
      const records = await recordsOf(services, entry);
      if (records) return { records, result: entry.result, shared: true };
      continue;
    }
    if (!settlement.retryable) throw new ToolError(settlement.message, settlement.code);
  }
  throw new ToolError("An identical request kept failing while this call waited for it; try again shortly.", "upstream_error");
}

/**
 * The request path every paid call takes: answer from the cache unless `fresh`; share
 * one upstream call among identical requests in flight through the coordinator; store
 * the result's assets and the cache entry only when the call succeeded and was not
 * cancelled meanwhile.
 */
export async function runCachedJob<R>(
  ctx: ToolContext,
  hash: string,
  fresh: boolean,
  produce: () => Promise<{ records: AssetRecord[]; result: R }>,
): Promise<JobOutcome<R>> {
  const { services } = ctx;
  if (!fresh) {
    const entry = await services.cache.get<R>(hash);
    const records = entry && (await recordsOf(services, entry));
    if (entry && records) {
      services.log.log("debug", "cache", { decision: "hit", request: hash, assets: entry.assetIds });
      return { records, result: entry.result, cached: true, shared: false };
    }
    services.log.log("info", "cache", { decision: entry ? "stale: an asset it named is gone" : "miss", request: hash });
  } else {
    services.log.log("info", "cache", { decision: "skipped: fresh requested", request: hash });
  }
  const lead = async () => {
    const made = await produce();
    const entry: CachedResult<R> = {
      assetIds: made.records.map((r) => r.sha256),
      result: made.result,
      createdAt: services.config.clock().toISOString(),
    };
    await timed(services.log, "cache entry (KV)", () => services.cache.put<R>(hash, entry));
    return { made: { ...made, shared: false }, entry };
  };
  // fresh: true asks to pay for a new result, so it never waits on anyone else's.
  const made = fresh ? (await lead()).made : await coordinated(ctx, hash, services.config.toolDeadlineMs, lead);
  if (made.shared) services.log.log("info", "cache", { decision: "shared an identical call in flight", request: hash });
  if (ctx.signal.aborted) throw new ToolError("The call was cancelled.", "cancelled");
  return { records: made.records, result: made.result, cached: false, shared: made.shared };
}
