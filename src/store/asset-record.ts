import type { AssetKind } from "./asset-kinds";

/** What made an asset: enough to explain it, reproduce the request, and trace lineage. */
export interface AssetOrigin {
  tool: string;
  model?: string;
  prompt?: string;
  parameters?: Record<string, unknown>;
  /** Content hashes of the assets this one was made from (edit inputs, analysed images). */
  parents?: string[];
  /** Where an input was fetched from, for inputs given as URLs. */
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
}

export function summarize(record: AssetRecord): AssetSummary {
  return {
    sha256: record.sha256,
    kind: record.kind,
    mime: record.mime,
    bytes: record.bytes,
    width: record.width,
    height: record.height,
    tool: record.origin.tool,
    createdAt: record.createdAt,
  };
}

/** `images/<sha256>.png`: the R2 key and the path of the download route. */
export function assetKey(record: Pick<AssetRecord, "kind" | "sha256" | "ext">, prefix: string): string {
  return `${prefix}/${record.sha256}.${record.ext}`;
}
