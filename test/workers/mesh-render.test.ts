/**
 * The preview renderer, checked by pixels on hand-made scenes (test/support/scenes.ts), so it
 * does not depend on the spec compiler.
 */
import { describe, expect, it } from "vitest";
import { MAX_TILE, MAX_VIEW_SIZE, MIN_TILE, renderMontage, renderView, VIEW_NAMES, type RgbaImage } from "../../src/mesh/render";
import type { Camera } from "../../src/mesh/render/camera";
import { BACKGROUND_SRGB, GRID_SRGB, LABEL_SRGB } from "../../src/mesh/render/color";
import { isInk, textSize } from "../../src/mesh/render/font";
import { LABEL_OFFSET, labelScale, montageLayout } from "../../src/mesh/render/montage";
import { prepareScene } from "../../src/mesh/render/prepare";
import { renderPreparedView, renderWithCamera, Workspace } from "../../src/mesh/render/view";
import type { MeshChunk, Scene } from "../../src/mesh/scene";
import { boxChunk, furnishedTable, material, sceneOf, sphereChunk, triangleChunk, twoBoxes } from "../support/scenes";

type Rgb = [number, number, number];

function pixel(image: RgbaImage, x: number, y: number): Rgb {
  const o = (y * image.width + x) * 4;
  return [image.rgba[o]!, image.rgba[o + 1]!, image.rgba[o + 2]!];
}

const same = (a: Rgb, b: readonly number[]) => a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
const isBackground = (image: RgbaImage, x: number, y: number) => same(pixel(image, x, y), BACKGROUND_SRGB);
const luminance = ([r, g, b]: Rgb) => 0.2126 * r + 0.7152 * g + 0.0722 * b;
/** One channel clearly dominates the other two. */
const dominant = (channel: 0 | 1 | 2) => (p: Rgb) =>
  p[channel] > 90 && p[channel] > 2 * p[(channel + 1) % 3]! && p[channel] > 2 * p[(channel + 2) % 3]!;
const reddish = dominant(0);
const greenish = dominant(1);
const bluish = dominant(2);

/** Pixels matching `test` within a rectangle (the whole picture by default). */
function count(image: RgbaImage, test: (p: Rgb) => boolean, left = 0, top = 0, width = image.width, height = image.height): number {
  let found = 0;
  for (let y = top; y < top + height; y++) for (let x = left; x < left + width; x++) if (test(pixel(image, x, y))) found++;
  return found;
}

const notBackground = (p: Rgb) => !same(p, BACKGROUND_SRGB);

/** Mean x and y of the pixels matching `test`. */
function centroid(image: RgbaImage, test: (p: Rgb) => boolean): { x: number; y: number; n: number } {
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      if (!test(pixel(image, x, y))) continue;
      sx += x;
      sy += y;
      n++;
    }
  }
  return { x: sx / n, y: sy / n, n };
}

const grey = material("grey");
const oneChunk = (chunk: MeshChunk, ...materials: ReturnType<typeof material>[]): Scene =>
  sceneOf([{ id: "part", chunks: [chunk] }], materials.length > 0 ? materials : [grey]);
const unitCube = () => oneChunk(boxChunk("grey", [0, 0, 0], [1, 1, 1]));

/**
 * A grey block with a red box on its front (+Z) face, a green box on its right (+X) face and a
 * blue box on top: each view sees a different arrangement.
 */
function markedBlock(): Scene {
  return sceneOf(
    [
      { id: "block", chunks: [boxChunk("grey", [0, 0.5, 0], [1, 1, 1])] },
      { id: "front-mark", chunks: [boxChunk("red", [0, 0.5, 0.6], [0.4, 0.4, 0.2])] },
      { id: "right-mark", chunks: [boxChunk("green", [0.6, 0.5, 0], [0.2, 0.4, 0.4])] },
      { id: "top-mark", chunks: [boxChunk("blue", [0, 1.1, 0], [0.4, 0.2, 0.4])] },
    ],
    [
      grey,
      material("red", { baseColor: [0.8, 0.03, 0.03, 1] }),
      material("green", { baseColor: [0.03, 0.7, 0.03, 1] }),
      material("blue", { baseColor: [0.03, 0.05, 0.8, 1] }),
    ],
  );
}

describe("renderView", () => {
  it.each(VIEW_NAMES)("draws a unit cube's silhouette in the %s view, framed with room around it", (view) => {
    const image = renderView(unitCube(), view, 64);
    expect([image.width, image.height, image.rgba.length]).toEqual([64, 64, 64 * 64 * 4]);
    expect(count(image, notBackground)).toBeGreaterThan(64 * 64 * 0.15);
    for (const [x, y] of [
      [0, 0],
      [63, 0],
      [0, 63],
      [63, 63],
    ] as const)
      expect(isBackground(image, x, y)).toBe(true);
    expect(isBackground(image, 32, 32)).toBe(false);
  });

  it("renders a tessellated sphere round and smooth: no outline inside its silhouette", () => {
    const image = renderView(oneChunk(sphereChunk("grey", [0, 0, 0], 1, 32, 16)), "front", 128);
    const row = 64;
    const covered = Array.from({ length: 128 }, (_, x) => x).filter((x) => !isBackground(image, x, row));
    const [left, right] = [covered[0]!, covered.at(-1)!];
    // A disc centred in the picture, as tall as it is wide.
    expect(Math.abs(left + right - 127)).toBeLessThanOrEqual(2);
    const column = Array.from({ length: 128 }, (_, y) => y).filter((y) => !isBackground(image, 64, y));
    expect(Math.abs(column.length - covered.length)).toBeLessThanOrEqual(2);
    // Inside the outline the shading varies smoothly: no dark line crosses the surface.
    const interior = covered.filter((x) => x > left + 2 && x < right - 2).map((x) => luminance(pixel(image, x, row)));
    for (let i = 1; i < interior.length; i++) expect(Math.abs(interior[i]! - interior[i - 1]!)).toBeLessThan(12);
  });

  it("shows each side of the model in its own view: front, back, right, left and top differ as the camera conventions say", () => {
    const scene = markedBlock();
    const front = renderView(scene, "front", 128);
    const back = renderView(scene, "back", 128);
    const right = renderView(scene, "right", 128);
    const left = renderView(scene, "left", 128);
    const top = renderView(scene, "top", 128);

    // Front (from +Z): the red mark faces us in the middle, the green one sticks out on the right.
    expect(centroid(front, reddish).n).toBeGreaterThan(200);
    expect(centroid(front, greenish).x).toBeGreaterThan(centroid(front, reddish).x + 20);
    // Back (from −Z): the block hides the red mark, and the green one is on the left.
    expect(count(back, reddish)).toBe(0);
    expect(centroid(back, greenish).x).toBeLessThan(50);
    // Right (from +X): green in the middle, red (the model's front) on the left.
    expect(centroid(right, greenish).n).toBeGreaterThan(200);
    expect(centroid(right, reddish).x).toBeLessThan(centroid(right, greenish).x - 20);
    // Left (from −X): the block hides green; red is on the right.
    expect(count(left, greenish)).toBe(0);
    expect(centroid(left, reddish).x).toBeGreaterThan(78);
    // Top (from +Y): blue in the middle, red (front) at the bottom, green on the right.
    expect(centroid(top, bluish).n).toBeGreaterThan(200);
    expect(centroid(top, reddish).y).toBeGreaterThan(centroid(top, bluish).y + 20);
    expect(centroid(top, greenish).x).toBeGreaterThan(centroid(top, bluish).x + 20);
    // And the blue top mark stands above the block in the front view.
    expect(centroid(front, bluish).y).toBeLessThan(centroid(front, reddish).y - 20);
  });

  it("paints each box in its material's colour, in its place", () => {
    const image = renderView(twoBoxes(), "front", 128);
    // Front view: the red box (y 0.5–1) above the centre, the wider blue box (y 0–0.5) below it.
    expect(reddish(pixel(image, 64, 40))).toBe(true);
    expect(bluish(pixel(image, 64, 80))).toBe(true);
    expect(bluish(pixel(image, 30, 80))).toBe(true);
    expect(isBackground(image, 30, 40)).toBe(true); // beside the narrower red box
  });

  it("lights faces by their angle to the light: in the three-quarter view the top, front and side of a cube differ", () => {
    const image = renderView(unitCube(), "three_quarter", 128);
    const shades = new Set<number>();
    for (let y = 0; y < 128; y += 2)
      for (let x = 0; x < 128; x += 2) if (!isBackground(image, x, y)) shades.add(Math.round(luminance(pixel(image, x, y)) / 8));
    expect(shades.size).toBeGreaterThanOrEqual(3);
  });

  it("adds emissive light: a black box glowing green renders bright green", () => {
    const glowing = material("glow", { baseColor: [0, 0, 0, 1], emissive: [0.1, 1, 0.1], emissiveStrength: 2 });
    const image = renderView(oneChunk(boxChunk("glow", [0, 0, 0], [1, 1, 1]), glowing), "front", 64);
    const [r, g, b] = pixel(image, 32, 32);
    expect(g).toBe(255); // 2 × 1.0 clips to white in the green channel
    expect(r).toBeLessThan(140);
    expect(b).toBeLessThan(140);
  });

  it("draws a box whose material is missing from the scene in the fallback grey", () => {
    const image = renderView(sceneOf([{ id: "part", chunks: [boxChunk("no-such-material", [0, 0, 0], [1, 1, 1])] }], []), "front", 64);
    const [r, g, b] = pixel(image, 32, 32);
    expect(r).toBe(g);
    expect(g).toBe(b);
    expect(r).toBeGreaterThan(60);
  });

  it("gives the same bytes for the same scene", () => {
    expect(renderView(markedBlock(), "three_quarter", 96).rgba).toEqual(renderView(markedBlock(), "three_quarter", 96).rgba);
  });
});

describe("back-face culling", () => {
  // A triangle in the XY plane, counter-clockwise seen from +Z: its front faces the front camera.
  const facingFront = triangleChunk("paint", [-0.5, -0.5, 0], [0.5, -0.5, 0], [0, 0.5, 0]);
  const paint = (doubleSided: boolean) => material("paint", { baseColor: [0.8, 0.6, 0.1, 1], doubleSided });

  it("draws a triangle seen from its front and culls it seen from behind", () => {
    const scene = oneChunk(facingFront, paint(false));
    expect(count(renderView(scene, "front", 64), notBackground)).toBeGreaterThan(300);
    expect(count(renderView(scene, "back", 64), notBackground)).toBe(0);
  });

  it("draws both sides of a double-sided material, the back lit as a surface of its own", () => {
    const scene = oneChunk(facingFront, paint(true));
    const front = renderView(scene, "front", 64);
    const back = renderView(scene, "back", 64);
    expect(count(back, notBackground)).toBeGreaterThan(300);
    // The back is shaded with its own (flipped) normal, not left black.
    expect(luminance(pixel(back, 32, 36))).toBeGreaterThan(60);
    expect(count(front, notBackground)).toBe(count(back, notBackground));
  });

  it("shows nothing through the opening of an open box unless its material is double-sided", () => {
    // boxChunk's faces come +X, −X, +Y, −Y, +Z, −Z, two triangles each: drop the +Z pair.
    const box = boxChunk("paint", [0, 0, 0], [1, 1, 1]);
    const open: MeshChunk = { ...box, indices: Uint32Array.from([...box.indices.subarray(0, 24), ...box.indices.subarray(30)]) };
    // Every face left points away from the front camera: all culled.
    expect(count(renderView(oneChunk(open, paint(false)), "front", 64), notBackground)).toBe(0);
    const inside = renderView(oneChunk(open, paint(true)), "front", 64);
    expect(count(inside, notBackground)).toBeGreaterThan(64 * 64 * 0.15);
    expect(luminance(pixel(inside, 32, 32))).toBeGreaterThan(60);
  });
});

describe("near-plane clipping", () => {
  /** A camera at the origin looking down −Z with the given near plane. */
  const camera = (near: number): Camera => ({
    eye: [0, 0, 0],
    right: [1, 0, 0],
    up: [0, 1, 0],
    forward: [0, 0, -1],
    tanHalfFov: Math.tan(Math.PI / 6),
    near,
  });
  /** A floor 100 m wide at y = −1, counter-clockwise from above, passing under and behind the camera. */
  const floor = () => {
    const chunk = boxChunk("grey", [0, -1.05, 0], [100, 0.1, 100]);
    return oneChunk(chunk);
  };

  it("keeps the part of a triangle in front of the camera when it reaches behind it", () => {
    const image = renderWithCamera(floor(), camera(0.1), 64);
    // Every triangle of the floor has corners behind the eye: dropping them would leave nothing.
    for (let x = 0; x < 64; x++) expect(isBackground(image, x, 63)).toBe(false);
    // The floor ends at the horizon, a little below the middle; the sky above is background.
    for (let x = 0; x < 64; x++) expect(isBackground(image, x, 10)).toBe(true);
    const covered = count(image, notBackground);
    expect(covered).toBeGreaterThan(64 * 28);
    expect(covered).toBeLessThan(64 * 34);
  });

  it("draws nothing of a triangle entirely behind the near plane", () => {
    const behind = oneChunk(triangleChunk("grey", [-1, -1, 0.5], [0, 1, 0.5], [1, -1, 0.5]));
    expect(count(renderWithCamera(behind, camera(0.1), 64), notBackground)).toBe(0);
    const tooClose = oneChunk(triangleChunk("grey", [-1, -1, -0.05], [1, -1, -0.05], [0, 1, -0.05]));
    expect(count(renderWithCamera(tooClose, camera(0.1), 64), notBackground)).toBe(0);
    expect(count(renderWithCamera(tooClose, camera(0.01), 64), notBackground)).toBeGreaterThan(1000);
  });
});

describe("outlines", () => {
  it("draws a dark line around the silhouette", () => {
    const white = material("white", { baseColor: [1, 1, 1, 1] });
    const image = renderView(oneChunk(boxChunk("white", [0, 0, 0], [1, 1, 1]), white), "front", 128);
    const row = 64;
    const first = Array.from({ length: 128 }, (_, x) => x).find((x) => !isBackground(image, x, row))!;
    // The line is a fully dark pixel beside a half-dark one, in either order.
    const edge = Math.min(luminance(pixel(image, first, row)), luminance(pixel(image, first + 1, row)));
    const face = luminance(pixel(image, 64, row));
    expect(face).toBeGreaterThan(150);
    expect(edge).toBeLessThan(face * 0.6);
    expect(edge).toBeLessThan(luminance(BACKGROUND_SRGB as Rgb) * 0.6);
  });

  it("draws a line where one part stands in front of another", () => {
    // Front view of two boxes: the red box's front face is 0.25 m behind the blue box's.
    const image = renderView(twoBoxes(), "front", 128);
    const column = Array.from({ length: 60 }, (_, i) => luminance(pixel(image, 64, 35 + i)));
    const darkest = Math.min(...column);
    const red = luminance(pixel(image, 64, 40));
    const blue = luminance(pixel(image, 64, 80));
    expect(darkest).toBeLessThan(Math.min(red, blue) * 0.75);
  });

  it("draws a crease where faces of a cube meet, but not where flat neighbours share an edge", () => {
    const white = material("white", { baseColor: [1, 1, 1, 1] });
    const scene = oneChunk(boxChunk("white", [0, 0, 0], [1, 1, 1]), white);
    const front = renderView(scene, "front", 128);
    // The face's diagonal (where its two triangles meet) leaves no line: one shade fills the face.
    const face = new Set<number>();
    for (let y = 44; y < 84; y++) for (let x = 44; x < 84; x++) face.add(luminance(pixel(front, x, y)));
    expect(face.size).toBe(1);
    // In the three-quarter view, the vertical edge nearest the camera (front-right, down the middle) is dark.
    const quarter = renderView(scene, "three_quarter", 128);
    const across = Array.from({ length: 21 }, (_, i) => luminance(pixel(quarter, 54 + i, 80)));
    expect(Math.min(...across)).toBeLessThan(Math.min(across[0]!, across[20]!) * 0.6);
  });
});

describe("transparency", () => {
  it("blends a half-transparent red box over the blue box behind it, whatever the order of parts", () => {
    const glass = material("glass", { baseColor: [0.9, 0.05, 0.05, 0.5], alphaMode: "BLEND" });
    const blue = material("blue", { baseColor: [0.03, 0.05, 0.8, 1] });
    const scene = sceneOf(
      [
        { id: "glass", chunks: [boxChunk("glass", [0, 0, 0.6], [1, 1, 0.2])] },
        { id: "wall", chunks: [boxChunk("blue", [0, 0, 0], [2, 2, 0.2])] },
      ],
      [glass, blue],
    );
    const image = renderView(scene, "front", 128);
    const [r, , b] = pixel(image, 64, 64);
    expect(r).toBeGreaterThan(100);
    expect(b).toBeGreaterThan(100);
    // Beside the glass the wall is plain blue.
    expect(bluish(pixel(image, 64, 30))).toBe(true);
  });

  it("leaves out a MASK material below the cutoff", () => {
    const cut = material("cut", { baseColor: [1, 0, 0, 0.3], alphaMode: "MASK" });
    const image = renderView(
      sceneOf([{ id: "a", chunks: [boxChunk("cut", [0, 0, 0], [1, 1, 1]), boxChunk("grey", [2, 0, 0], [1, 1, 1])] }], [cut, grey]),
      "front",
      64,
    );
    expect(count(image, reddish)).toBe(0);
    expect(count(image, notBackground)).toBeGreaterThan(100);
  });
});

describe("montage", () => {
  it("lays six labelled views out 3×2 in at most 1024 px", () => {
    const image = renderMontage(markedBlock());
    expect([image.width, image.height]).toEqual([1008, 672]);
    expect(image.rgba.length).toBe(1008 * 672 * 4);
    const layout = montageLayout(336);
    expect(layout.map(({ view, left, top }) => [view, left, top])).toEqual([
      ["front", 0, 0],
      ["back", 336, 0],
      ["left", 672, 0],
      ["right", 0, 336],
      ["top", 336, 336],
      ["three_quarter", 672, 336],
    ]);
    // Each tile is the view rendered alone, apart from its label corner and the grid lines.
    for (const { view, left, top } of layout) {
      const alone = renderView(markedBlock(), view, 336);
      expect(pixel(image, left + 168, top + 168)).toEqual(pixel(alone, 168, 168));
      expect(count(image, notBackground, left + 60, top + 60, 216, 216)).toBeGreaterThan(1000);
    }
    expect(same(pixel(image, 336, 100), GRID_SRGB)).toBe(true);
    expect(same(pixel(image, 100, 336), GRID_SRGB)).toBe(true);
  });

  it("labels every tile in dark letters on the tile background", () => {
    const tile = 336;
    const image = renderMontage(markedBlock(), { tile });
    const scale = labelScale(tile);
    for (const { label, left, top } of montageLayout(tile)) {
      const { width, height } = textSize(label, scale);
      let ink = 0;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const p = pixel(image, left + LABEL_OFFSET + x, top + LABEL_OFFSET + y);
          if (isInk(label, scale, x, y)) {
            expect(p).toEqual(LABEL_SRGB);
            ink++;
          } else expect(p).toEqual(BACKGROUND_SRGB);
        }
      }
      expect(ink).toBeGreaterThan(label.length * 10);
    }
    expect(montageLayout(tile).map((t) => t.label)).toEqual(["front", "back", "left", "right", "top", "three-quarter"]);
  });

  it("takes a smaller tile size, with smaller letters", () => {
    const image = renderMontage(twoBoxes(), { tile: 120 });
    expect([image.width, image.height]).toEqual([360, 240]);
    expect(labelScale(120)).toBe(1);
    expect(pixel(image, LABEL_OFFSET, LABEL_OFFSET)).toEqual(LABEL_SRGB); // the F's top-left corner
  });

  it("gives the same bytes for the same scene", () => {
    expect(renderMontage(twoBoxes(), { tile: 96 }).rgba).toEqual(renderMontage(twoBoxes(), { tile: 96 }).rgba);
  });

  it.each([MIN_TILE - 1, MAX_TILE + 1, 100.5, Number.NaN])("refuses tile %s, naming the allowed range", (tile) => {
    expect(() => renderMontage(twoBoxes(), { tile })).toThrow(`tile must be a whole number of pixels from 48 to 341, got ${tile}`);
  });
});

describe("bad input", () => {
  /** Every pixel is background, label ink, label plate or grid line. */
  function isBlankMontage(image: RgbaImage): boolean {
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < image.width; x++) {
        const p = pixel(image, x, y);
        if (!same(p, BACKGROUND_SRGB) && !same(p, LABEL_SRGB) && !same(p, GRID_SRGB)) return false;
      }
    }
    return true;
  }

  it("renders an empty scene as a blank labelled montage", () => {
    const empty = sceneOf([], []);
    const image = renderMontage(empty, { tile: 96 });
    expect([image.width, image.height]).toEqual([288, 192]);
    expect(isBlankMontage(image)).toBe(true);
    expect(count(image, (p) => same(p, LABEL_SRGB))).toBeGreaterThan(100);
    expect(count(renderView(empty, "front", 32), notBackground)).toBe(0);
  });

  it("skips triangles with NaN or infinite corners and still frames and draws the rest", () => {
    // boxChunk's first face is +X, made of vertices 0–3: break two of its corners.
    const broken = boxChunk("grey", [0, 0, 0], [1, 1, 1]);
    broken.positions[0] = Number.NaN;
    broken.positions[4] = Number.POSITIVE_INFINITY;
    const scene = oneChunk(broken);
    // The camera frames the finite corners (the same box), and the front face is intact.
    expect(renderView(scene, "front", 64).rgba).toEqual(renderView(unitCube(), "front", 64).rgba);
    // From the right, the missing +X face leaves a hole: the faces behind it point away and are culled.
    expect(count(renderView(scene, "right", 64), notBackground)).toBeLessThan(
      count(renderView(unitCube(), "right", 64), notBackground) / 4,
    );
    expect(renderMontage(scene, { tile: 64 }).width).toBe(192);
  });

  it("renders a scene whose every position is NaN as blank, without hanging", () => {
    const chunk = boxChunk("grey", [0, 0, 0], [1, 1, 1]);
    chunk.positions.fill(Number.NaN);
    chunk.normals.fill(Number.NaN);
    const scene = oneChunk(chunk);
    expect(count(renderView(scene, "three_quarter", 32), notBackground)).toBe(0);
    expect(isBlankMontage(renderMontage(scene, { tile: 64 }))).toBe(true);
  });

  it("skips triangles whose indices point past the vertices, and shades broken normals as facing the viewer", () => {
    const chunk = boxChunk("grey", [0, 0, 0], [1, 1, 1]);
    chunk.indices[0] = 9999;
    chunk.normals.fill(Number.NaN);
    const image = renderView(oneChunk(chunk), "front", 64);
    expect(count(image, notBackground)).toBeGreaterThan(500);
    expect(luminance(pixel(image, 40, 40))).toBeGreaterThan(60);
  });

  it.each([0, 7, 1025, 64.5, Number.NaN])("refuses view size %s, naming the allowed range", (size) => {
    expect(() => renderView(twoBoxes(), "front", size)).toThrow(`size must be a whole number of pixels from 8 to 1024, got ${size}`);
  });

  it("refuses an unknown view, naming the views there are", () => {
    expect(() => renderView(twoBoxes(), "bottom" as never, 64)).toThrow(
      'unknown view "bottom": use one of front, back, left, right, top, three_quarter',
    );
  });
});

describe("large views", () => {
  it("renders in bands that join without a seam: the same bytes as one whole framebuffer", () => {
    for (const scene of [markedBlock(), furnishedTable()]) {
      const prepared = prepareScene(scene);
      for (const view of ["front", "three_quarter"] as const) {
        const whole = renderPreparedView(prepared, view, 150, new Workspace());
        // 300 samples wide, 8 output rows (16 sample rows) per band: 19 bands, the last one short.
        const banded = renderPreparedView(prepared, view, 150, new Workspace(300 * 16));
        expect(banded.rgba).toEqual(whole.rgba);
      }
    }
  });

  it("renders a 1024 px view, the largest there is", () => {
    const image = renderView(twoBoxes(), "three_quarter", MAX_VIEW_SIZE);
    expect([image.width, image.height, MAX_VIEW_SIZE]).toEqual([1024, 1024, 1024]);
    expect(count(image, reddish)).toBeGreaterThan(20_000);
    expect(count(image, bluish)).toBeGreaterThan(50_000);
  });
});
