/**
 * Reads just enough of a PNG to know its size and whether it can carry transparency, without
 * decoding pixels: the IHDR chunk (always first) and the chunk list up to the first IDAT, where a
 * tRNS chunk must appear if there is one.
 */

export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGB + alpha. */
  colorType: number;
  /** A tRNS chunk gives grey, RGB or palette images transparency without an alpha channel. */
  hasTransparencyChunk: boolean;
}

const COLOR_TYPES_WITH_ALPHA = new Set([4, 6]);

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= PNG_SIGNATURE.length && PNG_SIGNATURE.every((byte, i) => bytes[i] === byte);
}

/** The header of a PNG, or undefined when `bytes` is not a well-formed PNG start. */
export function readPngHeader(bytes: Uint8Array): PngHeader | undefined {
  if (!isPng(bytes)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = PNG_SIGNATURE.length;
  let header: Omit<PngHeader, "hasTransparencyChunk"> | undefined;

  while (offset + 8 <= bytes.length) {
    const length = view.getUint32(offset);
    const type = chunkType(bytes, offset + 4);
    const dataStart = offset + 8;
    if (dataStart + length > bytes.length) return undefined;

    if (header === undefined) {
      if (type !== "IHDR" || length < 13) return undefined;
      header = {
        width: view.getUint32(dataStart),
        height: view.getUint32(dataStart + 4),
        bitDepth: view.getUint8(dataStart + 8),
        colorType: view.getUint8(dataStart + 9),
      };
    } else if (type === "tRNS") {
      return { ...header, hasTransparencyChunk: true };
    } else if (type === "IDAT" || type === "IEND") {
      break;
    }
    offset = dataStart + length + 4; // skip data and CRC
  }
  return header && { ...header, hasTransparencyChunk: false };
}

export function pngHasAlpha(header: PngHeader): boolean {
  return COLOR_TYPES_WITH_ALPHA.has(header.colorType) || header.hasTransparencyChunk;
}

export function describeColorType(colorType: number): string {
  switch (colorType) {
    case 0:
      return "greyscale";
    case 2:
      return "RGB";
    case 3:
      return "palette";
    case 4:
      return "greyscale with alpha";
    case 6:
      return "RGBA";
    default:
      return `unknown colour type ${colorType}`;
  }
}

function chunkType(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(bytes[offset] ?? 0, bytes[offset + 1] ?? 0, bytes[offset + 2] ?? 0, bytes[offset + 3] ?? 0);
}
