import { extensionFor, kindPrefix, type AssetKind } from "./asset-kinds";
import type { AssetIndex } from "./asset-index";
import { assetKey, type AssetOrigin, type AssetRecord } from "./asset-record";
import type { BlobStore } from "./blob-store";
import { PREVIEW_MEMO } from "./bytes-memo";
import { sha256Hex } from "./hash";
import type { RequestCache } from "./request-cache";
import type { RequestCoordinator, Settlement } from "./request-coordinator";

const LOCK_LEASE_MS = 30_000;
const LOCK_ROUNDS = 3;

/** Derived previews live under their own prefix: not assets, removed with their asset. */
export function previewKey(sha256: string): string {
  return `previews/${sha256}.webp`;
}

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
    /** Serializes the first write of new bytes; without it concurrent writers may each list the asset. */
    private readonly locks?: DurableObjectNamespace<RequestCoordinator>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  keyOf(record: Pick<AssetRecord, "kind" | "sha256" | "ext">): string {
    return assetKey(record, kindPrefix(record.kind));
  }

  /**
   * Stores bytes once per content hash; an existing record is returned as it is. The
   * first write of new bytes goes through a per-hash lock (the coordinator Durable
   * Object keyed `asset:<sha256>`): two writers would otherwise each stamp their own
   * creation time and leave two listing entries for one record.
   */
  async put(asset: NewAsset): Promise<{ record: AssetRecord; created: boolean }> {
    const sha256 = await sha256Hex(asset.bytes);
    const existing = await this.index.get(sha256);
    if (existing) {
      // Heal a record whose blob went missing, then answer with the record as it is.
      await this.blobs.putIfAbsent(this.keyOf(existing), asset.bytes, sha256, existing.mime);
      return { record: existing, created: false };
    }
    if (!this.locks) return this.create(sha256, asset);
    const lock = this.locks.get(this.locks.idFromName(`asset:${sha256}`));
    for (let round = 0; round < LOCK_ROUNDS; round++) {
      if ((await lock.claim(LOCK_LEASE_MS)) === "lead") {
        try {
          const made = await this.create(sha256, asset);
          await lock.settle({ ok: true, entry: { assetIds: [sha256], result: made.record, createdAt: made.record.createdAt } });
          return made;
        } catch (error) {
          await lock.settle({ ok: false, message: "write failed", code: "integrity", retryable: true }).catch(() => undefined);
          throw error;
        }
      }
      const settlement = (await lock.wait()) as Settlement | "expired";
      if (settlement !== "expired" && settlement.ok) return { record: settlement.entry.result as AssetRecord, created: false };
    }
    return this.create(sha256, asset);
  }

  /** Writes blob then record; a failed record write removes the blob it just wrote. */
  private async create(sha256: string, asset: NewAsset): Promise<{ record: AssetRecord; created: boolean }> {
    const existing = await this.index.get(sha256);
    if (existing) return { record: existing, created: false };
    const record: AssetRecord = {
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
    try {
      await this.index.put(record);
    } catch (error) {
      if (wroteBlob) await this.blobs.delete(key).catch(() => undefined);
      throw error;
    }
    return { record, created: true };
  }

  /**
   * The small WebP shown in results, rendered once and kept in R2 beside the asset
   * (`previews/<sha256>.webp`), so a cache hit does not render it again.
   */
  async preview(
    record: AssetRecord,
    bytes: Uint8Array | undefined,
    render: (bytes: Uint8Array) => Promise<{ bytes: Uint8Array }>,
  ): Promise<Uint8Array | undefined> {
    const key = previewKey(record.sha256);
    const remembered = PREVIEW_MEMO.get(key);
    if (remembered) return remembered;
    const stored = await this.blobs.getBytes(key);
    if (stored) {
      PREVIEW_MEMO.set(key, stored);
      return stored;
    }
    const source = bytes ?? (await this.readBytes(record));
    if (!source) return undefined;
    const rendered = (await render(source)).bytes;
    await this.blobs.putIfAbsent(key, rendered, await sha256Hex(rendered), "image/webp");
    PREVIEW_MEMO.set(key, rendered);
    return rendered;
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
      return {
        sha256,
        status: "missing",
        detail: `The record exists but its blob ${this.keyOf(record)} is gone from R2.`,
        record,
        checkedAt,
      };
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
    PREVIEW_MEMO.delete(previewKey(record.sha256));
    await Promise.all([this.blobs.delete(key), this.blobs.delete(previewKey(record.sha256))]);
    const removedCacheEntries = record.origin.requestHash && (await this.cache.delete(record.origin.requestHash)) ? 1 : 0;
    return { sha256: record.sha256, removedBlob, removedRecord: true, removedCacheEntries };
  }
}
