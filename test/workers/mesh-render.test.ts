/**
 * The preview renderer, checked by pixels on hand-made scenes (test/support/scenes.ts), so it
 * does not depend on the spec compiler.
 */
import { describe, expect, it } from "vitest";
import { renderView, VIEW_NAMES, type RgbaImage } from "../../src/mesh/render";
import { BACKGROUND_SRGB } from "../../src/mesh/render/color";
import { boxChunk, material, sceneOf, twoBoxes } from "../support/scenes";

function pixel(image: RgbaImage, x: number, y: number): [number, number, number] {
  const o = (y * image.width + x) * 4;
  return [image.rgba[o]!, image.rgba[o + 1]!, image.rgba[o + 2]!];
}

function isBackground(image: RgbaImage, x: number, y: number): boolean {
  const [r, g, b] = pixel(image, x, y);
  return r === BACKGROUND_SRGB[0] && g === BACKGROUND_SRGB[1] && b === BACKGROUND_SRGB[2];
}

/** Pixels that are not the background, within an optional rectangle. */
function coverage(image: RgbaImage, left = 0, top = 0, width = image.width, height = image.height): number {
  let count = 0;
  for (let y = top; y < top + height; y++) for (let x = left; x < left + width; x++) if (!isBackground(image, x, y)) count++;
  return count;
}

const unitCube = () => sceneOf([{ id: "cube", chunks: [boxChunk("grey", [0, 0, 0], [1, 1, 1])] }], [material("grey")]);

describe("renderView", () => {
  it.each(VIEW_NAMES)("draws a unit cube's silhouette in the %s view", (view) => {
    const image = renderView(unitCube(), view, 64);
    expect(image.width).toBe(64);
    expect(image.height).toBe(64);
    expect(image.rgba.length).toBe(64 * 64 * 4);
    // The cube fills a good part of the middle and leaves the corners as background.
    expect(coverage(image)).toBeGreaterThan(64 * 64 * 0.15);
    expect(isBackground(image, 0, 0)).toBe(true);
    expect(isBackground(image, 63, 63)).toBe(true);
    expect(isBackground(image, 32, 32)).toBe(false);
  });

  it("renders a red box red and a blue box blue where they are", () => {
    const image = renderView(twoBoxes(), "front", 128);
    // Front view: the red box (y 0.5–1) above the centre, the blue box (y 0–0.5) below it.
    const [r1, g1, b1] = pixel(image, 64, 40);
    expect(r1).toBeGreaterThan(150);
    expect(g1).toBeLessThan(80);
    expect(b1).toBeLessThan(80);
    const [r2, g2, b2] = pixel(image, 64, 80);
    expect(b2).toBeGreaterThan(150);
    expect(r2).toBeLessThan(80);
    expect(g2).toBeLessThan(100);
  });

  it("gives the same bytes for the same scene", () => {
    const first = renderView(twoBoxes(), "three_quarter", 96);
    const second = renderView(twoBoxes(), "three_quarter", 96);
    expect(second.rgba).toEqual(first.rgba);
  });
});
