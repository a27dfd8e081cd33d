/**
 * A small incremental 3D convex hull for colliders (three's ConvexHull would pull in all of
 * three's core). Large point sets are first reduced to their extreme points along a fixed
 * set of directions, which keeps the work O(n²) on at most a few hundred points and gives
 * the low-vertex hulls physics engines prefer.
 */
import type { Vec3 } from "./matrix";

/** Directions sampled when a part has more points than this: physics engines want small hulls. */
const MAX_HULL_POINTS = 64;

interface Face {
  a: number;
  b: number;
  c: number;
  normal: Vec3;
  offset: number;
  alive: boolean;
}

const sub = (p: Vec3, q: Vec3): Vec3 => [p[0] - q[0], p[1] - q[1], p[2] - q[2]];
const dot = (p: Vec3, q: Vec3) => p[0] * q[0] + p[1] * q[1] + p[2] * q[2];
const cross = (p: Vec3, q: Vec3): Vec3 => [p[1] * q[2] - p[2] * q[1], p[2] * q[0] - p[0] * q[2], p[0] * q[1] - p[1] * q[0]];
const norm = (p: Vec3) => Math.hypot(p[0], p[1], p[2]);

function uniquePoints(points: Vec3[]): Vec3[] {
  const seen = new Set<string>();
  return points.filter((p) => {
    const key = p.map((v) => Math.round(v * 1e6)).join(",");
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The points furthest along evenly spread (Fibonacci sphere) directions, straight from the vertex arrays. */
function extremePoints(sources: Float32Array[], directions: number): Vec3[] {
  const golden = Math.PI * (3 - Math.sqrt(5));
  const dx = new Float64Array(directions);
  const dy = new Float64Array(directions);
  const dz = new Float64Array(directions);
  for (let i = 0; i < directions; i++) {
    const y = 1 - (2 * (i + 0.5)) / directions;
    const r = Math.sqrt(1 - y * y);
    dx[i] = Math.cos(golden * i) * r;
    dy[i] = y;
    dz[i] = Math.sin(golden * i) * r;
  }
  const best: Vec3[] = new Array(directions);
  const bestDot = new Float64Array(directions).fill(-Infinity);
  for (const positions of sources) {
    for (let v = 0; v < positions.length; v += 3) {
      const x = positions[v]!;
      const y = positions[v + 1]!;
      const z = positions[v + 2]!;
      for (let i = 0; i < directions; i++) {
        const value = x * dx[i]! + y * dy[i]! + z * dz[i]!;
        if (value > bestDot[i]!) {
          bestDot[i] = value;
          best[i] = [x, y, z];
        }
      }
    }
  }
  return best.filter((p) => p !== undefined);
}

function allPoints(sources: Float32Array[]): Vec3[] {
  const points: Vec3[] = [];
  for (const positions of sources) {
    for (let i = 0; i < positions.length; i += 3) points.push([positions[i]!, positions[i + 1]!, positions[i + 2]!]);
  }
  return points;
}

/** Convex hull of the points, counter-clockwise outward triangles; null when the points are flat or fewer than 4. */
export function convexHull(sources: Float32Array[]): { positions: Float32Array; indices: Uint32Array } | null {
  const vertexCount = sources.reduce((sum, p) => sum + p.length / 3, 0);
  const points = uniquePoints(vertexCount > MAX_HULL_POINTS ? extremePoints(sources, MAX_HULL_POINTS) : allPoints(sources));
  if (points.length < 4) return null;

  const extent = Math.max(...[0, 1, 2].map((k) => Math.max(...points.map((p) => p[k]!)) - Math.min(...points.map((p) => p[k]!))));
  // Generous tolerance: colliders need not be exact, and tight ones let near-coplanar points tangle the hull.
  const eps = extent * 1e-5;

  // Initial tetrahedron from well-spread points.
  const i0 = points.reduce((best, p, i) => (p[0] < points[best]![0] ? i : best), 0);
  const p0 = points[i0]!;
  const i1 = points.reduce((best, p, i) => (norm(sub(p, p0)) > norm(sub(points[best]!, p0)) ? i : best), i0);
  const p1 = points[i1]!;
  const lineDistance = (p: Vec3) => norm(cross(sub(p, p0), sub(p1, p0))) / (norm(sub(p1, p0)) || 1);
  const i2 = points.reduce((best, p, i) => (lineDistance(p) > lineDistance(points[best]!) ? i : best), i0);
  const p2 = points[i2]!;
  const planeNormal = cross(sub(p1, p0), sub(p2, p0));
  const planeDistance = (p: Vec3) => Math.abs(dot(sub(p, p0), planeNormal)) / (norm(planeNormal) || 1);
  const i3 = points.reduce((best, p, i) => (planeDistance(p) > planeDistance(points[best]!) ? i : best), i0);
  if (lineDistance(p2) <= eps || planeDistance(points[i3]!) <= eps) return null;

  const inside: Vec3 = [0, 1, 2].map((k) => (p0[k]! + p1[k]! + p2[k]! + points[i3]![k]!) / 4) as Vec3;
  let faces: Face[] = [];
  /** `orient`: only for the first tetrahedron; later faces take their winding from the horizon edge. */
  const addFace = (a: number, b: number, c: number, orient = false) => {
    let normal = cross(sub(points[b]!, points[a]!), sub(points[c]!, points[a]!));
    if (orient && dot(normal, sub(inside, points[a]!)) > 0) {
      [b, c] = [c, b];
      normal = [-normal[0], -normal[1], -normal[2]];
    }
    const length = norm(normal) || 1;
    normal = [normal[0] / length, normal[1] / length, normal[2] / length];
    faces.push({ a, b, c, normal, offset: dot(normal, points[a]!), alive: true });
  };
  addFace(i0, i1, i2, true);
  addFace(i0, i1, i3, true);
  addFace(i0, i2, i3, true);
  addFace(i1, i2, i3, true);

  const initial = new Set([i0, i1, i2, i3]);
  points.forEach((p, index) => {
    if (initial.has(index)) return;
    const visible = faces.filter((f) => dot(f.normal, p) - f.offset > eps);
    if (visible.length === 0) return;
    const visibleEdges = new Set<string>();
    for (const f of visible)
      for (const [u, v] of [
        [f.a, f.b],
        [f.b, f.c],
        [f.c, f.a],
      ])
        visibleEdges.add(`${u},${v}`);
    for (const f of visible) f.alive = false;
    faces = faces.filter((f) => f.alive);
    if (faces.length > 16 * points.length) return; // numerically tangled: stop growing, the caller falls back to a box
    // Horizon: edges of visible faces whose twin belongs to a face that stays.
    for (const f of visible) {
      for (const [u, v] of [
        [f.a, f.b],
        [f.b, f.c],
        [f.c, f.a],
      ] as [number, number][]) {
        if (!visibleEdges.has(`${v},${u}`)) addFace(u, v, index);
      }
    }
  });

  if (faces.length > 16 * points.length) return null;
  const alive = faces;
  const remap = new Map<number, number>();
  const used: number[] = [];
  const indexOf = (i: number) => {
    let mapped = remap.get(i);
    if (mapped === undefined) {
      mapped = used.length;
      remap.set(i, mapped);
      used.push(i);
    }
    return mapped;
  };
  const indices = new Uint32Array(alive.flatMap((f) => [indexOf(f.a), indexOf(f.b), indexOf(f.c)]));
  const positions = new Float32Array(used.flatMap((i) => points[i]!));
  return { positions, indices };
}
