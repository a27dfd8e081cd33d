/**
 * What the renderer needs from a scene, gathered once for all six views: the full-detail chunks
 * with their materials resolved, and a bounding sphere of the vertices that can be drawn.
 * LODs and colliders are not drawn. Non-finite positions are left out of the bounds (the
 * rasterizer skips their triangles), so a broken vertex cannot move the camera to infinity.
 */
import type { MeshChunk, Scene, SceneMaterial } from "../scene";
import { defaultMaterial } from "../materials";
import type { BoundingSphere } from "./camera";

export interface DrawableChunk {
  chunk: MeshChunk;
  material: SceneMaterial;
  /** BLEND materials with some transparency, drawn after everything opaque. */
  blended: boolean;
}

export interface PreparedScene {
  chunks: DrawableChunk[];
  /** null when no vertex has a finite position: nothing to draw. */
  sphere: BoundingSphere | null;
}

/** The spec's default material, for a chunk naming a material the scene does not have (as the GLB writer does). */
const FALLBACK_MATERIAL: SceneMaterial = defaultMaterial();

/** glTF's default alphaCutoff for MASK materials. */
const ALPHA_CUTOFF = 0.5;

export function prepareScene(scene: Scene): PreparedScene {
  const chunks: DrawableChunk[] = [];
  for (const part of scene.parts) {
    for (const chunk of part.chunks) {
      const material = scene.materials.get(chunk.material) ?? FALLBACK_MATERIAL;
      const alpha = material.baseColor[3];
      if (material.alphaMode === "MASK" && !(alpha >= ALPHA_CUTOFF)) continue;
      if (material.alphaMode === "BLEND" && !(alpha > 0)) continue;
      chunks.push({ chunk, material, blended: material.alphaMode === "BLEND" && alpha < 1 });
    }
  }
  return { chunks, sphere: boundingSphere(chunks) };
}

function boundingSphere(chunks: DrawableChunk[]): BoundingSphere | null {
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  let finiteVertices = 0;
  for (const { chunk } of chunks) {
    const p = chunk.positions;
    for (let i = 0; i + 2 < p.length; i += 3) {
      const x = p[i]!;
      const y = p[i + 1]!;
      const z = p[i + 2]!;
      if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(z)) continue;
      finiteVertices++;
      if (x < min[0]!) min[0] = x;
      if (y < min[1]!) min[1] = y;
      if (z < min[2]!) min[2] = z;
      if (x > max[0]!) max[0] = x;
      if (y > max[1]!) max[1] = y;
      if (z > max[2]!) max[2] = z;
    }
  }
  if (finiteVertices === 0) return null;
  const cx = (min[0]! + max[0]!) / 2;
  const cy = (min[1]! + max[1]!) / 2;
  const cz = (min[2]! + max[2]!) / 2;
  let radiusSquared = 0;
  for (const { chunk } of chunks) {
    const p = chunk.positions;
    for (let i = 0; i + 2 < p.length; i += 3) {
      const dx = p[i]! - cx;
      const dy = p[i + 1]! - cy;
      const dz = p[i + 2]! - cz;
      const d = dx * dx + dy * dy + dz * dz;
      if (d > radiusSquared && d < Infinity) radiusSquared = d; // NaN and infinity are skipped
    }
  }
  // A single point still gets a camera that can see it.
  const radius = radiusSquared > 0 ? Math.sqrt(radiusSquared) : 1;
  return { center: [cx, cy, cz], radius };
}
