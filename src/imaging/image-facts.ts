/**
 * What image_info reports beyond the binding's info(): whether the file can carry transparency
 * and how many animation frames it holds, read from the container's own headers (no pixels
 * decoded). `undefined` means the format does not say without decoding (AVIF).
 */
import { pngHasAlpha, readPngHeader } from "./png-header";

export interface ImageFacts {
  alpha?: boolean;
  frames?: number;
}

export function imageFacts(bytes: Uint8Array, mime: string): ImageFacts {
  switch (mime) {
    case "image/png":
      return pngFacts(bytes);
    case "image/jpeg":
      return { alpha: false, frames: 1 };
    case "image/webp":
      return webpFacts(bytes);
    case "image/gif":
      return gifFacts(bytes);
    default:
      return {};
  }
}

/** A PNG's alpha from IHDR/tRNS; an APNG's frame count from its acTL chunk. */
function pngFacts(bytes: Uint8Array): ImageFacts {
  const header = readPngHeader(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let frames = 1;
  for (let offset = 8; offset + 8 <= bytes.length;) {
    const length = view.getUint32(offset);
    const type = ascii(bytes, offset + 4, 4);
    if (type === "acTL" && offset + 12 <= bytes.length) {
      frames = view.getUint32(offset + 8);
      break;
    }
    if (type === "IDAT" || type === "IEND") break;
    offset += 12 + length;
  }
  return { alpha: header ? pngHasAlpha(header) : undefined, frames };
}

/** WebP: VP8L carries an alpha flag, VP8X flags alpha and animation; an animation's frames are ANMF chunks. */
function webpFacts(bytes: Uint8Array): ImageFacts {
  const first = ascii(bytes, 12, 4);
  if (first === "VP8 ") return { alpha: false, frames: 1 };
  if (first === "VP8L") return { alpha: ((bytes[24] ?? 0) & 0x10) !== 0, frames: 1 };
  if (first !== "VP8X") return {};
  const flags = bytes[20] ?? 0;
  const animated = (flags & 0x02) !== 0;
  let frames = 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let offset = 12; offset + 8 <= bytes.length;) {
    const size = view.getUint32(offset + 4, true);
    if (ascii(bytes, offset, 4) === "ANMF") frames++;
    offset += 8 + size + (size % 2);
  }
  return { alpha: (flags & 0x10) !== 0, frames: animated ? frames : 1 };
}

/** GIF: counts image descriptors by walking the block structure; alpha when any graphic control block sets transparency. */
function gifFacts(bytes: Uint8Array): ImageFacts {
  if (bytes.length < 13) return {};
  let offset = 13;
  const packed = bytes[10] ?? 0;
  if (packed & 0x80) offset += 3 * (1 << ((packed & 0x07) + 1)); // global colour table
  let frames = 0;
  let alpha = false;
  const skipSubBlocks = (at: number) => {
    let p = at;
    while (p < bytes.length && bytes[p] !== 0) p += (bytes[p] ?? 0) + 1;
    return p + 1;
  };
  while (offset < bytes.length) {
    const marker = bytes[offset];
    if (marker === 0x3b) break; // trailer
    if (marker === 0x21) {
      if (bytes[offset + 1] === 0xf9 && ((bytes[offset + 3] ?? 0) & 0x01) !== 0) alpha = true;
      offset = skipSubBlocks(offset + 2);
    } else if (marker === 0x2c) {
      frames++;
      const local = bytes[offset + 9] ?? 0;
      offset += 10;
      if (local & 0x80) offset += 3 * (1 << ((local & 0x07) + 1));
      offset = skipSubBlocks(offset + 1); // LZW minimum code size, then the data
    } else {
      return { alpha, frames: frames || undefined };
    }
  }
  return { alpha, frames };
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  if (bytes.length < offset + length) return "";
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}
