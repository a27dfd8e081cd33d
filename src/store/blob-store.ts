import { sha256Hex } from "./hash";

/**
 * Content-addressed blobs in R2. The key carries the SHA-256 of the bytes and R2 is
 * given the same hash on upload, so a corrupted upload is refused by R2 itself.
 */
export class BlobStore {
  constructor(private readonly bucket: R2Bucket) {}

  /** Stores bytes under `key` unless identical bytes are already there. Returns whether it wrote. */
  async putIfAbsent(key: string, bytes: Uint8Array, sha256: string, mime: string): Promise<boolean> {
    if (await this.bucket.head(key)) return false;
    await this.bucket.put(key, bytes, { sha256, httpMetadata: { contentType: mime } });
    return true;
  }

  /** Stores bytes under `key` whether or not something is there: for derived objects whose key cannot hold other bytes. */
  async put(key: string, bytes: Uint8Array, sha256: string, mime: string): Promise<void> {
    await this.bucket.put(key, bytes, { sha256, httpMetadata: { contentType: mime } });
  }

  get(key: string, options?: R2GetOptions): Promise<R2ObjectBody | R2Object | null> {
    return this.bucket.get(key, options);
  }

  async getBytes(key: string): Promise<Uint8Array | undefined> {
    const object = await this.bucket.get(key);
    return object ? new Uint8Array(await object.arrayBuffer()) : undefined;
  }

  async exists(key: string): Promise<boolean> {
    return (await this.bucket.head(key)) !== null;
  }

  delete(key: string): Promise<void> {
    return this.bucket.delete(key);
  }

  /** Re-reads the blob and hashes it: undefined when the blob is missing. */
  async hashOf(key: string): Promise<{ sha256: string; bytes: number } | undefined> {
    const bytes = await this.getBytes(key);
    if (!bytes) return undefined;
    return { sha256: await sha256Hex(bytes), bytes: bytes.byteLength };
  }

  /** Every key under a prefix, for consistency checks. */
  async *keys(prefix: string): AsyncGenerator<string> {
    let cursor: string | undefined;
    do {
      const page = await this.bucket.list({ prefix, cursor });
      for (const object of page.objects) yield object.key;
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
  }
}
