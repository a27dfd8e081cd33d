/**
 * Lighting for the preview: Lambert diffuse from a key light above and to the left of the
 * viewer, a sky/ground ambient (tops a little brighter than undersides, so stacked parts read),
 * a rim light on silhouettes, and emissive added on top. Lights follow the camera, so every
 * view is lit from the same side. All colours are linear RGB.
 */
import type { SceneMaterial } from "../scene";
import { type Camera, normalize, type Vec3 } from "./camera";

export interface Lighting {
  /** Unit direction towards the key light. */
  key: Vec3;
  /** Unit direction towards the viewer (the camera is far enough for one direction to do). */
  toViewer: Vec3;
}

const KEY_STRENGTH = 0.72;
const SKY_AMBIENT = 0.34;
const GROUND_AMBIENT = 0.16;
const RIM_STRENGTH = 0.3;
/** How white the rim light is (the rest takes the surface's colour). */
const RIM_WHITE = 0.35;

export function cameraLighting(camera: Camera): Lighting {
  const { right, up, forward } = camera;
  const key = normalize([
    -0.45 * right[0] + 0.65 * up[0] - 0.6 * forward[0],
    -0.45 * right[1] + 0.65 * up[1] - 0.6 * forward[1],
    -0.45 * right[2] + 0.65 * up[2] - 0.6 * forward[2],
  ]);
  return { key, toViewer: [-forward[0], -forward[1], -forward[2]] };
}

/** Material terms the shader needs per vertex, flattened once per chunk. */
export interface SurfaceColor {
  base: Vec3;
  /** emissive × strength */
  glow: Vec3;
}

export function surfaceColor(material: SceneMaterial): SurfaceColor {
  const [r, g, b] = material.baseColor;
  const s = material.emissiveStrength;
  const [er, eg, eb] = material.emissive;
  return { base: [clamp01(r), clamp01(g), clamp01(b)], glow: [finiteOrZero(er * s), finiteOrZero(eg * s), finiteOrZero(eb * s)] };
}

/**
 * Writes the lit colour of one vertex with unit normal (nx, ny, nz) to out[offset..offset+2].
 * A missing or broken normal is treated as facing the viewer.
 */
export function shadeVertex(
  out: Float32Array,
  offset: number,
  surface: SurfaceColor,
  lighting: Lighting,
  nx: number,
  ny: number,
  nz: number,
): void {
  let length = Math.sqrt(nx * nx + ny * ny + nz * nz);
  if (!(length > 1e-12 && length < Infinity)) {
    [nx, ny, nz] = lighting.toViewer;
    length = 1;
  }
  nx /= length;
  ny /= length;
  nz /= length;
  const { key, toViewer } = lighting;
  const diffuse = KEY_STRENGTH * Math.max(0, nx * key[0] + ny * key[1] + nz * key[2]);
  const skyness = (ny + 1) / 2; // world +Y is up
  const ambient = GROUND_AMBIENT + (SKY_AMBIENT - GROUND_AMBIENT) * skyness;
  const facing = Math.max(0, nx * toViewer[0] + ny * toViewer[1] + nz * toViewer[2]);
  const edge = 1 - facing;
  const rim = RIM_STRENGTH * edge * edge * edge;
  const light = ambient + diffuse;
  // The rim keeps some of the surface's hue, so grazing faces do not all wash out to grey.
  const { base, glow } = surface;
  out[offset] = base[0] * light + rim * (RIM_WHITE + (1 - RIM_WHITE) * base[0]) + glow[0];
  out[offset + 1] = base[1] * light + rim * (RIM_WHITE + (1 - RIM_WHITE) * base[1]) + glow[1];
  out[offset + 2] = base[2] * light + rim * (RIM_WHITE + (1 - RIM_WHITE) * base[2]) + glow[2];
}

function clamp01(value: number): number {
  return value > 0 ? (value < 1 ? value : 1) : 0; // NaN becomes 0
}

function finiteOrZero(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 0;
}
