/**
 * Recently used content-addressed bytes kept in this isolate's memory, bounded by total size
 * and evicted least recently used first. Only for bytes that can never change under their key
 * (a preview of `<sha256>` is always the same WebP): a stale entry is impossible, and callers
 * still check the asset's record before they show one.
 */
export class BytesMemo {
  private readonly entries = new Map<string, Uint8Array>();
  private total = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string): Uint8Array | undefined {
    const bytes = this.entries.get(key);
    if (!bytes) return undefined;
    // Re-insert: Map order is the recency order.
    this.entries.delete(key);
    this.entries.set(key, bytes);
    return bytes;
  }

  set(key: string, bytes: Uint8Array): void {
    if (bytes.byteLength > this.maxBytes) return;
    this.delete(key);
    this.entries.set(key, bytes);
    this.total += bytes.byteLength;
    for (const [oldest, old] of this.entries) {
      if (this.total <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.total -= old.byteLength;
    }
  }

  delete(key: string): void {
    const bytes = this.entries.get(key);
    if (!bytes) return;
    this.entries.delete(key);
    this.total -= bytes.byteLength;
  }

  get bytes(): number {
    return this.total;
  }
}

/** Previews (≤512 px WebP, ~10–40 KB each) of recently shown assets: a cache hit skips one R2 read. */
export const PREVIEW_MEMO = new BytesMemo(8 * 1024 * 1024);
