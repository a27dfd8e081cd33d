/**
 * Outlines drawn from the opaque buffers: wherever two neighbouring pixels show different
 * triangles and those differ enough — one is background (silhouette), their normals bend
 * sharply (crease), or their depths jump (one part in front of another) — a line three
 * samples wide is inked across the boundary. After the 2×2 resolve that is always one fully
 * dark pixel beside a half-dark one, however the edge falls on the pixel grid.
 */
import type { Vec3 } from "./camera";
import type { Framebuffer } from "./raster";

/** Normals meeting at more than ~53° make a crease; finer tessellation steps do not. */
const CREASE_COSINE = 0.6;
/**
 * A step in depth of more than 1 % of the distance, beyond what the surface's own slope
 * predicts, is an occlusion edge. Inverse depth is linear across the screen on a plane, so
 * extrapolating it one sample from each side predicts a coplanar neighbour exactly, even at a
 * grazing angle where plain depth differences between neighbours are large.
 */
const DEPTH_JUMP_RATIO = 0.01;
const INK_OPACITY = 1;

/**
 * @param normals unit normal per opaque triangle id (xyz), facing the camera
 * @param ink linear RGB of the line
 */
export function drawOutlines(fb: Framebuffer, normals: Float32Array, ink: Vec3): void {
  const { width, height, surface, inverseDepth, touched } = fb;
  if (touched.minX > touched.maxX) return;
  // Boundaries lie up to one sample outside what was drawn (the background side of a silhouette).
  const minX = Math.max(0, touched.minX - 1);
  const maxX = Math.min(width - 1, touched.maxX + 1);
  const minY = Math.max(0, touched.minY - 1);
  const maxY = Math.min(height - 1, touched.maxY + 1);
  const marks = new Uint8Array(width * height);

  /** Whether the boundary between samples i and j = i + step is an edge; `before`/`after`: i − step and j + step exist. */
  const edgeBetween = (si: number, sj: number, i: number, step: number, before: boolean, after: boolean): boolean => {
    if (si < 0 || sj < 0) return true;
    const ni = si * 3;
    const nj = sj * 3;
    const cosine = normals[ni]! * normals[nj]! + normals[ni + 1]! * normals[nj + 1]! + normals[ni + 2]! * normals[nj + 2]!;
    if (cosine < CREASE_COSINE) return true;
    const j = i + step;
    const wi = inverseDepth[i]!;
    const wj = inverseDepth[j]!;
    const beforeI = before ? inverseDepth[i - step]! : 0;
    const afterJ = after ? inverseDepth[j + step]! : 0;
    const predictedJ = beforeI > 0 ? 2 * wi - beforeI : wi;
    const predictedI = afterJ > 0 ? 2 * wj - afterJ : wj;
    return Math.abs(wj - predictedJ) > DEPTH_JUMP_RATIO * wj && Math.abs(wi - predictedI) > DEPTH_JUMP_RATIO * wi;
  };

  for (let y = minY; y <= maxY; y++) {
    const row = y * width;
    for (let x = minX; x <= maxX; x++) {
      const i = row + x;
      const si = surface[i]!;
      if (x < maxX) {
        const sj = surface[i + 1]!;
        if (si !== sj && edgeBetween(si, sj, i, 1, x > 0, x + 2 < width)) {
          marks[i] = marks[i + 1] = 1;
          if (x + 2 < width) marks[i + 2] = 1;
        }
      }
      if (y < maxY) {
        const sj = surface[i + width]!;
        if (si !== sj && edgeBetween(si, sj, i, width, y > 0, y + 2 < height)) {
          marks[i] = marks[i + width] = 1;
          if (y + 2 < height) marks[i + 2 * width] = 1;
        }
      }
    }
  }

  const { red, green, blue } = fb;
  const keep = 1 - INK_OPACITY;
  const [ir, ig, ib] = [ink[0] * INK_OPACITY, ink[1] * INK_OPACITY, ink[2] * INK_OPACITY];
  // Ink reaches one sample further right and down than the boundaries.
  const inkMaxX = Math.min(width - 1, maxX + 1);
  const inkMaxY = Math.min(height - 1, maxY + 1);
  for (let y = minY; y <= inkMaxY; y++) {
    for (let i = y * width + minX, end = y * width + inkMaxX; i <= end; i++) {
      if (marks[i] === 0) continue;
      red[i] = red[i]! * keep + ir;
      green[i] = green[i]! * keep + ig;
      blue[i] = blue[i]! * keep + ib;
    }
  }
  fb.touch(minX, minY, inkMaxX, inkMaxY);
}
