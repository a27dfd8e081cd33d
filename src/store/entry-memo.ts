import type { CachedResult } from "./request-cache";

/**
 * Request-cache entries this isolate read or wrote within the last minute, by KV key. A cache hit
 * trusts a remembered entry and reads only the records it names. Those records stay the authority
 * on what still exists and who may see it: a deleted or hidden asset still turns the hit into a
 * miss, and the entry is then read again. A remembered entry can miss only a change made in
 * another isolate that leaves every asset it names in place, i.e. a `fresh` call replacing it
 * with a newer result. In that case the older result, still valid, keeps being served for up to
 * a minute. Workers KV behaves the same way across locations. Memory is bounded: only small
 * entries are kept, and the oldest is dropped first.
 */
export class EntryMemo {
  private readonly entries = new Map<string, { entry: CachedResult; untilMs: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    /** Entries whose JSON is longer (an analysis with a long answer) are not kept. */
    private readonly maxEntryChars: number,
  ) {}

  get<T>(key: string, nowMs: number): CachedResult<T> | undefined {
    const kept = this.entries.get(key);
    if (!kept) return undefined;
    if (kept.untilMs <= nowMs) {
      this.entries.delete(key);
      return undefined;
    }
    // A copy: whoever reads it may change what it got without changing what is remembered.
    return structuredClone(kept.entry) as CachedResult<T>;
  }

  set(key: string, entry: CachedResult, nowMs: number, chars: number): void {
    this.entries.delete(key);
    if (chars > this.maxEntryChars) return;
    this.entries.set(key, { entry, untilMs: nowMs + this.ttlMs });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

/** 1,024 entries of at most 8 KB each stay under 8 MB, beside the isolate's 128 MB. */
export const ENTRY_MEMO = new EntryMemo(1024, 60_000, 8192);
