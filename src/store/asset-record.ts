import type { AssetKind } from "./asset-kinds";
import type { AssetOwner } from "./owners";

/** What made an asset: enough to explain it, reproduce the request, and trace lineage. */
export interface AssetOrigin {
  tool: string;
  model?: string;
  prompt?: string;
  parameters?: Record<string, unknown>;
  /** Content hashes of the assets this one was made from (edit inputs, analysed images). */
  parents?: string[];
  /** Where an input was fetched from, for inputs given as URLs: origin and path only (no query, no credentials). */
  sourceUrl?: string;
  /** The request-cache key whose result includes this asset; deleting the asset drops that entry. */
  requestHash?: string;
}

/** The verification record kept in KV under `asset:<sha256>`. */
export interface AssetRecord {
  sha256: string;
  kind: AssetKind;
  mime: string;
  ext: string;
  bytes: number;
  width?: number;
  height?: number;
  createdAt: string;
  lastVerifiedAt?: string;
  origin: AssetOrigin;
  /**
   * Who made or stored these bytes, in the order they did. Absent on records made before
   * owners were recorded (legacy: owned by nobody, visible in a team library, deleted only
   * by an admin). Never empty: the record goes with its last owner.
   */
  owners?: AssetOwner[];
}

/** The slice of a record kept in KV list metadata (≤ 1 KiB), so listing needs no per-asset reads. */
export interface AssetSummary {
  sha256: string;
  kind: AssetKind;
  mime: string;
  bytes: number;
  width?: number;
  height?: number;
  tool: string;
  createdAt: string;
  /** As many of the record's owners as fit the metadata limit (absent: a legacy record). */
  owners?: AssetOwner[];
  /** How many owners the record has, when `owners` had to leave some out. */
  ownerCount?: number;
}

/** KV refuses list metadata over 1024 bytes of JSON; this leaves room for the count. */
export const SUMMARY_METADATA_BYTES = 1000;
/** Display names are cut to this in listings (the record keeps them whole). */
const LISTED_NAME_CHARS = 48;

const jsonBytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).byteLength;

/**
 * The listing slice of a record. Owners are added while the JSON stays within
 * SUMMARY_METADATA_BYTES; when some are left out, `ownerCount` says so and a listing that
 * filters by owner reads the full record for that asset.
 */
export function summarize(record: AssetRecord): AssetSummary {
  const summary: AssetSummary = {
    sha256: record.sha256,
    kind: record.kind,
    mime: record.mime,
    bytes: record.bytes,
    width: record.width,
    height: record.height,
    tool: record.origin.tool,
    createdAt: record.createdAt,
  };
  if (!record.owners) return summary;
  const listed: AssetOwner[] = [];
  summary.owners = listed;
  for (const owner of record.owners) {
    const short = owner.name ? { id: owner.id, name: owner.name.slice(0, LISTED_NAME_CHARS) } : { id: owner.id };
    listed.push(short);
    if (jsonBytes({ ...summary, ownerCount: record.owners.length }) > SUMMARY_METADATA_BYTES) {
      listed.pop();
      break;
    }
  }
  if (listed.length < record.owners.length) summary.ownerCount = record.owners.length;
  return summary;
}

/** Whether a summary lists every owner of its record (so an owner filter needs no record read). */
export function listsEveryOwner(summary: AssetSummary): boolean {
  return summary.ownerCount === undefined;
}

/** `images/<sha256>.png`: the R2 key and the path of the download route. */
export function assetKey(record: Pick<AssetRecord, "kind" | "sha256" | "ext">, prefix: string): string {
  return `${prefix}/${record.sha256}.${record.ext}`;
}
