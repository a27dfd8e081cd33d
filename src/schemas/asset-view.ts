import { z } from "zod";
import { signedDownloadUrl } from "../http/downloads";
import type { ContentBlock } from "../results";
import { toBase64 } from "../encoding";
import { image, text } from "../results";
import type { Services } from "../services";
import { kindPrefix, ASSET_KINDS } from "../store/asset-kinds";
import type { AssetRecord } from "../store/asset-record";
import { missingBlob } from "../store/asset-library";
import { ToolError } from "../errors";

/** How much of an asset's bytes a result carries: a small WebP preview, the full file, or neither. */
export const ReturnMode = z
  .enum(["preview", "full", "none"])
  .describe(
    "What to return besides links: `preview` (a WebP of at most 512 px, the default), `full` (the whole file as base64; large), or `none`.",
  );
export type ReturnMode = z.infer<typeof ReturnMode>;

export const AssetView = z.object({
  id: z.string().describe("The asset id: the SHA-256 of its bytes."),
  kind: z.enum(ASSET_KINDS),
  mimeType: z.string(),
  bytes: z.number().int(),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  uri: z.string().describe("asset:// URI, readable with resources/read."),
  downloadUrl: z.string().describe("Signed HTTPS URL; expires at downloadExpiresAt."),
  downloadExpiresAt: z.string(),
  createdAt: z.string(),
  lastVerifiedAt: z.string().optional(),
});
export type AssetView = z.infer<typeof AssetView>;

export function assetUri(record: Pick<AssetRecord, "kind" | "sha256">): string {
  return `asset://${kindPrefix(record.kind)}/${record.sha256}`;
}

export async function viewOf(record: AssetRecord, services: Services): Promise<AssetView> {
  const link = await signedDownloadUrl(services.baseUrl, record.sha256, record.ext, services.config, services.library.viewer);
  return {
    id: record.sha256,
    kind: record.kind,
    mimeType: record.mime,
    bytes: record.bytes,
    width: record.width,
    height: record.height,
    uri: assetUri(record),
    downloadUrl: link.url,
    downloadExpiresAt: link.expiresAt,
    createdAt: record.createdAt,
    lastVerifiedAt: record.lastVerifiedAt,
  };
}

/** A stored asset as a `resource_link` block (its `asset://` URI, file name, type and size). */
export function assetLink(record: AssetRecord): ContentBlock {
  return {
    type: "resource_link",
    uri: assetUri(record),
    name: `${record.sha256}.${record.ext}`,
    mimeType: record.mime,
    size: record.bytes,
  };
}

/**
 * Content blocks for one asset: a resource link always, plus a preview or the full
 * bytes as asked. Full bytes of images go as an image block, other kinds as an
 * embedded resource.
 */
export async function assetContent(record: AssetRecord, services: Services, mode: ReturnMode, bytes?: Uint8Array): Promise<ContentBlock[]> {
  const blocks: ContentBlock[] = [assetLink(record)];
  if (mode === "none") return blocks;
  if (record.kind === "image" && mode === "preview") {
    let preview: Uint8Array | undefined;
    try {
      preview = await services.library.preview(record, bytes, (source) => services.images.renderPreview(source));
    } catch (error) {
      // The asset is stored and linked; a preview the binding cannot render is no reason to fail the result.
      if (!(error instanceof ToolError) || error.code !== "upstream_error") throw error;
      return [...blocks, text(`No preview (${error.message}); the file itself is stored: fetch it with the link.`)];
    }
    if (!preview) throw missingBlob(record);
    return [image(preview, "image/webp"), ...blocks];
  }
  const data = bytes ?? (await services.library.readBytes(record));
  if (!data) throw missingBlob(record);
  if (record.kind === "image") return [image(data, record.mime), ...blocks];
  if (mode === "full" || record.mime === "application/json") {
    const resource =
      record.mime === "application/json"
        ? { uri: assetUri(record), mimeType: record.mime, text: new TextDecoder().decode(data) }
        : { uri: assetUri(record), mimeType: record.mime, blob: toBase64(data) };
    return [...blocks, { type: "resource", resource }];
  }
  return blocks;
}
