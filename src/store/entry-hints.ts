/**
 * Which assets a cache entry named when this isolate last read or wrote it, by request hash:
 * a hint, never an answer. A cache hit reads its entry and the hinted assets' records at the
 * same time (one KV round trip instead of two in a row); the entry read stays the authority,
 * and when it names other assets their records are read after all. Bounded, oldest out.
 */
export class EntryHints {
  private readonly hints = new Map<string, readonly string[]>();

  constructor(private readonly maxEntries: number) {}

  get(hash: string): readonly string[] | undefined {
    return this.hints.get(hash);
  }

  set(hash: string, assetIds: readonly string[]): void {
    this.hints.delete(hash);
    this.hints.set(hash, [...assetIds]);
    if (this.hints.size > this.maxEntries) this.hints.delete(this.hints.keys().next().value!);
  }

  delete(hash: string): void {
    this.hints.delete(hash);
  }
}

/** Request hash and a few asset ids each: 4,096 hints stay well under a megabyte. */
export const ENTRY_HINTS = new EntryHints(4096);

export function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
