/**
 * A minimal PNG encoder (8-bit RGB or RGBA). The server uses it for the tiny probe image for
 * capability detection and for 3D preview montages; tests use it for fixtures. It runs in
 * workerd with no Node APIs: zlib comes from `CompressionStream("deflate")`, and the CRC32 is
 * computed here. Each row gets the filter (none, Sub, Up or Paeth) whose output has the smallest
 * sum of absolute values, libpng's heuristic: flat areas and gradients then deflate well.
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
  const raw = filterRows(pixelRows(spec, channels), width * channels, channels, height);

  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = alpha ? 6 : 2; // colour type
  // compression, filter and interlace methods stay 0

  return concatBytes([PNG_SIGNATURE, chunk("IHDR", header), chunk("IDAT", await deflate(raw)), chunk("IEND", new Uint8Array(0))]);
}

/** The picture as unfiltered rows of `channels` bytes per pixel. */
function pixelRows(spec: PngSpec, channels: number): Uint8Array {
  const { width, height } = spec;
  const source = spec.rgba;
  const rows = new Uint8Array(width * height * channels);
  if (typeof source === "function") {
    for (let y = 0, o = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const pixel = source(x, y);
        for (let c = 0; c < channels; c++) rows[o++] = pixel[c] ?? 0;
      }
    }
    return rows;
  }
  if (source.length !== width * height * 4) {
    throw new Error(`encodePng: expected ${width * height * 4} RGBA bytes, got ${source.length}`);
  }
  if (channels === 4) {
    rows.set(source);
    return rows;
  }
  for (let i = 0, o = 0; i < source.length; i += 4) {
    rows[o++] = source[i]!;
    rows[o++] = source[i + 1]!;
    rows[o++] = source[i + 2]!;
  }
  return rows;
}

/** PNG filter types (Average, 3, is not tried: it rarely wins on these pictures). */
const Filter = { None: 0, Sub: 1, Up: 2, Paeth: 4 } as const;
type Filter = (typeof Filter)[keyof typeof Filter];

/** Prefixes each row with its filter type and filters it (PNG spec §9). */
function filterRows(rows: Uint8Array, stride: number, bpp: number, height: number): Uint8Array {
  const out = new Uint8Array((stride + 1) * height);
  const zeros = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const current = rows.subarray(y * stride, (y + 1) * stride);
    const previous = y > 0 ? rows.subarray((y - 1) * stride, y * stride) : zeros;
    const target = out.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const filter = chooseFilter(current, previous, bpp);
    out[y * (stride + 1)] = filter;
    applyFilter(filter, current, previous, target, bpp);
  }
  return out;
}

function applyFilter(filter: Filter, current: Uint8Array, previous: Uint8Array, target: Uint8Array, bpp: number): void {
  const stride = current.length;
  // The first pixel has no left neighbour: left and upper-left read as 0, and Paeth(0, b, 0) = b.
  for (let i = 0; i < bpp; i++) target[i] = filter === Filter.None || filter === Filter.Sub ? current[i]! : current[i]! - previous[i]!;
  if (filter === Filter.None) {
    target.set(current.subarray(bpp), bpp);
  } else if (filter === Filter.Sub) {
    for (let i = bpp; i < stride; i++) target[i] = current[i]! - current[i - bpp]!;
  } else if (filter === Filter.Up) {
    for (let i = bpp; i < stride; i++) target[i] = current[i]! - previous[i]!;
  } else {
    for (let i = bpp; i < stride; i++) target[i] = current[i]! - paethPredictor(current[i - bpp]!, previous[i]!, previous[i - bpp]!);
  }
}

/** Bytes of a row the filter choice looks at: enough to judge it, at a fraction of the cost. */
const SCORED_BYTES_PER_ROW = 512;

/**
 * libpng's heuristic: the filter whose output, read as signed bytes, has the smallest sum,
 * judged on evenly spaced samples of a long row.
 */
function chooseFilter(current: Uint8Array, previous: Uint8Array, bpp: number): Filter {
  const step = Math.max(1, Math.floor(current.length / SCORED_BYTES_PER_ROW));
  let none = 0;
  let sub = 0;
  let up = 0;
  let paeth = 0;
  for (let i = 0; i < bpp; i++) {
    const value = current[i]!;
    const b = previous[i]!;
    none += magnitude(value);
    sub += magnitude(value);
    up += magnitude(value - b);
    paeth += magnitude(value - b);
  }
  for (let i = bpp; i < current.length; i += step) {
    const value = current[i]!;
    const a = current[i - bpp]!;
    const b = previous[i]!;
    none += magnitude(value);
    sub += magnitude(value - a);
    up += magnitude(value - b);
    paeth += magnitude(value - paethPredictor(a, b, previous[i - bpp]!));
  }
  let filter: Filter = Filter.None;
  let best = none;
  if (sub < best) {
    filter = Filter.Sub;
    best = sub;
  }
  if (up < best) {
    filter = Filter.Up;
    best = up;
  }
  if (paeth < best) filter = Filter.Paeth;
  return filter;
}

/** |difference| as the signed byte it is stored as: -1 and 255 both cost 1. */
function magnitude(difference: number): number {
  const byte = difference & 0xff;
  return byte < 128 ? byte : 256 - byte;
}

function paethPredictor(a: number, b: number, c: number): number {
  const pa = b > c ? b - c : c - b; // |p - a| where p = a + b - c
  const pb = a > c ? a - c : c - a; // |p - b|
  const pc = a + b - 2 * c > 0 ? a + b - 2 * c : 2 * c - a - b; // |p - c|
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
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
