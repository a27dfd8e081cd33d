/**
 * Colour output: the light neutral background and ink, linear → sRGB encoding through a
 * lookup table, and the box filter that turns the 2× supersampled buffer into the picture.
 */
import type { Vec3 } from "./camera";

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
 * Averages each `factor`×`factor` block of linear RGB (`width`×`height` samples) into one
 * sRGB pixel; values above 1 (bright emissive) clip to white, NaN to black.
 */
export function downsampleToRgba(color: Float32Array, width: number, height: number, factor: number): RgbaImage {
  const table = linearToSrgbTable();
  const outWidth = Math.floor(width / factor);
  const outHeight = Math.floor(height / factor);
  const rgba = new Uint8Array(outWidth * outHeight * 4);
  const scale = LUT_STEPS / (factor * factor);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let sy = 0; sy < factor; sy++) {
        let i = ((y * factor + sy) * width + x * factor) * 3;
        for (let sx = 0; sx < factor; sx++, i += 3) {
          r += color[i]!;
          g += color[i + 1]!;
          b += color[i + 2]!;
        }
      }
      const o = (y * outWidth + x) * 4;
      rgba[o] = table[lutIndex(r * scale)]!;
      rgba[o + 1] = table[lutIndex(g * scale)]!;
      rgba[o + 2] = table[lutIndex(b * scale)]!;
      rgba[o + 3] = 255;
    }
  }
  return { width: outWidth, height: outHeight, rgba };
}

function lutIndex(value: number): number {
  return value > 0 ? (value < LUT_STEPS ? Math.round(value) : LUT_STEPS) : 0;
}
