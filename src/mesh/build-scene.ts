/**
 * Spec → Scene: the whole geometry half of the 3D compiler. Checks the part tree, fits the
 * triangle budget by lowering curve segments, tessellates each part once, places every copy
 * (operators and attachments), merges each part's copies into one chunk, moves the origin,
 * and adds LODs and colliders. Forgiving where a reference cannot be resolved (warnings),
 * refusing (ToolError naming the part path and the fix) only what cannot make geometry.
 */
import { ToolError } from "../errors";
import { convexHull } from "./hull";
import { determinant3, identity, normalMatrix, type Mat4, type Vec3 } from "./matrix";
import { MaterialLibrary } from "./materials";
import { buildPartTree, type TreePart } from "./part-tree";
import { boundsOf, copyMatrices, countInstances, placeParts } from "./placement";
import type { Bounds, MeshChunk, Scene, SceneCollider, SceneLod, ScenePart } from "./scene";
import { SPEC_LIMITS, type ModelSpec } from "./spec";
import { detailKey, estimateTriangles, prepareShape, tessellate, type Geometry, type PreparedShape } from "./tessellate";

export interface BuildSceneResult {
  scene: Scene;
  warnings: string[];
}

/** Each budget step keeps this fraction of the segments. */
const BUDGET_STEP = 0.8;
/** Below this detail factor every curved shape sits at its segment floor. */
const MIN_FACTOR = 0.02;

export function buildScene(spec: ModelSpec): BuildSceneResult {
  const warnings: string[] = [];
  const options = spec.options;
  const budget = options?.triangle_budget ?? SPEC_LIMITS.triangleBudget.default;

  const tree = buildPartTree(spec.parts, warnings);
  const shapes = tree.map((part) => prepareShape(part.spec.shape, part.path, warnings));
  const copies = tree.map((part) => copyMatrices(part.spec, part.path, warnings));
  const instanceCounts = countInstances(tree, copies);
  const library = new MaterialLibrary(spec.materials ?? [], warnings);
  const materials = tree.map((part) => library.resolve(part.spec.material, part.path, warnings).name);

  const lodRatios = options?.lods ?? [];
  const factor = fitBudget(tree, shapes, instanceCounts, lodRatios, budget);
  if (factor < 1) warnings.push(`lowered curve segments to ${Math.round(factor * 100)}% to fit the ${budget}-triangle budget.`);

  const geometries = shapes.map((shape) => tessellate(shape, factor));
  const matrices = placeParts(tree, geometries, copies, warnings);
  let parts = tree.map((part) => emitPart(part, geometries[part.index]!, matrices[part.index]!, materials[part.index]!));

  const rawBounds = sceneBounds(parts);
  const shift = originShift(rawBounds, options?.origin ?? "bottom_center");
  parts = parts.map((part) => shiftPart(part, shift));
  const bounds: Bounds = {
    min: rawBounds.min.map((v, k) => v + shift[k]!) as Vec3,
    max: rawBounds.max.map((v, k) => v + shift[k]!) as Vec3,
  };

  // A part already at its fewest segments (or with none to lower) reuses its full-detail mesh.
  const lods: SceneLod[] = lodRatios.map((ratio) => ({
    ratio,
    parts: tree.map((part) => {
      const shape = shapes[part.index]!;
      if (detailKey(shape, factor * ratio) === detailKey(shape, factor)) return parts[part.index]!;
      const geometry = tessellate(shape, factor * ratio);
      return shiftPart(emitPart(part, geometry, matrices[part.index]!, materials[part.index]!), shift);
    }),
  }));

  const colliders = options?.colliders ?? "none";
  if (colliders !== "none") parts = parts.map((part) => ({ ...part, collider: colliderFor(part, colliders) }));

  return { scene: { parts, materials: library.used, lods, bounds }, warnings };
}

/**
 * Largest detail factor ≤ 1 whose estimated triangle count, full model plus every LOD, fits
 * the budget (the compiler counts LODs against it too); refuses if even the floor does not.
 */
function fitBudget(tree: TreePart[], shapes: PreparedShape[], instanceCounts: number[], lodRatios: number[], budget: number): number {
  const partTriangles = (i: number, factor: number) => {
    const shape = shapes[i]!;
    const lods = lodRatios.reduce((sum, ratio) => sum + estimateTriangles(shape, factor * ratio), 0);
    return (estimateTriangles(shape, factor) + lods) * instanceCounts[i]!;
  };
  const total = (factor: number) => shapes.reduce((sum, _, i) => sum + partTriangles(i, factor), 0);
  let factor = 1;
  while (total(factor) > budget && factor > MIN_FACTOR) factor *= BUDGET_STEP;
  if (total(factor) <= budget) return factor;
  const heaviest = tree
    .map((part, i) => ({ path: part.path, triangles: partTriangles(i, factor) }))
    .sort((a, b) => b.triangles - a.triangles)
    .slice(0, 3)
    .map((p) => `"${p.path}" ${p.triangles}`)
    .join(", ");
  const withLods = lodRatios.length > 0 ? ` with its ${lodRatios.length} LOD${lodRatios.length > 1 ? "s" : ""}` : "";
  throw new ToolError(
    `triangle budget exceeded: the model${withLods} needs at least ${total(factor)} triangles even with the fewest segments, over the triangle_budget of ${budget} (largest parts: ${heaviest}); raise options.triangle_budget (max ${SPEC_LIMITS.triangleBudget.max}) or use fewer ${lodRatios.length > 0 ? "array copies, parts or LODs" : "array copies and parts"}.`,
    "over_budget",
  );
}

/** Every copy of one part in model space, merged into one chunk of its material. */
function emitPart(part: TreePart, geometry: Geometry, matrices: Mat4[], material: string): ScenePart {
  const vertexCount = geometry.positions.length / 3;
  const triangleCount = geometry.indices.length / 3;
  const positions = new Float32Array(vertexCount * 3 * matrices.length);
  const normals = new Float32Array(vertexCount * 3 * matrices.length);
  const uvs = new Float32Array(vertexCount * 2 * matrices.length);
  const indices = new Uint32Array(triangleCount * 3 * matrices.length);
  const src = geometry;
  matrices.forEach((m, copy) => {
    const n = normalMatrix(m);
    const base = copy * vertexCount;
    for (let v = 0; v < vertexCount; v++) {
      const x = src.positions[v * 3]!;
      const y = src.positions[v * 3 + 1]!;
      const z = src.positions[v * 3 + 2]!;
      const o = (base + v) * 3;
      positions[o] = m[0]! * x + m[4]! * y + m[8]! * z + m[12]!;
      positions[o + 1] = m[1]! * x + m[5]! * y + m[9]! * z + m[13]!;
      positions[o + 2] = m[2]! * x + m[6]! * y + m[10]! * z + m[14]!;
      const nx = src.normals[v * 3]!;
      const ny = src.normals[v * 3 + 1]!;
      const nz = src.normals[v * 3 + 2]!;
      const tx = n[0]! * nx + n[3]! * ny + n[6]! * nz;
      const ty = n[1]! * nx + n[4]! * ny + n[7]! * nz;
      const tz = n[2]! * nx + n[5]! * ny + n[8]! * nz;
      const length = Math.hypot(tx, ty, tz) || 1;
      normals[o] = tx / length;
      normals[o + 1] = ty / length;
      normals[o + 2] = tz / length;
    }
    uvs.set(src.uvs, base * 2);
    // A mirroring transform turns counter-clockwise faces clockwise: swap two corners back.
    const flip = determinant3(m) < 0;
    const at = copy * triangleCount * 3;
    for (let t = 0; t < triangleCount * 3; t += 3) {
      indices[at + t] = base + src.indices[t]!;
      indices[at + t + 1] = base + src.indices[flip ? t + 2 : t + 1]!;
      indices[at + t + 2] = base + src.indices[flip ? t + 1 : t + 2]!;
    }
  });
  const chunk: MeshChunk = { material, positions, normals, uvs, indices };
  const parent = part.parent === null ? null : part.path.split("/").at(-2)!;
  return { id: part.spec.id, path: part.path, parent, chunks: [chunk] };
}

function sceneBounds(parts: ScenePart[]): Bounds {
  const min: Vec3 = [Infinity, Infinity, Infinity];
  const max: Vec3 = [-Infinity, -Infinity, -Infinity];
  for (const part of parts) {
    for (const chunk of part.chunks) {
      const b = boundsOf(chunk, [identity()]);
      for (let k = 0; k < 3; k++) {
        min[k] = Math.min(min[k]!, b.min[k]!);
        max[k] = Math.max(max[k]!, b.max[k]!);
      }
    }
  }
  return { min, max };
}

function originShift(bounds: Bounds, origin: "bottom_center" | "center"): Vec3 {
  const mid = (k: number) => (bounds.min[k]! + bounds.max[k]!) / 2;
  return [-mid(0), origin === "bottom_center" ? -bounds.min[1]! : -mid(1), -mid(2)];
}

function shiftPart(part: ScenePart, shift: Vec3): ScenePart {
  for (const chunk of part.chunks) {
    for (let i = 0; i < chunk.positions.length; i++) chunk.positions[i]! += shift[i % 3]!;
  }
  return part;
}

function colliderFor(part: ScenePart, kind: "box" | "hull"): SceneCollider {
  const positions = part.chunks.map((c) => c.positions);
  if (kind === "hull") {
    const hull = convexHull(positions);
    if (hull) return { shape: "hull", ...hull };
  }
  const { min, max } = sceneBounds([part]);
  return {
    shape: "box",
    center: [0, 1, 2].map((k) => (min[k]! + max[k]!) / 2) as Vec3,
    size: [0, 1, 2].map((k) => max[k]! - min[k]!) as Vec3,
  };
}
