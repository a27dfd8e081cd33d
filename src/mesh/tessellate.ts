/**
 * Primitive shapes → indexed triangles with normals and UVs, through three's geometry
 * classes (deep imports, so only the geometry code is bundled). `prepareShape` checks and
 * normalises a spec shape once (refusing what cannot make geometry); `tessellate` then
 * builds it at any level of detail, and `estimateTriangles` predicts the count without
 * building, so the triangle budget can be met before any work is done.
 */
import type { BufferGeometry } from "three/src/core/BufferGeometry.js";
import { Path } from "three/src/extras/core/Path.js";
import { Shape } from "three/src/extras/core/Shape.js";
import { BoxGeometry } from "three/src/geometries/BoxGeometry.js";
import { CapsuleGeometry } from "three/src/geometries/CapsuleGeometry.js";
import { CylinderGeometry } from "three/src/geometries/CylinderGeometry.js";
import { ExtrudeGeometry } from "three/src/geometries/ExtrudeGeometry.js";
import { LatheGeometry } from "three/src/geometries/LatheGeometry.js";
import { PlaneGeometry } from "three/src/geometries/PlaneGeometry.js";
import { SphereGeometry } from "three/src/geometries/SphereGeometry.js";
import { TorusGeometry } from "three/src/geometries/TorusGeometry.js";
import { Vector2 } from "three/src/math/Vector2.js";
import { ToolError } from "../errors";
import { isSimplePolygon, pointInPolygon, polygonsCross, signedArea2, withoutRepeats, type Point2 } from "./outline";
import { DEFAULT_SEGMENTS, type ShapeSpec } from "./spec";

export interface Geometry {
  positions: Float32Array;
  normals: Float32Array;
  uvs: Float32Array;
  indices: Uint32Array;
}

/** A shape with defaults filled in and every parameter checked. */
export type PreparedShape =
  | { type: "box"; size: [number, number, number] }
  | { type: "rounded_box"; size: [number, number, number]; radius: number; segments: number }
  | { type: "sphere"; radius: number; segments: number }
  | { type: "cone"; radiusBottom: number; radiusTop: number; height: number; segments: number }
  | { type: "capsule"; radius: number; length: number; segments: number }
  | { type: "torus"; radius: number; tube: number; segments: number }
  | { type: "plane"; size: [number, number] }
  | { type: "lathe"; profile: Point2[]; segments: number }
  | { type: "extrude"; outline: Point2[]; holes: Point2[][]; depth: number; bevel: number };

/** Sizes below this (metres) are treated as zero: a tenth of a millimetre. */
export const MIN_SIZE = 1e-4;
/** Fewest segments a curved shape drops to when the triangle budget is tight. */
const MIN_SEGMENTS = 6;
/** Bevel rounding steps, fixed: the budget reduces curve segments, not bevels. */
const BEVEL_SEGMENTS = 2;

const format = (values: number[]) => `[${values.join(", ")}]`;

function refuse(path: string, message: string): never {
  throw new ToolError(`part "${path}": ${message}`);
}

function requirePositive(path: string, label: string, value: number, fix: string): void {
  if (!(value >= MIN_SIZE)) refuse(path, `${label} is ${value}, too small to make geometry; ${fix}.`);
}

/** Checks a spec shape and fills in defaults. Throws ToolError naming the part path and the fix. */
export function prepareShape(shape: ShapeSpec, path: string, warnings: string[]): PreparedShape {
  switch (shape.type) {
    case "box": {
      const size = shape.size as [number, number, number];
      if (size.some((v) => !(v >= MIN_SIZE))) {
        refuse(path, `box size ${format(size)} has a side ≤ 0; give every side > 0 (e.g. 0.01 for a thin panel).`);
      }
      return { type: "box", size };
    }
    case "rounded_box": {
      const size = shape.size as [number, number, number];
      if (size.some((v) => !(v >= MIN_SIZE))) {
        refuse(path, `rounded_box size ${format(size)} has a side ≤ 0; give every side > 0.`);
      }
      const maxRadius = Math.min(...size) / 2;
      let radius = shape.radius;
      if (radius > maxRadius) {
        warnings.push(`part "${path}": rounded_box radius ${radius} is more than half its smallest side; used ${maxRadius}.`);
        radius = maxRadius;
      }
      return { type: "rounded_box", size, radius, segments: shape.segments ?? DEFAULT_SEGMENTS.roundedBox };
    }
    case "sphere":
      requirePositive(path, "sphere radius", shape.radius, "give a radius > 0");
      return { type: "sphere", radius: shape.radius, segments: shape.segments ?? DEFAULT_SEGMENTS.sphere };
    case "cylinder":
      requirePositive(path, "cylinder radius", shape.radius, "give a radius > 0");
      requirePositive(path, "cylinder height", shape.height, "give a height > 0 (e.g. 0.005 for a disc)");
      return {
        type: "cone",
        radiusBottom: shape.radius,
        radiusTop: shape.radius,
        height: shape.height,
        segments: shape.segments ?? DEFAULT_SEGMENTS.cylinder,
      };
    case "cone": {
      const radiusTop = shape.radius_top ?? 0;
      if (!(Math.max(shape.radius_bottom, radiusTop) >= MIN_SIZE)) {
        refuse(path, "cone has radius_bottom and radius_top both 0; give radius_bottom > 0.");
      }
      requirePositive(path, "cone height", shape.height, "give a height > 0");
      return {
        type: "cone",
        radiusBottom: shape.radius_bottom,
        radiusTop,
        height: shape.height,
        segments: shape.segments ?? DEFAULT_SEGMENTS.cone,
      };
    }
    case "capsule": {
      requirePositive(path, "capsule radius", shape.radius, "give a radius > 0");
      let length = shape.height - 2 * shape.radius;
      if (length < 0) {
        warnings.push(`part "${path}": capsule height ${shape.height} is less than 2 × radius; made a sphere of radius ${shape.radius}.`);
        length = 0;
      }
      return { type: "capsule", radius: shape.radius, length, segments: shape.segments ?? DEFAULT_SEGMENTS.capsule };
    }
    case "torus": {
      requirePositive(path, "torus radius", shape.radius, "give a radius > 0");
      requirePositive(path, "torus tube", shape.tube, "give a tube radius > 0");
      let tube = shape.tube;
      if (tube >= shape.radius) {
        tube = shape.radius * 0.95;
        warnings.push(`part "${path}": torus tube ${shape.tube} is not smaller than radius ${shape.radius}; used ${tube}.`);
      }
      return { type: "torus", radius: shape.radius, tube, segments: shape.segments ?? DEFAULT_SEGMENTS.torus };
    }
    case "plane": {
      const size = shape.size as [number, number];
      if (size.some((v) => !(v >= MIN_SIZE))) {
        refuse(path, `plane size ${format(size)} has a side ≤ 0; give width and depth > 0.`);
      }
      return { type: "plane", size };
    }
    case "lathe":
      return prepareLathe(shape.profile as Point2[], shape.segments ?? DEFAULT_SEGMENTS.lathe, path);
    case "extrude":
      return prepareExtrude(shape, path, warnings);
  }
}

function prepareLathe(points: Point2[], segments: number, path: string): PreparedShape {
  if (points.some(([r]) => r < 0)) {
    refuse(path, "lathe profile has a negative radius; every [radius, y] point needs radius ≥ 0.");
  }
  let profile = withoutRepeats(points, MIN_SIZE / 10);
  // The closing-point rule of withoutRepeats suits outlines, not open profiles: restore an intended closed end.
  if (profile.length < points.length && profile.length >= 2) {
    const last = points[points.length - 1]!;
    const kept = profile[profile.length - 1]!;
    if (last[0] !== kept[0] || last[1] !== kept[1]) profile.push(last);
  }
  const height = Math.max(...profile.map(([, y]) => y)) - Math.min(...profile.map(([, y]) => y));
  const width = Math.max(...profile.map(([r]) => r));
  if (profile.length < 2 || !(width >= MIN_SIZE) || !(height >= MIN_SIZE)) {
    refuse(
      path,
      "lathe profile is degenerate (fewer than 2 distinct points, or no width or height); give [radius, y] points from bottom to top, e.g. [[0, 0], [0.3, 0], [0.3, 0.5], [0, 0.5]].",
    );
  }
  const first = profile[0]!;
  const last = profile[profile.length - 1]!;
  const closed = profile.length > 3 && first[0] === last[0] && first[1] === last[1];
  // Faces point outwards when a profile runs bottom to top, or a closed ring (a well's wall)
  // runs counter-clockwise in the (radius, y) plane; reverse the others.
  if (closed ? signedArea2(profile) < 0 : first[1] > last[1]) profile = [...profile].reverse();
  return { type: "lathe", profile, segments };
}

function prepareExtrude(shape: Extract<ShapeSpec, { type: "extrude" }>, path: string, warnings: string[]): PreparedShape {
  requirePositive(path, "extrude depth", shape.depth, "give a depth > 0 (e.g. 0.01 for a thin plate)");
  const outline = withoutRepeats(shape.outline as Point2[], MIN_SIZE / 10);
  const degenerate =
    "extrude outline is degenerate (fewer than 3 distinct points or no area); give at least 3 [x, y] corners of a polygon.";
  if (outline.length < 3) refuse(path, degenerate);
  if (!isSimplePolygon(outline)) {
    refuse(path, "extrude outline crosses itself; list the corners in order around the shape without crossing edges.");
  }
  if (!(Math.abs(signedArea2(outline)) / 2 >= MIN_SIZE * MIN_SIZE)) refuse(path, degenerate);
  const holes: Point2[][] = [];
  (shape.holes ?? []).forEach((raw, index) => {
    const hole = withoutRepeats(raw as Point2[], MIN_SIZE / 10);
    const where = `extrude hole ${index}`;
    if (hole.length < 3 || !(Math.abs(signedArea2(hole)) / 2 >= MIN_SIZE * MIN_SIZE)) {
      refuse(path, `${where} is degenerate (fewer than 3 distinct points or no area); give at least 3 [x, y] corners.`);
    }
    if (!isSimplePolygon(hole)) refuse(path, `${where} crosses itself; list its corners in order without crossing edges.`);
    if (polygonsCross(hole, outline) || !hole.every((p) => pointInPolygon(p, outline))) {
      refuse(path, `${where} is not strictly inside the outline; keep every hole inside the outline, not touching it.`);
    }
    for (const [other, earlier] of holes.entries()) {
      if (polygonsCross(hole, earlier) || pointInPolygon(hole[0]!, earlier) || pointInPolygon(earlier[0]!, hole)) {
        refuse(path, `${where} overlaps hole ${other}; holes must not touch or overlap each other.`);
      }
    }
    holes.push(hole);
  });
  let bevel = shape.bevel ?? 0;
  if (bevel > 0) {
    const xs = outline.map(([x]) => x);
    const ys = outline.map(([, y]) => y);
    const smallest = Math.min(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
    const maxBevel = Math.min(shape.depth * 0.45, smallest * 0.2);
    if (bevel > maxBevel) {
      warnings.push(`part "${path}": extrude bevel ${bevel} is too large for its depth or outline; used ${maxBevel.toPrecision(3)}.`);
      bevel = maxBevel;
    }
    if (bevel < MIN_SIZE) bevel = 0;
  }
  return { type: "extrude", outline, holes, depth: shape.depth, bevel };
}

/** Segments for a level of detail: the asked count scaled, never below a floor that keeps the shape recognisable. */
export function segmentsAt(base: number, factor: number): number {
  return Math.max(Math.min(base, MIN_SEGMENTS), Math.round(base * factor));
}

const sphereRows = (segments: number) => Math.max(3, Math.round(segments / 2));
const capsuleCapRows = (segments: number) => Math.max(2, Math.round(segments / 4));
const torusTubeSegments = (segments: number) => Math.max(3, Math.round(segments / 2));
const roundedBoxSteps = (segments: number, factor: number) => Math.max(1, Math.round(segments * factor));

/** Upper bound on the triangles `tessellate(shape, factor)` makes (degenerate ones are dropped later). */
export function estimateTriangles(shape: PreparedShape, factor: number): number {
  switch (shape.type) {
    case "box":
      return 12;
    case "rounded_box": {
      const n = roundedBoxSteps(shape.segments, factor) * 2 + 1;
      return 12 * n * n;
    }
    case "sphere": {
      const s = segmentsAt(shape.segments, factor);
      return 2 * s * (sphereRows(s) - 1);
    }
    case "cone":
      return 4 * segmentsAt(shape.segments, factor);
    case "capsule": {
      const s = segmentsAt(shape.segments, factor);
      return 2 * s * (2 * capsuleCapRows(s) + 1);
    }
    case "torus": {
      const s = segmentsAt(shape.segments, factor);
      return 2 * s * torusTubeSegments(s);
    }
    case "plane":
      return 2;
    case "lathe":
      return 2 * segmentsAt(shape.segments, factor) * (shape.profile.length - 1);
    case "extrude": {
      const points = shape.outline.length + shape.holes.reduce((sum, h) => sum + h.length, 0);
      const capTriangles = points + 2 * shape.holes.length;
      const rings = shape.bevel > 0 ? 1 + 2 * BEVEL_SEGMENTS : 1;
      return 2 * capTriangles + 2 * points * rings;
    }
  }
}

/** The segment counts a detail factor gives: equal keys mean identical tessellations. */
export function detailKey(shape: PreparedShape, factor: number): number {
  switch (shape.type) {
    case "box":
    case "plane":
    case "extrude":
      return 0;
    case "rounded_box":
      return roundedBoxSteps(shape.segments, factor);
    default:
      return segmentsAt(shape.segments, factor);
  }
}

/** Builds the shape at a level of detail (1 = as asked), centred on its origin as the spec describes. */
export function tessellate(shape: PreparedShape, factor: number): Geometry {
  return withoutDegenerateTriangles(build(shape, factor));
}

function build(shape: PreparedShape, factor: number): Geometry {
  switch (shape.type) {
    case "box":
      return fromThree(new BoxGeometry(...shape.size));
    case "rounded_box":
      return roundedBox(shape.size, shape.radius, roundedBoxSteps(shape.segments, factor));
    case "sphere": {
      const s = segmentsAt(shape.segments, factor);
      return fromThree(new SphereGeometry(shape.radius, s, sphereRows(s)));
    }
    case "cone": {
      const s = segmentsAt(shape.segments, factor);
      return fromThree(new CylinderGeometry(shape.radiusTop, shape.radiusBottom, shape.height, s));
    }
    case "capsule": {
      const s = segmentsAt(shape.segments, factor);
      return fromThree(new CapsuleGeometry(shape.radius, shape.length, capsuleCapRows(s), s));
    }
    case "torus": {
      const s = segmentsAt(shape.segments, factor);
      // three's torus lies in x/y; the spec's lies flat in x/z.
      return rotateXToY(fromThree(new TorusGeometry(shape.radius, shape.tube, torusTubeSegments(s), s)));
    }
    case "plane":
      return rotateXToY(fromThree(new PlaneGeometry(shape.size[0], shape.size[1])));
    case "lathe": {
      const points = shape.profile.map(([r, y]) => new Vector2(r, y));
      return fromThree(new LatheGeometry(points, segmentsAt(shape.segments, factor)));
    }
    case "extrude":
      return extrude(shape);
  }
}

function extrude(shape: Extract<PreparedShape, { type: "extrude" }>): Geometry {
  const outline = new Shape(shape.outline.map(([x, y]) => new Vector2(x, y)));
  for (const hole of shape.holes) outline.holes.push(new Path(hole.map(([x, y]) => new Vector2(x, y))));
  const bevel = shape.bevel;
  const geometry = new ExtrudeGeometry(outline, {
    depth: shape.depth - 2 * bevel,
    steps: 1,
    curveSegments: 1,
    bevelEnabled: bevel > 0,
    bevelThickness: bevel,
    bevelSize: bevel,
    // Inset by the bevel so the outline keeps the size the spec gave.
    bevelOffset: -bevel,
    bevelSegments: BEVEL_SEGMENTS,
  });
  // three extrudes from z = 0 (minus the bevel) to depth: centre it on the origin.
  geometry.translate(0, 0, -(shape.depth - 2 * bevel) / 2);
  return mergeVertices(fromThree(geometry));
}

/** Copies a three geometry into plain arrays, indexing it if three left it unindexed. */
function fromThree(geometry: BufferGeometry): Geometry {
  const positions = new Float32Array(geometry.getAttribute("position").array);
  const normals = new Float32Array(geometry.getAttribute("normal").array);
  const uvs = new Float32Array(geometry.getAttribute("uv").array);
  const index = geometry.getIndex();
  const indices = index ? new Uint32Array(index.array) : Uint32Array.from({ length: positions.length / 3 }, (_, i) => i);
  return { positions, normals, uvs, indices };
}

/** Rotates −90° about x, (x, y, z) → (x, z, −y): what faced +z now faces +y. */
function rotateXToY(geometry: Geometry): Geometry {
  for (const array of [geometry.positions, geometry.normals]) {
    for (let i = 0; i < array.length; i += 3) {
      const y = array[i + 1]!;
      const z = array[i + 2]!;
      array[i + 1] = z;
      array[i + 2] = -y;
    }
  }
  return geometry;
}

/**
 * A box with rounded edges: a subdivided unit box whose vertices are pushed onto the
 * rounded surface (three's RoundedBoxGeometry approach, without importing three's core).
 */
function roundedBox(size: [number, number, number], radius: number, steps: number): Geometry {
  const segmentsPerSide = steps * 2 + 1;
  const geometry = fromThree(new BoxGeometry(1, 1, 1, segmentsPerSide, segmentsPerSide, segmentsPerSide));
  if (radius < MIN_SIZE) {
    return scalePositions(geometry, size);
  }
  const [ix, iy, iz] = size.map((s) => s / 2 - radius) as [number, number, number];
  const halfStep = 0.5 / segmentsPerSide;
  const { positions, normals } = geometry;
  for (let i = 0; i < positions.length; i += 3) {
    const px = positions[i]!;
    const py = positions[i + 1]!;
    const pz = positions[i + 2]!;
    const nx = px - Math.sign(px) * halfStep;
    const ny = py - Math.sign(py) * halfStep;
    const nz = pz - Math.sign(pz) * halfStep;
    const length = Math.hypot(nx, ny, nz);
    positions[i] = ix * Math.sign(px) + (nx / length) * radius;
    positions[i + 1] = iy * Math.sign(py) + (ny / length) * radius;
    positions[i + 2] = iz * Math.sign(pz) + (nz / length) * radius;
    normals[i] = nx / length;
    normals[i + 1] = ny / length;
    normals[i + 2] = nz / length;
  }
  return geometry;
}

function scalePositions(geometry: Geometry, size: [number, number, number]): Geometry {
  for (let i = 0; i < geometry.positions.length; i++) geometry.positions[i]! *= size[i % 3]!;
  return geometry;
}

/** Welds vertices whose position, normal and uv all match (after rounding), so unindexed geometry becomes indexed. */
export function mergeVertices(geometry: Geometry): Geometry {
  const { positions, normals, uvs, indices } = geometry;
  const keyOf = (i: number) => {
    const parts: number[] = [];
    for (let k = 0; k < 3; k++) parts.push(Math.round(positions[i * 3 + k]! * 1e5), Math.round(normals[i * 3 + k]! * 1e4));
    parts.push(Math.round(uvs[i * 2]! * 1e4), Math.round(uvs[i * 2 + 1]! * 1e4));
    return parts.join(",");
  };
  const seen = new Map<string, number>();
  const remap = new Uint32Array(positions.length / 3);
  const kept: number[] = [];
  for (let i = 0; i < remap.length; i++) {
    const key = keyOf(i);
    let target = seen.get(key);
    if (target === undefined) {
      target = kept.length;
      seen.set(key, target);
      kept.push(i);
    }
    remap[i] = target;
  }
  const out: Geometry = {
    positions: new Float32Array(kept.length * 3),
    normals: new Float32Array(kept.length * 3),
    uvs: new Float32Array(kept.length * 2),
    indices: indices.map((i) => remap[i]!),
  };
  kept.forEach((source, target) => {
    out.positions.set(positions.subarray(source * 3, source * 3 + 3), target * 3);
    out.normals.set(normals.subarray(source * 3, source * 3 + 3), target * 3);
    out.uvs.set(uvs.subarray(source * 2, source * 2 + 2), target * 2);
  });
  return out;
}

/**
 * Drops zero-area triangles (three makes them at cone apexes and sphere poles) and the
 * vertices only they used: they add nothing to look at and the validator flags them.
 */
export function withoutDegenerateTriangles(geometry: Geometry): Geometry {
  const { positions, indices } = geometry;
  const kept: number[] = [];
  for (let t = 0; t < indices.length; t += 3) {
    const a = indices[t]! * 3;
    const b = indices[t + 1]! * 3;
    const c = indices[t + 2]! * 3;
    const ux = positions[b]! - positions[a]!;
    const uy = positions[b + 1]! - positions[a + 1]!;
    const uz = positions[b + 2]! - positions[a + 2]!;
    const vx = positions[c]! - positions[a]!;
    const vy = positions[c + 1]! - positions[a + 1]!;
    const vz = positions[c + 2]! - positions[a + 2]!;
    const area2 = Math.hypot(uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx);
    if (area2 > 1e-14) kept.push(indices[t]!, indices[t + 1]!, indices[t + 2]!);
  }
  if (kept.length === indices.length) return geometry;
  const remap = new Int32Array(positions.length / 3).fill(-1);
  const order: number[] = [];
  const newIndices = new Uint32Array(kept.length);
  kept.forEach((i, at) => {
    if (remap[i] === -1) {
      remap[i] = order.length;
      order.push(i);
    }
    newIndices[at] = remap[i]!;
  });
  const out: Geometry = {
    positions: new Float32Array(order.length * 3),
    normals: new Float32Array(order.length * 3),
    uvs: new Float32Array(order.length * 2),
    indices: newIndices,
  };
  order.forEach((source, target) => {
    out.positions.set(geometry.positions.subarray(source * 3, source * 3 + 3), target * 3);
    out.normals.set(geometry.normals.subarray(source * 3, source * 3 + 3), target * 3);
    out.uvs.set(geometry.uvs.subarray(source * 2, source * 2 + 2), target * 2);
  });
  return out;
}
