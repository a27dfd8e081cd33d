import { DurableObject } from "cloudflare:workers";
import type { ToolErrorCode } from "../errors";
import type { CachedResult } from "./request-cache";

/** Stored assets and their bytes by kind, as server_status reports them. */
export type AssetStats = Record<string, { count: number; bytes: number }>;

/** How a leader's attempt ended, as followers see it. */
export type Settlement = { ok: true; entry: CachedResult } | { ok: false; message: string; code: ToolErrorCode; retryable: boolean };

/**
 * One Durable Object per request hash: the rendezvous that makes identical requests
 * from any session, isolate or location call OpenAI once. The first caller leads and
 * does the work where it is (its progress and cancellation stay its own); the others
 * wait here for its settlement. A lease bounds the wait if a leader vanishes.
 *
 * State is in memory on purpose: losing it (eviction mid-lease) costs at most one
 * duplicate upstream call, never a wrong answer, since results live in R2 and KV.
 */
export class RequestCoordinator extends DurableObject<Env> {
  private leaseUntil = 0;
  private waiters: Array<(settlement: Settlement | "expired") => void> = [];

  async claim(leaseMs: number): Promise<"lead" | "follow"> {
    const now = Date.now();
    if (this.leaseUntil > now) return "follow";
    this.leaseUntil = now + leaseMs;
    return "lead";
  }

  async wait(): Promise<Settlement | "expired"> {
    const remaining = this.leaseUntil - Date.now();
    if (remaining <= 0) return "expired";
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve("expired"), remaining);
      this.waiters.push((settlement) => {
        clearTimeout(timer);
        resolve(settlement);
      });
    });
  }

  /**
   * The paid job that answers this request hash, kept in storage so it survives eviction
   * and restarts. Compare-and-set: the candidate becomes the request's job only when the
   * current one is `expected` (null: none yet); returns the job id that now holds it.
   */
  async claimJob(candidate: string, expected: string | null): Promise<string> {
    const current = (await this.ctx.storage.get<string>("job")) ?? null;
    if (current !== expected) return current ?? (await this.claimJob(candidate, null));
    await this.ctx.storage.put("job", candidate);
    return candidate;
  }

  /** The job now holding this request hash, if any: a read, so a caller may look before it pays to start one. */
  async currentJob(): Promise<string | null> {
    return (await this.ctx.storage.get<string>("job")) ?? null;
  }

  async settle(settlement: Settlement): Promise<void> {
    this.leaseUntil = 0;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve(settlement);
  }

  /**
   * Single use of an upload link (the instance named "upload:<link id>"), kept in storage so it
   * holds across isolates and restarts. A claim that was neither finished nor released within
   * its lease (the uploading request died) may be claimed again.
   */
  async claimUpload(leaseMs: number): Promise<"claimed" | "in_progress" | "used"> {
    const state = await this.ctx.storage.get<{ used: boolean; claimedAt: number }>("upload");
    if (state?.used) return "used";
    if (state && Date.now() - state.claimedAt < leaseMs) return "in_progress";
    await this.ctx.storage.put("upload", { used: false, claimedAt: Date.now() });
    return "claimed";
  }

  /** stored: the link is spent. Otherwise (a refused body) the claim is released and the link may be used again. */
  async finishUpload(stored: boolean): Promise<void> {
    if (stored) await this.ctx.storage.put("upload", { used: true, claimedAt: Date.now() });
    else await this.ctx.storage.delete("upload");
  }

  /**
   * Asset counters (the instance named "asset-stats"): kept on every put and delete, so
   * server_status reads a few numbers instead of walking the whole index. Strongly
   * consistent here, unlike KV. Null until seeded once from a walk of the index; changes
   * before that are left to the walk.
   */
  async assetStats(): Promise<AssetStats | null> {
    return (await this.ctx.storage.get<AssetStats>("asset-stats")) ?? null;
  }

  async seedAssetStats(stats: AssetStats): Promise<AssetStats> {
    const current = await this.ctx.storage.get<AssetStats>("asset-stats");
    if (current) return current;
    await this.ctx.storage.put("asset-stats", stats);
    return stats;
  }

  async adjustAssetStats(kind: string, count: number, bytes: number): Promise<void> {
    const stats = await this.ctx.storage.get<AssetStats>("asset-stats");
    if (!stats) return;
    const bucket = stats[kind] ?? { count: 0, bytes: 0 };
    stats[kind] = { count: Math.max(0, bucket.count + count), bytes: Math.max(0, bucket.bytes + bytes) };
    await this.ctx.storage.put("asset-stats", stats);
  }
}
