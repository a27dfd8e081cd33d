/**
 * Decodes the PNGs the Images binding writes (8- or 16-bit greyscale, RGB, with or without
 * alpha, not interlaced) to RGBA bytes. The server needs pixels in two places only: the
 * capability probe, to check that a crop or a padded background came out right, and padding
 * to a power-of-two canvas, which the binding cannot do without scaling the picture.
 */
import { isPng } from "./png-header";

export interface DecodedImage {
  width: number;
  height: number;
  /** Row-major RGBA, 4 bytes per pixel. */
  rgba: Uint8Array;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

export async function decodePngToRgba(bytes: Uint8Array): Promise<DecodedImage> {
  if (!isPng(bytes)) throw new Error("not a PNG");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 8;
  let width = 0;
  let height = 0;
  let bitDepth = 8;
  let colorType = 6;
  const idat: Uint8Array[] = [];
  while (offset + 8 <= bytes.length) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === "IHDR") {
      width = view.getUint32(offset + 8);
      height = view.getUint32(offset + 12);
      bitDepth = data[8] ?? 0;
      colorType = data[9] ?? 0;
      if (data[12] !== 0) throw new Error("interlaced PNGs are not decoded here");
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    offset += 12 + length;
  }
  const channels = CHANNELS[colorType];
  if (!channels || (bitDepth !== 8 && bitDepth !== 16))
    throw new Error(`PNG colour type ${colorType} at ${bitDepth} bits is not decoded here`);
  const sampleBytes = bitDepth / 8;
  const bpp = channels * sampleBytes;
  const stride = width * bpp;
  const stream = new Blob(idat).stream().pipeThrough(new DecompressionStream("deflate"));
  const raw = new Uint8Array(await new Response(stream).arrayBuffer());
  if (raw.length < (stride + 1) * height) throw new Error("PNG data is truncated");
  const rows = unfilter(raw, stride, bpp, height);
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0, i = 0; p < width * height; p++, i += bpp) {
    // 16-bit samples keep their high byte.
    const sample = (c: number) => rows[i + c * sampleBytes]!;
    const o = p * 4;
    if (channels <= 2) {
      rgba[o] = rgba[o + 1] = rgba[o + 2] = sample(0);
      rgba[o + 3] = channels === 2 ? sample(1) : 255;
    } else {
      rgba[o] = sample(0);
      rgba[o + 1] = sample(1);
      rgba[o + 2] = sample(2);
      rgba[o + 3] = channels === 4 ? sample(3) : 255;
    }
  }
  return { width, height, rgba };
}

function unfilter(raw: Uint8Array, stride: number, bpp: number, height: number): Uint8Array {
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const source = y * (stride + 1) + 1;
    const row = y * stride;
    for (let i = 0; i < stride; i++) {
      const x = raw[source + i]!;
      const a = i >= bpp ? out[row + i - bpp]! : 0;
      const b = y > 0 ? out[row - stride + i]! : 0;
      const c = i >= bpp && y > 0 ? out[row - stride + i - bpp]! : 0;
      let predicted = 0;
      if (filter === 1) predicted = a;
      else if (filter === 2) predicted = b;
      else if (filter === 3) predicted = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`row ${y}: unknown PNG filter ${filter}`);
      out[row + i] = (x + predicted) & 0xff;
    }
  }
  return out;
}
