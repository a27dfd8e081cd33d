/**
 * Hand-made scenes for the preview renderer's tests and timing script, built directly as
 * `Scene` data so they do not depend on the spec compiler: boxes of 12 triangles, UV spheres,
 * single triangles and quads.
 */
import type { MeshChunk, Scene, SceneMaterial, ScenePart } from "../../src/mesh/scene";

type Vec3 = [number, number, number];

export function material(name: string, overrides: Partial<SceneMaterial> = {}): SceneMaterial {
  return {
    name,
    baseColor: [0.8, 0.8, 0.8, 1],
    metallic: 0,
    roughness: 0.5,
    emissive: [0, 0, 0],
    emissiveStrength: 1,
    alphaMode: "OPAQUE",
    doubleSided: false,
    ...overrides,
  };
}

/** Collects vertices and counter-clockwise triangles into one chunk. */
class ChunkBuilder {
  private readonly positions: number[] = [];
  private readonly normals: number[] = [];
  private readonly indices: number[] = [];

  vertex(position: Vec3, normal: Vec3): number {
    this.positions.push(...position);
    this.normals.push(...normal);
    return this.positions.length / 3 - 1;
  }

  triangle(a: number, b: number, c: number): void {
    this.indices.push(a, b, c);
  }

  build(materialName: string): MeshChunk {
    const count = this.positions.length / 3;
    return {
      material: materialName,
      positions: new Float32Array(this.positions),
      normals: new Float32Array(this.normals),
      uvs: new Float32Array(count * 2),
      indices: new Uint32Array(this.indices),
    };
  }
}

/** An axis-aligned box: 6 faces of 4 vertices (flat normals), 12 triangles facing out. */
export function boxChunk(materialName: string, center: Vec3, size: Vec3): MeshChunk {
  const builder = new ChunkBuilder();
  const half: Vec3 = [size[0] / 2, size[1] / 2, size[2] / 2];
  for (let axis = 0; axis < 3; axis++) {
    for (const sign of [1, -1]) {
      const normal: Vec3 = [0, 0, 0];
      normal[axis] = sign;
      // Two axes spanning the face, ordered so u × v = normal (counter-clockwise from outside).
      const u: Vec3 = [0, 0, 0];
      const v: Vec3 = [0, 0, 0];
      u[(axis + 1) % 3] = sign;
      v[(axis + 2) % 3] = 1;
      const corner = (su: number, sv: number): Vec3 => [
        center[0] + normal[0] * half[0] + (u[0] * su + v[0] * sv) * half[0],
        center[1] + normal[1] * half[1] + (u[1] * su + v[1] * sv) * half[1],
        center[2] + normal[2] * half[2] + (u[2] * su + v[2] * sv) * half[2],
      ];
      const a = builder.vertex(corner(-1, -1), normal);
      const b = builder.vertex(corner(1, -1), normal);
      const c = builder.vertex(corner(1, 1), normal);
      const d = builder.vertex(corner(-1, 1), normal);
      builder.triangle(a, b, c);
      builder.triangle(a, c, d);
    }
  }
  return builder.build(materialName);
}

/** A UV sphere with `segments` around and `rings` from pole to pole: 2·segments·(rings−1) triangles. */
export function sphereChunk(materialName: string, center: Vec3, radius: number, segments: number, rings: number): MeshChunk {
  const builder = new ChunkBuilder();
  for (let ring = 0; ring <= rings; ring++) {
    const theta = (ring / rings) * Math.PI;
    for (let segment = 0; segment <= segments; segment++) {
      const phi = (segment / segments) * 2 * Math.PI;
      const normal: Vec3 = [Math.sin(theta) * Math.sin(phi), Math.cos(theta), Math.sin(theta) * Math.cos(phi)];
      builder.vertex([center[0] + normal[0] * radius, center[1] + normal[1] * radius, center[2] + normal[2] * radius], normal);
    }
  }
  const row = segments + 1;
  for (let ring = 0; ring < rings; ring++) {
    for (let segment = 0; segment < segments; segment++) {
      const a = ring * row + segment;
      const b = a + row;
      if (ring > 0) builder.triangle(a, b, a + 1);
      if (ring < rings - 1) builder.triangle(a + 1, b, b + 1);
    }
  }
  return builder.build(materialName);
}

/** One triangle through the given corners, in that (counter-clockwise = front) order. */
export function triangleChunk(materialName: string, a: Vec3, b: Vec3, c: Vec3): MeshChunk {
  const builder = new ChunkBuilder();
  const u: Vec3 = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
  const v: Vec3 = [c[0] - a[0], c[1] - a[1], c[2] - a[2]];
  const n: Vec3 = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
  const length = Math.hypot(...n);
  const normal: Vec3 = [n[0] / length, n[1] / length, n[2] / length];
  builder.triangle(builder.vertex(a, normal), builder.vertex(b, normal), builder.vertex(c, normal));
  return builder.build(materialName);
}

export function sceneOf(parts: Array<{ id: string; chunks: MeshChunk[] }>, materials: SceneMaterial[]): Scene {
  const min: Vec3 = [Infinity, Infinity, Infinity];
  const max: Vec3 = [-Infinity, -Infinity, -Infinity];
  for (const part of parts) {
    for (const chunk of part.chunks) {
      for (let i = 0; i < chunk.positions.length; i++) {
        const value = chunk.positions[i]!;
        if (!Number.isFinite(value)) continue;
        min[i % 3] = Math.min(min[i % 3]!, value);
        max[i % 3] = Math.max(max[i % 3]!, value);
      }
    }
  }
  const sceneParts: ScenePart[] = parts.map(({ id, chunks }) => ({ id, path: id, parent: null, chunks }));
  return {
    parts: sceneParts,
    materials: new Map(materials.map((m) => [m.name, m])),
    lods: [],
    bounds: { min, max },
  };
}

/** A red box on a blue box: the two-material fixture. */
export function twoBoxes(): Scene {
  return sceneOf(
    [
      { id: "base", chunks: [boxChunk("blue", [0, 0.25, 0], [1, 0.5, 1])] },
      { id: "top", chunks: [boxChunk("red", [0, 0.75, 0], [0.5, 0.5, 0.5])] },
    ],
    [material("red", { baseColor: [0.8, 0.05, 0.05, 1] }), material("blue", { baseColor: [0.05, 0.1, 0.8, 1] })],
  );
}

/** About `triangles` triangles in a grid of UV spheres (for timing). */
export function sphereField(triangles: number): Scene {
  const perSphere = 2 * 48 * 23; // segments 48, rings 24
  const count = Math.max(1, Math.round(triangles / perSphere));
  const side = Math.ceil(Math.sqrt(count));
  const chunks: MeshChunk[] = [];
  for (let i = 0; i < count; i++) {
    chunks.push(sphereChunk("grey", [(i % side) * 1.1, 0.5, Math.floor(i / side) * 1.1], 0.5, 48, 24));
  }
  return sceneOf([{ id: "field", chunks }], [material("grey")]);
}

/** A table with four legs, a red ball, a glass block and a glowing lamp: every kind of material at once. */
export function furnishedTable(): Scene {
  const legs = [-1, 1].flatMap((sx) => [-1, 1].map((sz) => boxChunk("wood", [sx * 0.55, 0.35, sz * 0.3], [0.08, 0.7, 0.08])));
  return sceneOf(
    [
      { id: "top", chunks: [boxChunk("wood", [0, 0.725, 0], [1.3, 0.05, 0.75])] },
      { id: "legs", chunks: legs },
      { id: "ball", chunks: [sphereChunk("red", [-0.3, 0.87, 0], 0.12, 32, 16)] },
      { id: "glass", chunks: [boxChunk("glass", [0.1, 0.85, 0.1], [0.2, 0.2, 0.2])] },
      { id: "lamp", chunks: [sphereChunk("glow", [0.4, 0.82, -0.1], 0.07, 16, 8)] },
    ],
    [
      material("wood", { baseColor: [0.45, 0.25, 0.1, 1] }),
      material("red", { baseColor: [0.8, 0.05, 0.05, 1] }),
      material("glass", { baseColor: [0.6, 0.8, 0.9, 0.35], alphaMode: "BLEND" }),
      material("glow", { baseColor: [0.2, 0.2, 0.1, 1], emissive: [1, 0.8, 0.3], emissiveStrength: 1.5 }),
    ],
  );
}
