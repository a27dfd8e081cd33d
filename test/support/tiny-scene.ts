// Hand-built scenes for the GLB writer, validator and report tests: axis-aligned boxes with
// flat normals and per-face UVs, so each test knows its exact counts and bounds.
import type { Bounds, MeshChunk, Scene, SceneMaterial, ScenePart } from "../../src/mesh/scene";

type Vec3 = [number, number, number];

export function material(name: string, overrides: Partial<SceneMaterial> = {}): SceneMaterial {
  return {
    name,
    baseColor: [0.5, 0.5, 0.5, 1],
    metallic: 0,
    roughness: 0.7,
    emissive: [0, 0, 0],
    emissiveStrength: 1,
    alphaMode: "OPAQUE",
    doubleSided: false,
    ...overrides,
  };
}

/** A box as 24 vertices (4 per face, flat normals) and 12 counter-clockwise triangles. */
export function boxChunk(materialName: string, center: Vec3, size: Vec3): MeshChunk {
  const positions: number[] = [];
  const normals: number[] = [];
  const uvs: number[] = [];
  const indices: number[] = [];
  const half = size.map((s) => s / 2) as Vec3;
  for (let axis = 0; axis < 3; axis++) {
    for (const sign of [1, -1]) {
      const u = (axis + 1) % 3;
      const v = (axis + 2) % 3;
      const base = positions.length / 3;
      for (const [a, b] of [
        [-1, -1],
        [1, -1],
        [1, 1],
        [-1, 1],
      ] as const) {
        const p: Vec3 = [...center];
        p[axis] = p[axis]! + sign * half[axis]!;
        p[u] = p[u]! + a * half[u]! * sign;
        p[v] = p[v]! + b * half[v]!;
        positions.push(...p);
        const n: Vec3 = [0, 0, 0];
        n[axis] = sign;
        normals.push(...n);
        uvs.push((a + 1) / 2, (b + 1) / 2);
      }
      indices.push(base, base + 1, base + 2, base, base + 2, base + 3);
    }
  }
  return {
    material: materialName,
    positions: Float32Array.from(positions),
    normals: Float32Array.from(normals),
    uvs: Float32Array.from(uvs),
    indices: Uint32Array.from(indices),
  };
}

export function part(id: string, parent: string | null, chunks: MeshChunk[], path = id): ScenePart {
  return { id, path, parent, chunks };
}

export function boundsOf(parts: ScenePart[]): Bounds {
  const min: Vec3 = [Infinity, Infinity, Infinity];
  const max: Vec3 = [-Infinity, -Infinity, -Infinity];
  for (const p of parts)
    for (const c of p.chunks)
      for (let i = 0; i < c.positions.length; i++) {
        const axis = i % 3;
        min[axis] = Math.min(min[axis]!, c.positions[i]!);
        max[axis] = Math.max(max[axis]!, c.positions[i]!);
      }
  return { min, max };
}

/** A small table: a top on four legs, plus a lamp floating above it; two materials. */
export function tableScene(): Scene {
  const legs = [
    [-0.5, -0.3],
    [0.5, -0.3],
    [-0.5, 0.3],
    [0.5, 0.3],
  ].map(([x, z], i) => part(`leg_${i + 1}`, "table", [boxChunk("wood", [x!, 0.35, z!], [0.05, 0.7, 0.05])], `table/leg_${i + 1}`));
  const parts = [
    part("table", null, [boxChunk("wood", [0, 0.72, 0], [1.2, 0.04, 0.8])]),
    ...legs,
    part("lamp", null, [boxChunk("brass", [0, 1.5, 0], [0.1, 0.1, 0.1])]),
  ];
  return {
    parts,
    materials: new Map([
      ["wood", material("wood", { baseColor: [0.55, 0.35, 0.2, 1] })],
      ["brass", material("brass", { baseColor: [0.8, 0.6, 0.2, 1], metallic: 1, emissive: [1, 0.8, 0.3], emissiveStrength: 4 })],
    ]),
    lods: [],
    bounds: boundsOf(parts),
  };
}
