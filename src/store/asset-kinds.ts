/** What an asset is; decides its R2 key prefix and how tools present it. */
export const ASSET_KINDS = ["image", "analysis", "model"] as const;
export type AssetKind = (typeof ASSET_KINDS)[number];

const PREFIX: Record<AssetKind, string> = { image: "images", analysis: "analyses", model: "models" };
const KIND_BY_PREFIX = new Map(Object.entries(PREFIX).map(([kind, prefix]) => [prefix, kind as AssetKind]));

export function kindPrefix(kind: AssetKind): string {
  return PREFIX[kind];
}

export function kindFromPrefix(prefix: string): AssetKind | undefined {
  return KIND_BY_PREFIX.get(prefix);
}

const EXT_BY_MIME: Record<string, string> = {
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/webp": "webp",
  "image/gif": "gif",
  "image/avif": "avif",
  "image/svg+xml": "svg",
  "application/json": "json",
  "model/gltf-binary": "glb",
};

export function extensionFor(mime: string): string {
  return EXT_BY_MIME[mime] ?? "bin";
}

export function mimeForExtension(ext: string): string | undefined {
  for (const [mime, e] of Object.entries(EXT_BY_MIME)) if (e === ext) return mime;
  return undefined;
}
