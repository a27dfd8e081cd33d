import { extensionFor, kindPrefix, type AssetKind } from "./asset-kinds";
import type { AssetIndex } from "./asset-index";
import { assetKey, type AssetOrigin, type AssetRecord } from "./asset-record";
import type { BlobStore } from "./blob-store";
import { sha256Hex } from "./hash";
import type { RequestCache } from "./request-cache";

export interface NewAsset {
  bytes: Uint8Array;
  kind: AssetKind;
  mime: string;
  width?: number;
  height?: number;
  origin: AssetOrigin;
}

export type VerifyStatus = "ok" | "corrupted" | "missing";

export interface VerifyReport {
  sha256: string;
  status: VerifyStatus;
  detail: string;
  record?: AssetRecord;
  checkedAt: string;
}

export interface DeleteReport {
  sha256: string;
  removedBlob: boolean;
  removedRecord: boolean;
  removedCacheEntries: number;
}

/**
 * Blobs and their records kept consistent: a blob is written before its record, and a
 * record is removed before its blob, so no listing ever shows a record whose blob is
 * missing; a failed record write removes the blob it just wrote.
 */
export class AssetLibrary {
  constructor(
    private readonly blobs: BlobStore,
    private readonly index: AssetIndex,
    private readonly cache: RequestCache,
    private readonly now: () => Date = () => new Date(),
  ) {}

  keyOf(record: Pick<AssetRecord, "kind" | "sha256" | "ext">): string {
    return assetKey(record, kindPrefix(record.kind));
  }

  /** Stores bytes once per content hash; an existing record is returned as it is. */
  async put(asset: NewAsset): Promise<{ record: AssetRecord; created: boolean }> {
    const sha256 = await sha256Hex(asset.bytes);
    const existing = await this.index.get(sha256);
    const record: AssetRecord = existing ?? {
      sha256,
      kind: asset.kind,
      mime: asset.mime,
      ext: extensionFor(asset.mime),
      bytes: asset.bytes.byteLength,
      width: asset.width,
      height: asset.height,
      createdAt: this.now().toISOString(),
      origin: asset.origin,
    };
    const key = this.keyOf(record);
    const wroteBlob = await this.blobs.putIfAbsent(key, asset.bytes, sha256, record.mime);
    if (existing) return { record: existing, created: false };
    try {
      await this.index.put(record);
    } catch (error) {
      if (wroteBlob) await this.blobs.delete(key).catch(() => undefined);
      throw error;
    }
    return { record, created: true };
  }

  get(sha256: string): Promise<AssetRecord | undefined> {
    return this.index.get(sha256);
  }

  async readBytes(record: AssetRecord): Promise<Uint8Array | undefined> {
    return this.blobs.getBytes(this.keyOf(record));
  }

  open(record: AssetRecord, options?: R2GetOptions): Promise<R2ObjectBody | R2Object | null> {
    return this.blobs.get(this.keyOf(record), options);
  }

  async verify(sha256: string): Promise<VerifyReport> {
    const checkedAt = this.now().toISOString();
    const record = await this.index.get(sha256);
    if (!record) return { sha256, status: "missing", detail: "No record with this id in the index.", checkedAt };
    const actual = await this.blobs.hashOf(this.keyOf(record));
    if (!actual) {
      return { sha256, status: "missing", detail: `The record exists but its blob ${this.keyOf(record)} is gone from R2.`, record, checkedAt };
    }
    if (actual.sha256 !== sha256 || actual.bytes !== record.bytes) {
      return {
        sha256,
        status: "corrupted",
        detail: `Stored bytes hash to ${actual.sha256} (${actual.bytes} bytes); the key and record say ${sha256} (${record.bytes} bytes).`,
        record,
        checkedAt,
      };
    }
    const verified = await this.index.markVerified(record, checkedAt);
    return { sha256, status: "ok", detail: "Blob re-read and re-hashed: matches key and record.", record: verified, checkedAt };
  }

  async delete(record: AssetRecord): Promise<DeleteReport> {
    await this.index.delete(record);
    const key = this.keyOf(record);
    const removedBlob = await this.blobs.exists(key);
    await this.blobs.delete(key);
    const removedCacheEntries = record.origin.requestHash && (await this.cache.delete(record.origin.requestHash)) ? 1 : 0;
    return { sha256: record.sha256, removedBlob, removedRecord: true, removedCacheEntries };
  }
}
