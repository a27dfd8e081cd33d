/**
 * Colour output: the light neutral background and ink, linear → sRGB encoding through a
 * lookup table, and the 2×2 box filter that turns the supersampled buffer into the picture.
 */
import type { Vec3 } from "./camera";
import type { Framebuffer } from "./raster";

/** RGBA bytes, row-major, 4 per pixel, sRGB, alpha 255. */
export interface RgbaImage {
  width: number;
  height: number;
  rgba: Uint8Array;
}

export const BACKGROUND_SRGB: Vec3 = [236, 238, 241];
export const GRID_SRGB: Vec3 = [196, 200, 206];
export const LABEL_SRGB: Vec3 = [38, 42, 48];

export function srgbByteToLinear(byte: number): number {
  const c = byte / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

export function srgbToLinear(color: Vec3): Vec3 {
  return [srgbByteToLinear(color[0]), srgbByteToLinear(color[1]), srgbByteToLinear(color[2])];
}

const LUT_STEPS = 4096;
let encodeTable: Uint8Array | undefined;

function linearToSrgbTable(): Uint8Array {
  if (encodeTable) return encodeTable;
  const table = new Uint8Array(LUT_STEPS + 1);
  for (let i = 0; i <= LUT_STEPS; i++) {
    const c = i / LUT_STEPS;
    const s = c <= 0.0031308 ? c * 12.92 : 1.055 * c ** (1 / 2.4) - 0.055;
    table[i] = Math.round(s * 255);
  }
  encodeTable = table;
  return table;
}

/**
 * Averages each 2×2 block of linear samples in band rows `fromRow` to `fromRow + 2·rows − 1`
 * into `rows` sRGB pixel rows of `target`, starting at row `toRow`. Values above 1 (bright
 * emissive) clip to white, NaN to black. Rows nothing was drawn in are copied as background.
 */
export function resolveRows(fb: Framebuffer, fromRow: number, rows: number, target: RgbaImage, toRow: number, background: Vec3): void {
  const table = linearToSrgbTable();
  const { red, green, blue, width, touched } = fb;
  const outWidth = target.width;
  const rgba = target.rgba;
  const backgroundRow = new Uint8Array(outWidth * 4);
  // Rounded through float32 as the planes store it, so copied rows equal filtered ones.
  const encode = (value: number) => table[lutIndex(Math.fround(value) * LUT_STEPS)]!;
  const fill = [encode(background[0]), encode(background[1]), encode(background[2]), 255];
  for (let i = 0; i < backgroundRow.length; i++) backgroundRow[i] = fill[i % 4]!;
  const scale = LUT_STEPS / 4;
  for (let row = 0; row < rows; row++) {
    const sampleRow = fromRow + 2 * row;
    let o = (toRow + row) * outWidth * 4;
    if (sampleRow + 1 < touched.minY || sampleRow > touched.maxY) {
      rgba.set(backgroundRow, o);
      continue;
    }
    let top = sampleRow * width;
    for (let x = 0; x < outWidth; x++, o += 4, top += 2) {
      const bottom = top + width;
      rgba[o] = table[lutIndex((red[top]! + red[top + 1]! + red[bottom]! + red[bottom + 1]!) * scale)]!;
      rgba[o + 1] = table[lutIndex((green[top]! + green[top + 1]! + green[bottom]! + green[bottom + 1]!) * scale)]!;
      rgba[o + 2] = table[lutIndex((blue[top]! + blue[top + 1]! + blue[bottom]! + blue[bottom + 1]!) * scale)]!;
      rgba[o + 3] = 255;
    }
  }
}

function lutIndex(value: number): number {
  return value > 0 ? (value < LUT_STEPS ? (value + 0.5) | 0 : LUT_STEPS) : 0;
}
