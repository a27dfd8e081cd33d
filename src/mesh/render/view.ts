/**
 * One view of a scene: transform each chunk into camera space and light its vertices, clip
 * triangles against the near plane, cull back faces (unless the material is double-sided),
 * fill opaque triangles, ink the outlines, blend transparent triangles far to near, then
 * box-filter the 2× buffer down to the picture.
 */
import type { Scene } from "../scene";
import { type Camera, frameCamera, VIEW_NAMES, type ViewName } from "./camera";
import { BACKGROUND_SRGB, LABEL_SRGB, resolveRows, type RgbaImage, srgbToLinear } from "./color";
import { drawOutlines } from "./outline";
import { type DrawableChunk, type PreparedScene, prepareScene } from "./prepare";
import { fillTriangle, Framebuffer, SCREEN_VERTEX } from "./raster";
import { cameraLighting, type Lighting, shadeVertex, surfaceColor } from "./shade";

/** Samples per pixel along each axis (the resolve in color.ts box-filters 2×2). */
export const SUPERSAMPLING = 2;
export const MIN_VIEW_SIZE = 8;
/** Large enough for a view of its own; bounds the CPU one render may take. */
export const MAX_VIEW_SIZE = 1024;
/**
 * Samples one band of the framebuffer may hold (20 bytes each: ~21 MB), so a big view fits in
 * a Worker's 128 MB. A montage tile (≤ 682² samples) is one band; a 1024 px view is four.
 */
const MAX_BAND_SAMPLES = 1 << 20;
/**
 * Rows of context a band renders beyond the rows it keeps: outlines look one sample past a
 * boundary for the depth slope and ink two samples down from it.
 */
const BAND_CONTEXT_ABOVE = 3;
const BAND_CONTEXT_BELOW = 2;

const BACKGROUND = srgbToLinear(BACKGROUND_SRGB);
const INK = srgbToLinear(LABEL_SRGB);

/** Renders one view of `scene` as a `size`×`size` sRGB picture. */
export function renderView(scene: Scene, view: ViewName, size: number): RgbaImage {
  checkView(view);
  checkSize("size", size, MIN_VIEW_SIZE, MAX_VIEW_SIZE);
  return renderPreparedView(prepareScene(scene), view, size, new Workspace());
}

/** The framebuffer reused across the views of one montage (and the bands of one view). */
export class Workspace {
  private framebuffer: Framebuffer | undefined;
  /** Samples one band may hold (tests shrink it to compare banded and whole renders). */
  readonly bandSamples: number;

  constructor(bandSamples = MAX_BAND_SAMPLES) {
    this.bandSamples = bandSamples;
  }

  framebufferFor(width: number, height: number): Framebuffer {
    const current = this.framebuffer;
    if (current?.width !== width || current.height !== height) this.framebuffer = new Framebuffer(width, height);
    return this.framebuffer!;
  }
}

export function renderPreparedView(prepared: PreparedScene, view: ViewName, size: number, workspace: Workspace): RgbaImage {
  const sphere = prepared.sphere;
  return renderBands(size, workspace, sphere ? (fb) => drawScene(prepared, frameCamera(sphere, view), fb) : undefined);
}

/** Renders through a camera placed by the caller (tests use it to reach the near plane). */
export function renderWithCamera(scene: Scene, camera: Camera, size: number): RgbaImage {
  checkSize("size", size, MIN_VIEW_SIZE, MAX_VIEW_SIZE);
  const prepared = prepareScene(scene);
  return renderBands(size, new Workspace(), (fb) => drawScene(prepared, camera, fb));
}

/** Draws the picture band by band (one band unless it is large) and resolves each into the output. */
function renderBands(size: number, workspace: Workspace, draw: ((fb: Framebuffer) => void) | undefined): RgbaImage {
  const samples = size * SUPERSAMPLING;
  const image: RgbaImage = { width: size, height: size, rgba: new Uint8Array(size * size * 4) };
  // Whole output rows per band (an even number of sample rows), at least a few.
  const rowsPerBand = Math.max(8, Math.floor(workspace.bandSamples / samples / SUPERSAMPLING) * SUPERSAMPLING);
  for (let start = 0; start < samples; start += rowsPerBand) {
    const end = Math.min(samples, start + rowsPerBand);
    const top = Math.max(0, start - BAND_CONTEXT_ABOVE);
    const bottom = Math.min(samples, end + BAND_CONTEXT_BELOW);
    const fb = workspace.framebufferFor(samples, bottom - top);
    fb.originY = top;
    fb.clear(BACKGROUND);
    draw?.(fb);
    resolveRows(fb, start - top, (end - start) / SUPERSAMPLING, image, start / SUPERSAMPLING, BACKGROUND);
  }
  return image;
}

/** Draws with any camera into a framebuffer band. */
function drawScene(prepared: PreparedScene, camera: Camera, fb: Framebuffer): void {
  const lighting = cameraLighting(camera);
  let triangleCount = 0;
  for (const { chunk } of prepared.chunks) triangleCount += Math.floor(chunk.indices.length / 3);
  const normals = new Float32Array(triangleCount * 3);
  const projector = new Projector(camera, fb.width, fb.originY);
  let nextSurface = 0;
  const blended: Array<{ chunk: ChunkInCamera; triangle: number; facing: -1 | 1; depth: number }> = [];

  for (const drawable of prepared.chunks) {
    const inCamera = new ChunkInCamera(drawable, camera, lighting);
    const { indices } = drawable.chunk;
    for (let t = 0; t + 2 < indices.length; t += 3) {
      const facing = inCamera.facing(t);
      if (facing === 0) continue;
      if (drawable.blended) {
        const [i0, i1, i2] = [indices[t]!, indices[t + 1]!, indices[t + 2]!];
        blended.push({ chunk: inCamera, triangle: t, facing, depth: inCamera.z[i0]! + inCamera.z[i1]! + inCamera.z[i2]! });
        continue;
      }
      const id = nextSurface++;
      normals[id * 3] = inCamera.faceNormal[0] * facing;
      normals[id * 3 + 1] = inCamera.faceNormal[1] * facing;
      normals[id * 3 + 2] = inCamera.faceNormal[2] * facing;
      projector.draw(fb, inCamera, t, facing, id, 1);
    }
  }

  drawOutlines(fb, normals, INK);

  blended.sort((p, q) => q.depth - p.depth || p.triangle - q.triangle);
  for (const { chunk, triangle, facing } of blended) projector.draw(fb, chunk, triangle, facing, -1, chunk.alpha);
}

/** One chunk's vertices in camera space with their lit colours (front and, if double-sided, back). */
class ChunkInCamera {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly z: Float32Array;
  readonly front: Float32Array;
  readonly back: Float32Array | undefined;
  readonly alpha: number;
  /** The last triangle's unit world normal, as `facing` found it (counter-clockwise = outward). */
  readonly faceNormal: [number, number, number] = [0, 0, 0];
  readonly drawable: DrawableChunk;
  private readonly camera: Camera;
  private readonly vertexCount: number;

  // No parameter properties: Node's type stripping (the timing script) does not accept them.
  constructor(drawable: DrawableChunk, camera: Camera, lighting: Lighting) {
    this.drawable = drawable;
    this.camera = camera;
    const { positions, normals } = drawable.chunk;
    const n = Math.floor(positions.length / 3);
    this.vertexCount = n;
    this.x = new Float32Array(n);
    this.y = new Float32Array(n);
    this.z = new Float32Array(n);
    this.front = new Float32Array(n * 3);
    const { material } = drawable;
    this.back = material.doubleSided ? new Float32Array(n * 3) : undefined;
    this.alpha = drawable.blended ? material.baseColor[3] : 1;
    const surface = surfaceColor(material);
    const { eye, right, up, forward } = camera;
    for (let v = 0; v < n; v++) {
      const px = positions[v * 3]! - eye[0];
      const py = positions[v * 3 + 1]! - eye[1];
      const pz = positions[v * 3 + 2]! - eye[2];
      this.x[v] = px * right[0] + py * right[1] + pz * right[2];
      this.y[v] = px * up[0] + py * up[1] + pz * up[2];
      this.z[v] = px * forward[0] + py * forward[1] + pz * forward[2];
      const nx = normals[v * 3] ?? 0;
      const ny = normals[v * 3 + 1] ?? 0;
      const nz = normals[v * 3 + 2] ?? 0;
      shadeVertex(this.front, v * 3, surface, lighting, nx, ny, nz);
      if (this.back) shadeVertex(this.back, v * 3, surface, lighting, -nx, -ny, -nz);
    }
  }

  /**
   * 1 if triangle `t` (offset into indices) faces the camera, -1 if it faces away but the
   * material is double-sided, 0 if it is not drawn (culled, degenerate, broken index or
   * non-finite position). Leaves its unit world normal in `faceNormal`.
   */
  facing(t: number): -1 | 0 | 1 {
    const { indices, positions } = this.drawable.chunk;
    const i0 = indices[t]!;
    const i1 = indices[t + 1]!;
    const i2 = indices[t + 2]!;
    if (i0 >= this.vertexCount || i1 >= this.vertexCount || i2 >= this.vertexCount) return 0;
    const ax = positions[i0 * 3]!;
    const ay = positions[i0 * 3 + 1]!;
    const az = positions[i0 * 3 + 2]!;
    const ux = positions[i1 * 3]! - ax;
    const uy = positions[i1 * 3 + 1]! - ay;
    const uz = positions[i1 * 3 + 2]! - az;
    const vx = positions[i2 * 3]! - ax;
    const vy = positions[i2 * 3 + 1]! - ay;
    const vz = positions[i2 * 3 + 2]! - az;
    const nx = uy * vz - uz * vy;
    const ny = uz * vx - ux * vz;
    const nz = ux * vy - uy * vx;
    const length = Math.sqrt(nx * nx + ny * ny + nz * nz);
    // Also false for NaN or infinite positions, which then never reach the rasterizer.
    if (!(length > 0 && length < Infinity)) return 0;
    const { eye } = this.camera;
    const towardsEye = nx * (eye[0] - ax) + ny * (eye[1] - ay) + nz * (eye[2] - az);
    const normal = this.faceNormal;
    normal[0] = nx / length;
    normal[1] = ny / length;
    normal[2] = nz / length;
    if (towardsEye > 0) return 1;
    if (this.back && towardsEye < 0) return -1;
    return 0;
  }
}

/** Floats per camera-space vertex while clipping: x, y, z, r, g, b. */
const CLIP_VERTEX = 6;

/** Clips triangles against the near plane, projects them and hands them to the filler. */
class Projector {
  private readonly scale: number;
  private readonly half: number;
  private readonly originY: number;
  private readonly near: number;
  /** Up to 4 camera-space vertices: a triangle clipped by one plane has at most 4 corners. */
  private readonly polygon = new Float64Array(4 * CLIP_VERTEX);
  private readonly screen = new Float64Array(3 * SCREEN_VERTEX);

  /** `size`: the whole picture's side in samples; `originY`: the band's first row. */
  constructor(camera: Camera, size: number, originY: number) {
    this.half = size / 2;
    this.originY = originY;
    this.scale = this.half / camera.tanHalfFov;
    this.near = camera.near;
  }

  draw(fb: Framebuffer, chunk: ChunkInCamera, t: number, facing: -1 | 1, surfaceId: number, alpha: number): void {
    const { indices } = chunk.drawable.chunk;
    const colors = facing === 1 ? chunk.front : chunk.back!;
    const corners = [indices[t]!, indices[t + 1]!, indices[t + 2]!];
    const near = this.near;
    let behind = 0;
    for (const v of corners) if (chunk.z[v]! < near) behind++;
    if (behind === 3) return;

    const screen = this.screen;
    if (behind === 0) {
      for (let k = 0; k < 3; k++) {
        const v = corners[k]!;
        this.project(k, chunk.x[v]!, chunk.y[v]!, chunk.z[v]!, colors[v * 3]!, colors[v * 3 + 1]!, colors[v * 3 + 2]!);
      }
      fillTriangle(fb, screen, surfaceId, alpha);
      return;
    }

    // Sutherland–Hodgman against z = near: keep corners in front, add a vertex where an edge crosses.
    const polygon = this.polygon;
    let count = 0;
    for (let k = 0; k < 3; k++) {
      const p = corners[k]!;
      const q = corners[(k + 1) % 3]!;
      const pz = chunk.z[p]!;
      const qz = chunk.z[q]!;
      if (pz >= near) count = this.keep(count, chunk, colors, p);
      if (pz >= near !== qz >= near) {
        const s = (near - pz) / (qz - pz);
        const o = count * CLIP_VERTEX;
        polygon[o] = chunk.x[p]! + (chunk.x[q]! - chunk.x[p]!) * s;
        polygon[o + 1] = chunk.y[p]! + (chunk.y[q]! - chunk.y[p]!) * s;
        polygon[o + 2] = near;
        for (let c = 0; c < 3; c++) polygon[o + 3 + c] = colors[p * 3 + c]! + (colors[q * 3 + c]! - colors[p * 3 + c]!) * s;
        count++;
      }
    }
    // A fan from the first corner: one triangle (3 corners) or two (4 corners).
    for (let k = 1; k + 1 < count; k++) {
      for (const [slot, corner] of [
        [0, 0],
        [1, k],
        [2, k + 1],
      ] as const) {
        const o = corner * CLIP_VERTEX;
        this.project(slot, polygon[o]!, polygon[o + 1]!, polygon[o + 2]!, polygon[o + 3]!, polygon[o + 4]!, polygon[o + 5]!);
      }
      fillTriangle(fb, screen, surfaceId, alpha);
    }
  }

  private keep(count: number, chunk: ChunkInCamera, colors: Float32Array, v: number): number {
    const o = count * CLIP_VERTEX;
    const polygon = this.polygon;
    polygon[o] = chunk.x[v]!;
    polygon[o + 1] = chunk.y[v]!;
    polygon[o + 2] = chunk.z[v]!;
    polygon[o + 3] = colors[v * 3]!;
    polygon[o + 4] = colors[v * 3 + 1]!;
    polygon[o + 5] = colors[v * 3 + 2]!;
    return count + 1;
  }

  private project(slot: number, x: number, y: number, z: number, r: number, g: number, b: number): void {
    const inverse = 1 / z;
    const o = slot * SCREEN_VERTEX;
    const screen = this.screen;
    screen[o] = this.half + x * inverse * this.scale;
    screen[o + 1] = this.half - y * inverse * this.scale - this.originY;
    screen[o + 2] = inverse;
    screen[o + 3] = r;
    screen[o + 4] = g;
    screen[o + 5] = b;
  }
}

export function checkView(view: string): asserts view is ViewName {
  if (!(VIEW_NAMES as readonly string[]).includes(view)) {
    throw new Error(`unknown view "${view}": use one of ${VIEW_NAMES.join(", ")}`);
  }
}

export function checkSize(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be a whole number of pixels from ${min} to ${max}, got ${value}`);
  }
}
