import { z } from "zod";
import { ToolError } from "../errors";
import { checkImageUrl } from "./guarded-fetch";

/**
 * One image input in a tool's input schema. A plain string, so any client can pass it;
 * `classifyImageInput` tells the three forms apart when the tool runs.
 */
export const imageInputSchema = z
  .string()
  .min(1)
  .describe(
    "An image, given as one of: (1) an asset id, the 64-character lowercase hex sha256 that this server's tools return " +
      "(also accepted as its asset:// URI or this server's download link); (2) a public https URL of a PNG, JPEG, WebP or GIF file (no http, no private " +
      "or local addresses); (3) the image file's bytes as base64 or a data URL such as `data:image/png;base64,iVBOR...`. " +
      "Prefer an asset id or URL: requests over a few MB are refused, so base64 suits small images only. " +
      "Local file paths cannot be read by this remote server: for a file on the user's computer call create_upload and use the asset id it returns.",
  );

export type ImageInput = { kind: "asset"; sha256: string } | { kind: "url"; url: string } | { kind: "inline"; text: string };

const ASSET_ID = /^[0-9a-f]{64}$/i;
/** `asset://{kind}/{sha256}`, as in this server's resource links, optionally with an extension. */
const ASSET_URI = /^asset:\/\/[^/?#]+\/([0-9a-f]{64})(?:\.[a-z0-9]+)?$/i;
const URL_SCHEME = /^([a-z][a-z0-9+.-]*):/i;
const BASE64_TEXT = /^[A-Za-z0-9+/_\-\s]+={0,2}$/;
const HEX_ONLY = /^[0-9a-f]+$/i;
/** Pure hex this short is a mistyped asset id, not base64 of an image. */
const MAX_MISTYPED_ASSET_ID_LENGTH = 128;
const WINDOWS_DRIVE = /^[a-z]:[\\/]/i;
const LOOKS_LIKE_PATH = /^(?:\/|\.{1,2}[\\/]|~[\\/]?|\\\\)|\\/;
const BARE_FILE_NAME = /^[^/\\:]+\.(?:png|jpe?g|webp|gif|avif|heic|heif|bmp|tiff?)$/i;
const BARE_HOST_AND_PATH = /^[a-z0-9-]+(?:\.[a-z0-9-]+)+(?::\d+)?(?:[/?#]|$)/i;
const FORMS = "an asset id (64 hex characters), an https URL, or the image's bytes as base64 or a data URL";

/**
 * Tells which of the three forms an image input is. URLs are checked (https only, no
 * credentials, no private or local hosts) here already, so a bad URL fails before any
 * other work; base64 is only recognised here and decoded later by `decodeBase64Image`.
 */
export function classifyImageInput(value: string): ImageInput {
  const text = value.trim();
  if (text === "") throw invalid(`The image input is empty: give ${FORMS}.`);
  if (ASSET_ID.test(text)) return { kind: "asset", sha256: text.toLowerCase() };
  const assetUri = ASSET_URI.exec(text);
  if (assetUri?.[1]) return { kind: "asset", sha256: assetUri[1].toLowerCase() };
  if (/^data:/i.test(text)) return { kind: "inline", text };
  if (WINDOWS_DRIVE.test(text)) throw localPath(text);
  if (BARE_FILE_NAME.test(text)) throw localPath(text);
  if (!text.includes("://") && BARE_HOST_AND_PATH.test(text)) {
    throw invalid(`${shorten(text)} has no scheme: if it is a web address, pass it as https://${shorten(text, false)}.`);
  }
  const scheme = URL_SCHEME.exec(text)?.[1]?.toLowerCase();
  if (scheme === "file") throw localPath(text);
  if (scheme === "asset")
    throw invalid(`The asset URI ${shorten(text)} does not end in a 64-character hex asset id: pass the asset id itself.`);
  if (scheme !== undefined) return { kind: "url", url: checkImageUrl(text).href };
  if (HEX_ONLY.test(text) && text.length <= MAX_MISTYPED_ASSET_ID_LENGTH) {
    throw invalid(
      `${shorten(text)} looks like an asset id but has ${text.length} hex characters instead of 64: pass the full id as returned by the tool.`,
    );
  }
  if (BASE64_TEXT.test(text)) return { kind: "inline", text };
  if (LOOKS_LIKE_PATH.test(text)) throw localPath(text);
  throw invalid(`The image input ${shorten(text)} is not ${FORMS}.`);
}

function localPath(text: string): ToolError {
  return invalid(
    `${shorten(text)} looks like a local file path, which this remote server cannot read: ` +
      "call create_upload for an upload link and pass the asset id it returns, or send a small file's bytes as base64 (or a data URL).",
  );
}

function invalid(message: string): ToolError {
  return new ToolError(message, "invalid_input");
}

/** Inputs may be megabytes of base64: quote only their start. */
function shorten(text: string, quoted = true): string {
  const short = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return quoted ? JSON.stringify(short) : short;
}
