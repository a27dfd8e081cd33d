import { extensionFor, kindPrefix, type AssetKind } from "./asset-kinds";
import type { AssetIndex } from "./asset-index";
import { assetKey, type AssetOrigin, type AssetRecord } from "./asset-record";
import type { BlobStore } from "./blob-store";
import { PREVIEW_MEMO } from "./bytes-memo";
import { sha256Hex } from "./hash";
import type { RequestCache } from "./request-cache";
import type { AssetStats, RequestCoordinator, Settlement } from "./request-coordinator";
import { addOwner, canSee, LEGACY_OWNER_ID, OPEN_OWNER_ID, ownsAsset, type AssetOwner, type Viewer } from "./owners";
import { ToolError } from "../errors";

const LOCK_LEASE_MS = 30_000;
/** Waits for other holders before giving up: each wait ends when the holder settles or its lease runs out. */
const LOCK_ROUNDS = 8;

/** The error for a record that outlived its blob: the caller can check it with verify_asset. */
export function missingBlob(record: Pick<AssetRecord, "sha256">): ToolError {
  return new ToolError(`Asset ${record.sha256} has a record but its blob is missing; run verify_asset on it.`, "integrity");
}

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
  /**
   * Who stores these bytes: the library's own caller unless given (a pipeline storing for
   * someone else names them here). Bytes already stored gain this owner beside the others.
   */
  owner?: AssetOwner;
  /**
   * Bytes an upstream model just made: all but surely new, so the lock-free look for an existing
   * record is skipped (the locked write still finds one if it is there).
   */
  justMade?: boolean;
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
  /** The asset is gone for everyone (blob, record, preview, cache entries). */
  deleted: boolean;
  /** The caller's own claim was removed (the others keep the asset). */
  releasedClaim: boolean;
  /** Callers still holding a claim (a legacy record's permanent claim is not one). */
  ownersLeft: number;
  /** Nothing was changed: the caller neither owns the asset nor is an admin. */
  refused?: "not_owner";
}

/** A library without a caller (single-writer tests, tools of the operator): the open server's owner, with admin rights. */
const OPERATOR: Viewer = { owner: { id: OPEN_OWNER_ID }, admin: true, mode: "team" };

/**
 * Blobs and their records kept consistent: a blob is written before its record, and a
 * record is removed before its blob, so no listing ever shows a record whose blob is
 * missing. Every write for one hash (a put that writes, a verify that stamps the record, a
 * delete) holds that hash's lock, the coordinator Durable Object keyed `asset:<sha256>`:
 * a delete can never interleave with a put of the same bytes or a verify, so no verify
 * writes back a record deleted meanwhile and no put heals a blob a delete then removes.
 */
export class AssetLibrary {
  constructor(
    private readonly blobs: BlobStore,
    private readonly index: AssetIndex,
    private readonly cache: RequestCache,
    /** The per-hash locks; without them (single-writer tests) writes run unserialized. */
    private readonly locks?: DurableObjectNamespace<RequestCoordinator>,
    private readonly now: () => Date = () => new Date(),
    /** Whose library this is: the owner new bytes get, and what `get` shows (see owners.ts). */
    readonly viewer: Viewer = OPERATOR,
  ) {}

  keyOf(record: Pick<AssetRecord, "kind" | "sha256" | "ext">): string {
    return assetKey(record, kindPrefix(record.kind));
  }

  /**
   * Stores bytes once per content hash; an existing record is returned as it is. A record
   * whose blob is present needs no write and no lock; anything else (new bytes, a blob to
   * heal) is written under the hash's lock. Writers waiting on a put of the same bytes take
   * its record when it settles instead of writing again.
   */
  async put(asset: NewAsset): Promise<{ record: AssetRecord; created: boolean }> {
    const owner = asset.owner ?? this.viewer.owner;
    const sha256 = await sha256Hex(asset.bytes);
    const existing = asset.justMade ? undefined : await this.index.get(sha256);
    if (existing && !addOwner(existing.owners, owner) && (await this.blobs.exists(this.keyOf(existing)))) {
      return { record: existing, created: false };
    }
    return this.locked(
      sha256,
      () => this.create(sha256, asset, owner),
      (made) => ({ ok: true, entry: { assetIds: [sha256], result: made.record, createdAt: made.record.createdAt } }),
      // A waiter takes the holder's record only when it already names the waiter's owner; otherwise it adds itself.
      (settlement) => {
        const record = settlement.ok ? (settlement.entry.result as AssetRecord) : undefined;
        return record && !addOwner(record.owners, owner) ? { record, created: false } : undefined;
      },
    );
  }

  /**
   * Makes `owner` (by default this library's caller) an owner of stored records it did not
   * store itself: a caller who joined someone's job, or got a team cache hit, owns the
   * result too. Records deleted meanwhile are left out.
   */
  async claim(records: AssetRecord[], owner: AssetOwner = this.viewer.owner): Promise<AssetRecord[]> {
    const claimed = await Promise.all(
      records.map((record) =>
        addOwner(record.owners, owner)
          ? this.locked(
              record.sha256,
              async () => {
                const current = await this.index.get(record.sha256);
                const owners = current && addOwner(current.owners, owner);
                if (!current || !owners) return current;
                const updated = { ...current, owners };
                await this.index.put(updated);
                return updated;
              },
              () => RELEASED,
            )
          : record,
      ),
    );
    return claimed.filter((r): r is AssetRecord => r !== undefined);
  }

  /**
   * Runs `work` holding the hash's lock. A waiter whose `adopt` accepts the holder's
   * settlement answers with it; any other waiter claims the lock in turn.
   */
  private async locked<T>(
    sha256: string,
    work: () => Promise<T>,
    settlementOf: (value: T) => Settlement,
    adopt: (settlement: Settlement) => T | undefined = () => undefined,
  ): Promise<T> {
    if (!this.locks) return work();
    const lock = this.locks.get(this.locks.idFromName(`asset:${sha256}`));
    for (let round = 0; round < LOCK_ROUNDS; round++) {
      if ((await lock.claim(LOCK_LEASE_MS)) === "lead") {
        let value: T;
        try {
          value = await work();
        } catch (error) {
          await lock.settle(RELEASED_AFTER_FAILURE).catch(() => undefined);
          throw error;
        }
        await lock.settle(settlementOf(value)).catch(() => undefined);
        return value;
      }
      const settlement = (await lock.wait()) as Settlement | "expired";
      const adopted = settlement === "expired" ? undefined : adopt(settlement);
      if (adopted !== undefined) return adopted;
    }
    throw new ToolError(
      `Asset ${sha256} is busy: other writes to it kept holding its lock. Nothing was changed by this call; try again shortly.`,
      "timeout",
    );
  }

  /**
   * Writes blob then record, or heals a record's missing blob. A failed record write rolls
   * back what it wrote: the record and its listing entries first, then the blob.
   */
  private async create(sha256: string, asset: NewAsset, owner: AssetOwner): Promise<{ record: AssetRecord; created: boolean }> {
    const ext = extensionFor(asset.mime);
    const key = this.keyOf({ kind: asset.kind, sha256, ext });
    // Both reads at once: new bytes (the usual case here) need the answer to both.
    const [existing, blobThere] = await Promise.all([this.index.get(sha256), this.blobs.exists(key)]);
    if (existing) {
      // Heals a missing blob; for the record's usual key the check above has already answered.
      const existingKey = this.keyOf(existing);
      if (existingKey !== key) await this.blobs.putIfAbsent(existingKey, asset.bytes, sha256, existing.mime);
      else if (!blobThere) await this.blobs.put(key, asset.bytes, sha256, existing.mime);
      const owners = addOwner(existing.owners, owner);
      if (!owners) return { record: existing, created: false };
      const updated = { ...existing, owners };
      await this.index.put(updated);
      return { record: updated, created: false };
    }
    const record: AssetRecord = {
      sha256,
      kind: asset.kind,
      mime: asset.mime,
      ext,
      bytes: asset.bytes.byteLength,
      width: asset.width,
      height: asset.height,
      createdAt: this.now().toISOString(),
      origin: asset.origin,
      owners: [owner],
    };
    const wroteBlob = !blobThere;
    if (wroteBlob) await this.blobs.put(key, asset.bytes, sha256, record.mime);
    try {
      await this.index.put(record);
    } catch (error) {
      await this.index.delete(record).catch(() => undefined);
      if (wroteBlob) await this.blobs.delete(key).catch(() => undefined);
      throw error;
    }
    await this.adjustStats(record, 1);
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

  /**
   * A preview rendered on a miss from the bytes in hand: remembered at once, so the result and
   * this isolate's cache hits read it from memory, and written to R2 for other isolates (no
   * existence check first: the key is new with its asset, and the same bytes may land twice).
   */
  async keepPreview(sha256: string, rendered: Uint8Array): Promise<void> {
    const key = previewKey(sha256);
    PREVIEW_MEMO.set(key, rendered);
    await this.blobs.put(key, rendered, await sha256Hex(rendered), "image/webp");
  }

  /** The record, if this library's caller may see it (private library: only its own); otherwise undefined, as if missing. */
  async get(sha256: string): Promise<AssetRecord | undefined> {
    const record = await this.index.get(sha256);
    return record && canSee(record, this.viewer) ? record : undefined;
  }

  /** The record whoever owns it: for signed downloads (which carry their own proof) and storage checks. */
  getStored(sha256: string): Promise<AssetRecord | undefined> {
    return this.index.get(sha256);
  }

  async readBytes(record: AssetRecord): Promise<Uint8Array | undefined> {
    return this.blobs.getBytes(this.keyOf(record));
  }

  /** The bytes of an asset a result must show: a record whose blob is gone is an integrity error, not an empty result. */
  async requireBytes(record: AssetRecord): Promise<Uint8Array> {
    const bytes = await this.readBytes(record);
    if (!bytes) throw missingBlob(record);
    return bytes;
  }

  open(record: AssetRecord, options?: R2GetOptions): Promise<R2ObjectBody | R2Object | null> {
    return this.blobs.get(this.keyOf(record), options);
  }

  /**
   * Re-reads and re-hashes the blob under the hash's lock, so the record it stamps as
   * verified is the one still stored: a delete waits for it, or it waits for the delete
   * and then finds no record.
   */
  verify(sha256: string): Promise<VerifyReport> {
    return this.locked(
      sha256,
      () => this.verifyNow(sha256),
      () => RELEASED,
    );
  }

  private async verifyNow(sha256: string): Promise<VerifyReport> {
    const checkedAt = this.now().toISOString();
    // A record the caller may not see (private library) answers exactly like a missing one.
    const record = await this.get(sha256);
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

  /**
   * Removes the asset for everyone (as stored now, under the hash's lock): the record, then
   * the blob, its preview and every cache entry that returned it (the team's and each owner's).
   */
  delete(record: AssetRecord): Promise<DeleteReport> {
    return this.locked(
      record.sha256,
      () => this.deleteNow(record),
      () => RELEASED,
    );
  }

  /**
   * What delete_asset does, decided under the hash's lock on the record as stored now: an
   * admin removes the asset outright; an owner removes its own claim, and the asset goes
   * with its last owner; anyone else changes nothing (`refused`).
   */
  deleteAsCaller(record: AssetRecord): Promise<DeleteReport> {
    return this.locked(
      record.sha256,
      async () => {
        const current = await this.index.get(record.sha256);
        const me = this.viewer.owner.id;
        if (this.viewer.admin) return this.deleteNow(current ?? record);
        if (!current) return this.deleteNow(record);
        if (!ownsAsset(current, me)) {
          return { ...nothingRemoved(current.sha256), releasedClaim: false, ownersLeft: claimsIn(current.owners), refused: "not_owner" };
        }
        const others = (current.owners ?? []).filter((o) => o.id !== me);
        if (others.length === 0) return { ...(await this.deleteNow(current)), releasedClaim: true };
        await this.index.put({ ...current, owners: others });
        // In a private library the caller's own cache entry must not answer with an asset it no longer owns.
        // (A team's shared entry stays: the other owners still use it.)
        const ownEntry = this.viewer.mode === "private" ? current.origin.requestHash : undefined;
        const removedCacheEntries = ownEntry && (await this.cache.delete(ownEntry)) ? 1 : 0;
        return { ...nothingRemoved(current.sha256), removedCacheEntries, releasedClaim: true, ownersLeft: claimsIn(others) };
      },
      () => RELEASED,
    );
  }

  private async deleteNow(given: AssetRecord): Promise<DeleteReport> {
    const current = await this.index.get(given.sha256);
    const record = current ?? given;
    if (current) {
      await this.index.delete(current);
      await this.adjustStats(current, -1);
    }
    const key = this.keyOf(record);
    const removedBlob = await this.blobs.exists(key);
    PREVIEW_MEMO.delete(previewKey(record.sha256));
    await Promise.all([this.blobs.delete(key), this.blobs.delete(previewKey(record.sha256))]);
    const owners = (record.owners ?? []).map((o) => o.id);
    const removedCacheEntries = record.origin.requestHash ? await this.cache.deleteEverywhere(record.origin.requestHash, owners) : 0;
    return {
      sha256: record.sha256,
      removedBlob,
      removedRecord: current !== undefined,
      removedCacheEntries,
      deleted: true,
      releasedClaim: ownsAsset(record, this.viewer.owner.id),
      ownersLeft: 0,
    };
  }

  /** Counts and bytes by kind from the counters; the first call (or a store without locks) walks the index once. */
  async stats(kinds: readonly AssetKind[]): Promise<AssetStats> {
    const counter = this.statsCounter();
    const kept = await counter?.assetStats();
    if (kept) return kept;
    const walked: AssetStats = Object.fromEntries(kinds.map((k) => [k, { count: 0, bytes: 0 }]));
    for await (const summary of this.index.all()) {
      const bucket = walked[summary.kind];
      if (!bucket) throw new ToolError(`Index holds an asset of unknown kind ${summary.kind}.`, "integrity");
      bucket.count += 1;
      bucket.bytes += summary.bytes;
    }
    return counter ? counter.seedAssetStats(walked) : walked;
  }

  private statsCounter() {
    return this.locks?.get(this.locks.idFromName("asset-stats"));
  }

  /** A counter that misses one change drifts by one asset in server_status; never worth failing a put or delete for. */
  private async adjustStats(record: AssetRecord, count: 1 | -1): Promise<void> {
    await this.statsCounter()
      ?.adjustAssetStats(record.kind, count, count * record.bytes)
      .catch(() => undefined);
  }
}

function nothingRemoved(sha256: string) {
  return { sha256, deleted: false, removedBlob: false, removedRecord: false, removedCacheEntries: 0 };
}

const claimsIn = (owners: readonly AssetOwner[] | undefined) => (owners ?? []).filter((o) => o.id !== LEGACY_OWNER_ID).length;

/** What a verify or delete leaves for waiters: nothing to adopt, so each claims the lock itself. */
const RELEASED: Settlement = { ok: false, message: "released", code: "integrity", retryable: true };
const RELEASED_AFTER_FAILURE: Settlement = { ok: false, message: "write failed", code: "integrity", retryable: true };
