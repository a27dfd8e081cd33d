import { fromBase64 } from "../encoding";
import { ToolError } from "../errors";

/** A raster format recognised by its leading bytes; `ext` matches the asset store's extensions. */
export interface ImageType {
  mime: string;
  ext: string;
}

const PNG: ImageType = { mime: "image/png", ext: "png" };
const JPEG: ImageType = { mime: "image/jpeg", ext: "jpg" };
const WEBP: ImageType = { mime: "image/webp", ext: "webp" };
const GIF: ImageType = { mime: "image/gif", ext: "gif" };
const AVIF: ImageType = { mime: "image/avif", ext: "avif" };
const HEIC: ImageType = { mime: "image/heic", ext: "heic" };
const BMP: ImageType = { mime: "image/bmp", ext: "bmp" };

/** For error messages: the formats `sniffImageType` knows. */
export const SNIFFABLE_FORMATS = "PNG, JPEG, WebP, GIF, AVIF, HEIC or BMP";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const AVIF_BRANDS = new Set(["avif", "avis"]);
const HEIC_BRANDS = new Set(["heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs"]);
/** BITMAPCOREHEADER, the OS/2 variants, and BITMAPINFOHEADER through BITMAPV5HEADER. */
const BMP_DIB_HEADER_SIZES = new Set([12, 16, 40, 52, 56, 64, 108, 124]);

/**
 * The image format of `bytes` judged by magic bytes alone (never by a declared type,
 * which clients and servers get wrong). SVG is deliberately not recognised: it is a
 * document that can carry scripts and external references, not a raster image.
 */
export function sniffImageType(bytes: Uint8Array): ImageType | undefined {
  if (startsWith(bytes, PNG_SIGNATURE)) return PNG;
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return JPEG;
  if (ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 4) === "WEBP") return WEBP;
  const gifHeader = ascii(bytes, 0, 6);
  if (gifHeader === "GIF87a" || gifHeader === "GIF89a") return GIF;
  return sniffIsoBmff(bytes) ?? sniffBmp(bytes);
}

/** AVIF and HEIC are ISO-BMFF files whose first box is `ftyp`; the brands name the format. */
function sniffIsoBmff(bytes: Uint8Array): ImageType | undefined {
  if (bytes.length < 16 || ascii(bytes, 4, 4) !== "ftyp") return undefined;
  const boxSize = readUint32BE(bytes, 0);
  if (boxSize < 16 || boxSize % 4 !== 0) return undefined;
  // Major brand at 8, minor version at 12, compatible brands from 16 to the end of the box.
  const brands = [ascii(bytes, 8, 4)];
  for (let offset = 16; offset + 4 <= Math.min(boxSize, bytes.length); offset += 4) brands.push(ascii(bytes, offset, 4));
  // The major brand decides first: an AVIF file may list `heic`-family brands too, and vice versa.
  for (const brand of brands) {
    if (AVIF_BRANDS.has(brand)) return AVIF;
    if (HEIC_BRANDS.has(brand)) return HEIC;
  }
  return undefined;
}

/** "BM" alone is too weak (plain text can start with it), so also check the DIB header size. */
function sniffBmp(bytes: Uint8Array): ImageType | undefined {
  if (bytes.length < 18 || ascii(bytes, 0, 2) !== "BM") return undefined;
  const reserved = readUint32BE(bytes, 6);
  const dibHeaderSize = readUint32LE(bytes, 14);
  return reserved === 0 && BMP_DIB_HEADER_SIZES.has(dibHeaderSize) ? BMP : undefined;
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((byte, i) => bytes[i] === byte);
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  if (bytes.length < offset + length) return "";
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

function readUint32BE(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset + offset, 4).getUint32(0, false);
}

function readUint32LE(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset + offset, 4).getUint32(0, true);
}

/** Older spellings clients still put in data URLs. */
const MIME_ALIASES: Record<string, string> = {
  "image/jpg": "image/jpeg",
  "image/pjpeg": "image/jpeg",
  "image/x-png": "image/png",
  "image/x-ms-bmp": "image/bmp",
  "image/heif": "image/heic",
};

const BASE64_BODY = /^[A-Za-z0-9+/_-]*={0,2}$/;
const WHITESPACE = /\s+/g;
const INLINE_ALTERNATIVES = "pass an https URL or an asset id instead, or re-encode the file as standard base64";

/**
 * Decodes an inline image: raw base64 (standard or URL-safe alphabet, padded or not,
 * whitespace and line breaks ignored) or a `data:image/…;base64,` URL. The size is
 * checked from the text's length before anything is decoded, and the result must be
 * an image by its magic bytes (matching the data URL's declared type, if any).
 */
export function decodeBase64Image(text: string, maxBytes: number): Uint8Array {
  const trimmed = text.trim();
  if (trimmed === "")
    throw invalid("The inline image is empty: send the image's bytes as base64 or a data URL, or pass an https URL or an asset id.");
  const { declaredMime, payload } = splitDataUrl(trimmed);
  const base64 = payload.replace(WHITESPACE, "");
  if (base64 === "") throw invalid("The inline image has no data after the data URL's comma: put the base64 bytes after `base64,`.");
  if (!BASE64_BODY.test(base64) || base64.length % 4 === 1) {
    throw invalid(
      `The inline image is not valid base64 (only A–Z, a–z, 0–9, + / or - _, and = padding at the end are allowed): ${INLINE_ALTERNATIVES}.`,
    );
  }
  const size = decodedLength(base64);
  if (size > maxBytes) {
    throw new InputTooLarge(
      `The inline image is ${formatBytes(size)}, over the ${formatBytes(maxBytes)} limit for inline images: ` +
        "downscale or compress it, or pass an https URL or an asset id instead.",
    );
  }
  const bytes = decodeBase64(base64);
  if (bytes.length === 0) throw invalid("The inline image decodes to zero bytes: send the image's bytes as base64.");
  const sniffed = sniffImageType(bytes);
  if (!sniffed) {
    throw invalid(
      `The inline data decodes to ${formatBytes(bytes.length)} that are not a ${SNIFFABLE_FORMATS} image (checked by its leading bytes): ` +
        "encode the image file itself (not a path, a page or a thumbnail URL) as base64.",
    );
  }
  if (declaredMime && declaredMime !== sniffed.mime) {
    throw invalid(
      `The data URL declares ${declaredMime} but the bytes are ${sniffed.mime}: ` +
        `fix the prefix to \`data:${sniffed.mime};base64,\` or send the raw base64 without a prefix.`,
    );
  }
  return bytes;
}

/** Splits `data:image/png;base64,XXXX` into its declared type and payload; raw base64 passes through. */
function splitDataUrl(text: string): { declaredMime?: string; payload: string } {
  if (!/^data:/i.test(text)) return { payload: text };
  const comma = text.indexOf(",");
  if (comma < 0) throw invalid("The data URL has no comma: use the form `data:image/png;base64,<base64 bytes>`.");
  const [type = "", ...parameters] = text
    .slice("data:".length, comma)
    .split(";")
    .map((part) => part.trim().toLowerCase());
  if (!parameters.includes("base64")) {
    throw invalid(
      "The data URL is not base64-encoded: use the form `data:image/png;base64,<base64 bytes>` (percent-encoded data URLs are not accepted).",
    );
  }
  if (!type.startsWith("image/")) {
    throw invalid(
      `The data URL declares ${type === "" ? "no media type" : `"${type}"`}, not an image type: use \`data:image/png;base64,\` (or the image's real type).`,
    );
  }
  return { declaredMime: MIME_ALIASES[type] ?? type, payload: text.slice(comma + 1) };
}

/** Exact decoded size of unpadded-or-padded base64 without whitespace. */
function decodedLength(base64: string): number {
  const padding = base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0;
  const dataChars = base64.length - padding;
  return Math.floor((dataChars * 3) / 4);
}

function decodeBase64(base64: string): Uint8Array {
  const bytes = fromBase64(base64);
  if (!bytes) throw invalid(`The inline image is not valid base64: ${INLINE_ALTERNATIVES}.`);
  return bytes;
}

/** "1.5 MB" style sizes for messages (decimal units, like most tools show). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1).replace(/\.0$/, "")} kB`;
  return `${(bytes / 1_000_000).toFixed(1).replace(/\.0$/, "")} MB`;
}

/** An input over the size it may have: its own cap, or what is left of the call's budget (the caller tells which). */
export class InputTooLarge extends ToolError {
  constructor(message: string) {
    super(message, "invalid_input");
  }
}

function invalid(message: string): ToolError {
  return new ToolError(message, "invalid_input");
}
