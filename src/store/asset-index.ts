import { fromBase64, toBase64Url } from "../encoding";
import { ToolError } from "../errors";
import type { AssetKind } from "./asset-kinds";
import { listsEveryOwner, summarize, type AssetRecord, type AssetSummary } from "./asset-record";
import { ownsAsset } from "./owners";

export interface ListQuery {
  kind?: AssetKind;
  tool?: string;
  /** ISO times bounding createdAt (inclusive). */
  since?: string;
  until?: string;
  limit: number;
  cursor?: string;
  /** Only assets this owner (a caller's pseudonym) has a claim on. */
  owner?: string;
}

export interface ListPage {
  assets: AssetSummary[];
  cursor?: string;
}

/** Newest first: KV lists keys in ascending order, so recency keys hold an inverted timestamp. */
const MAX_TIME = 9_999_999_999_999;
function recencyStamp(iso: string): string {
  return String(MAX_TIME - Date.parse(iso)).padStart(13, "0");
}

const BAD_CURSOR =
  "cursor: not a cursor from list_assets. Pass the cursor of the previous page unchanged, with the same kind filter, or leave it out to start from the newest.";

/**
 * The caller's cursor wraps KV's with the listing it belongs to: KV itself takes any
 * string (a made-up one lists from an arbitrary key), so a foreign or mangled cursor,
 * or one from a listing of another kind, is refused instead of paging wrongly.
 */
function sealCursor(kvCursor: string, prefix: string): string {
  return `c1.${toBase64Url(new TextEncoder().encode(JSON.stringify({ prefix, kv: kvCursor })))}`;
}

function openCursor(cursor: string, prefix: string): string {
  const bytes = cursor.startsWith("c1.") ? fromBase64(cursor.slice(3)) : undefined;
  let sealed: unknown;
  try {
    sealed = bytes ? JSON.parse(new TextDecoder().decode(bytes)) : undefined;
  } catch {
    sealed = undefined;
  }
  const ok =
    typeof sealed === "object" &&
    sealed !== null &&
    "prefix" in sealed &&
    "kv" in sealed &&
    sealed.prefix === prefix &&
    typeof sealed.kv === "string";
  if (!ok) throw new ToolError(BAD_CURSOR, "invalid_input");
  return (sealed as { kv: string }).kv;
}

/** Pages scanned for one filtered listing before handing the caller a cursor to go on. */
const MAX_PAGES_PER_LIST = 5;

/**
 * The verification index in KV. `asset:<sha256>` holds the full record; two recency
 * keys (all kinds, and per kind) carry the record's summary as list metadata, so a
 * listing costs one KV list call per page instead of one read per asset.
 */
export class AssetIndex {
  constructor(private readonly kv: KVNamespace) {}

  async get(sha256: string): Promise<AssetRecord | undefined> {
    return (await this.kv.get<AssetRecord>(`asset:${sha256}`, "json")) ?? undefined;
  }

  async put(record: AssetRecord): Promise<void> {
    const metadata = summarize(record);
    // All at once, each let finish before a failure is reported: the caller's rollback (delete) must
    // not run while a write it is undoing is still landing.
    const writes = await Promise.allSettled([
      this.kv.put(`asset:${record.sha256}`, JSON.stringify(record), { metadata }),
      ...this.recencyKeys(record).map((key) => this.kv.put(key, "", { metadata })),
    ]);
    const failed = writes.find((write) => write.status === "rejected");
    if (failed) throw failed.reason;
  }

  async markVerified(record: AssetRecord, at: string): Promise<AssetRecord> {
    const updated = { ...record, lastVerifiedAt: at };
    await this.kv.put(`asset:${record.sha256}`, JSON.stringify(updated), { metadata: summarize(updated) });
    return updated;
  }

  async delete(record: AssetRecord): Promise<void> {
    // The record goes first: a record must never outlive its listing entries' blob.
    await this.kv.delete(`asset:${record.sha256}`);
    await Promise.all(this.recencyKeys(record).map((key) => this.kv.delete(key)));
  }

  async list(query: ListQuery): Promise<ListPage> {
    const prefix = query.kind ? `recent-kind:${query.kind}:` : "recent:";
    const assets: AssetSummary[] = [];
    let cursor = query.cursor === undefined ? undefined : openCursor(query.cursor, prefix);
    for (let page = 0; page < MAX_PAGES_PER_LIST; page++) {
      const result = await this.kv.list<AssetSummary>({ prefix, cursor, limit: query.limit });
      for (const key of result.keys) {
        const summary = key.metadata;
        if (!summary) continue;
        if (query.since && summary.createdAt < query.since) return { assets }; // older from here on
        if (query.until && summary.createdAt > query.until) continue;
        if (query.tool && summary.tool !== query.tool) continue;
        if (query.owner !== undefined && !(await this.ownedBy(summary, query.owner))) continue;
        assets.push(summary);
      }
      cursor = result.list_complete ? undefined : result.cursor;
      if (!cursor || assets.length > 0) break;
    }
    return { assets, cursor: cursor === undefined ? undefined : sealCursor(cursor, prefix) };
  }

  /** From the listing alone, unless the summary had to leave owners out: then from the record. */
  private async ownedBy(summary: AssetSummary, owner: string): Promise<boolean> {
    if (ownsAsset(summary, owner)) return true;
    if (listsEveryOwner(summary)) return false;
    const record = await this.get(summary.sha256);
    return record !== undefined && ownsAsset(record, owner);
  }

  /** Every record summary, for status counts and consistency checks. */
  async *all(): AsyncGenerator<AssetSummary> {
    let cursor: string | undefined;
    do {
      const page = await this.kv.list<AssetSummary>({ prefix: "asset:", cursor });
      for (const key of page.keys) if (key.metadata) yield key.metadata;
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor);
  }

  private recencyKeys(record: AssetRecord): string[] {
    const stamp = recencyStamp(record.createdAt);
    return [`recent:${stamp}:${record.sha256}`, `recent-kind:${record.kind}:${stamp}:${record.sha256}`];
  }
}
