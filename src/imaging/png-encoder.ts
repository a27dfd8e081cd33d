/**
 * A minimal PNG encoder (8-bit RGB or RGBA, no filtering). The server uses it only to make the
 * tiny probe image for capability detection; tests use it for fixtures. It runs in workerd with no
 * Node APIs: zlib comes from `CompressionStream("deflate")`, and the CRC32 is computed here.
 */

import { PNG_SIGNATURE } from "./png-header";

export type Rgba = readonly [number, number, number, number];
export type PixelSource = Uint8Array | ((x: number, y: number) => Rgba);

export interface PngSpec {
  width: number;
  height: number;
  /** Row-major RGBA bytes (width * height * 4), or a function giving each pixel. */
  rgba: PixelSource;
  /** true writes colour type 6 (RGBA); false writes colour type 2 (RGB) and drops alpha. */
  alpha: boolean;
}

export async function encodePng(spec: PngSpec): Promise<Uint8Array> {
  const { width, height, alpha } = spec;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`encodePng: bad size ${width}x${height}`);
  }
  const channels = alpha ? 4 : 3;
  const rowLength = 1 + width * channels; // leading filter byte per row
  const raw = new Uint8Array(rowLength * height);
  const pixelAt = pixelReader(spec);
  for (let y = 0; y < height; y++) {
    const rowStart = y * rowLength;
    raw[rowStart] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const pixel = pixelAt(x, y);
      const offset = rowStart + 1 + x * channels;
      for (let c = 0; c < channels; c++) raw[offset + c] = pixel[c] ?? 0;
    }
  }

  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = alpha ? 6 : 2; // colour type
  // compression, filter and interlace methods stay 0

  return concatBytes([PNG_SIGNATURE, chunk("IHDR", header), chunk("IDAT", await deflate(raw)), chunk("IEND", new Uint8Array(0))]);
}

function pixelReader(spec: PngSpec): (x: number, y: number) => Rgba {
  const source = spec.rgba;
  if (typeof source === "function") return source;
  if (source.length !== spec.width * spec.height * 4) {
    throw new Error(`encodePng: expected ${spec.width * spec.height * 4} RGBA bytes, got ${source.length}`);
  }
  return (x, y) => {
    const i = (y * spec.width + x) * 4;
    return [source[i] ?? 0, source[i + 1] ?? 0, source[i + 2] ?? 0, source[i + 3] ?? 0];
  };
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

async function deflate(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

let crcTable: Uint32Array | undefined;

function crc32(bytes: Uint8Array): number {
  crcTable ??= buildCrcTable();
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (crcTable[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function buildCrcTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
