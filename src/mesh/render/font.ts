/**
 * A 5×7 bitmap font with just the characters the view labels use. Each glyph is seven rows
 * of five bits, most significant bit on the left. Letters are drawn as capitals.
 */
import type { Vec3 } from "./camera";
import type { RgbaImage } from "./color";

const GLYPH_WIDTH = 5;
const GLYPH_HEIGHT = 7;
/** Blank columns between letters, in glyph pixels. */
const SPACING = 1;

// prettier-ignore
const GLYPHS: Record<string, readonly number[]> = {
  A: [0b01110, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001],
  B: [0b11110, 0b10001, 0b10001, 0b11110, 0b10001, 0b10001, 0b11110],
  C: [0b01110, 0b10001, 0b10000, 0b10000, 0b10000, 0b10001, 0b01110],
  E: [0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b11111],
  F: [0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b10000],
  G: [0b01110, 0b10001, 0b10000, 0b10111, 0b10001, 0b10001, 0b01111],
  H: [0b10001, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001],
  I: [0b01110, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110],
  K: [0b10001, 0b10010, 0b10100, 0b11000, 0b10100, 0b10010, 0b10001],
  L: [0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b11111],
  N: [0b10001, 0b10001, 0b11001, 0b10101, 0b10011, 0b10001, 0b10001],
  O: [0b01110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110],
  P: [0b11110, 0b10001, 0b10001, 0b11110, 0b10000, 0b10000, 0b10000],
  Q: [0b01110, 0b10001, 0b10001, 0b10001, 0b10101, 0b10010, 0b01101],
  R: [0b11110, 0b10001, 0b10001, 0b11110, 0b10100, 0b10010, 0b10001],
  T: [0b11111, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100],
  U: [0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110],
  "-": [0, 0, 0, 0b11111, 0, 0, 0],
  " ": [0, 0, 0, 0, 0, 0, 0],
};

/** Whether the pixel (x, y) of `text` set at `scale` is ink; coordinates are relative to the text's top left. */
export function isInk(text: string, scale: number, x: number, y: number): boolean {
  const column = Math.floor(x / scale);
  const row = Math.floor(y / scale);
  if (row < 0 || row >= GLYPH_HEIGHT || column < 0) return false;
  const index = Math.floor(column / (GLYPH_WIDTH + SPACING));
  const inGlyph = column % (GLYPH_WIDTH + SPACING);
  if (index >= text.length || inGlyph >= GLYPH_WIDTH) return false;
  const bits = glyph(text[index]!)[row]!;
  return ((bits >> (GLYPH_WIDTH - 1 - inGlyph)) & 1) === 1;
}

export function textSize(text: string, scale: number): { width: number; height: number } {
  const columns = text.length * (GLYPH_WIDTH + SPACING) - (text.length > 0 ? SPACING : 0);
  return { width: columns * scale, height: GLYPH_HEIGHT * scale };
}

/** Draws `text` in `color` with its top left at (left, top), clipped to the image. */
export function drawText(image: RgbaImage, text: string, left: number, top: number, scale: number, color: Vec3): void {
  const { width, height } = textSize(text, scale);
  for (let y = 0; y < height; y++) {
    const py = top + y;
    if (py < 0 || py >= image.height) continue;
    for (let x = 0; x < width; x++) {
      const px = left + x;
      if (px < 0 || px >= image.width || !isInk(text, scale, x, y)) continue;
      const o = (py * image.width + px) * 4;
      image.rgba[o] = color[0];
      image.rgba[o + 1] = color[1];
      image.rgba[o + 2] = color[2];
      image.rgba[o + 3] = 255;
    }
  }
}

function glyph(character: string): readonly number[] {
  const found = GLYPHS[character.toUpperCase()];
  if (!found) throw new Error(`the label font has no "${character}"`);
  return found;
}
