/**
 * Checks on 2D outlines before they reach three's triangulator, which silently makes
 * garbage (or nothing) from self-crossing or zero-area polygons.
 */
export type Point2 = [number, number];

/** Twice the signed area: positive when counter-clockwise. */
export function signedArea2(points: Point2[]): number {
  let sum = 0;
  for (let i = 0; i < points.length; i++) {
    const [x1, y1] = points[i]!;
    const [x2, y2] = points[(i + 1) % points.length]!;
    sum += x1 * y2 - x2 * y1;
  }
  return sum;
}

/** Drops repeated consecutive points (and a closing point equal to the first). */
export function withoutRepeats(points: Point2[], epsilon: number): Point2[] {
  const out: Point2[] = [];
  for (const p of points) {
    const last = out[out.length - 1];
    if (last && Math.abs(last[0] - p[0]) <= epsilon && Math.abs(last[1] - p[1]) <= epsilon) continue;
    out.push(p);
  }
  const first = out[0];
  const last = out[out.length - 1];
  if (out.length > 1 && first && last && Math.abs(last[0] - first[0]) <= epsilon && Math.abs(last[1] - first[1]) <= epsilon) {
    out.pop();
  }
  return out;
}

function orientation(a: Point2, b: Point2, c: Point2): number {
  return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
}

function onSegment(a: Point2, b: Point2, p: Point2): boolean {
  return Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1]);
}

export function segmentsIntersect(a: Point2, b: Point2, c: Point2, d: Point2): boolean {
  const o1 = orientation(a, b, c);
  const o2 = orientation(a, b, d);
  const o3 = orientation(c, d, a);
  const o4 = orientation(c, d, b);
  if (((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0))) return true;
  if (o1 === 0 && onSegment(a, b, c)) return true;
  if (o2 === 0 && onSegment(a, b, d)) return true;
  if (o3 === 0 && onSegment(c, d, a)) return true;
  if (o4 === 0 && onSegment(c, d, b)) return true;
  return false;
}

/** Edges of a closed polygon, as index pairs. */
function edges(points: Point2[]): [Point2, Point2][] {
  return points.map((p, i) => [p, points[(i + 1) % points.length]!]);
}

/** True when no two non-adjacent edges of the closed polygon touch. O(n²) on ≤ 128 points. */
export function isSimplePolygon(points: Point2[]): boolean {
  const n = points.length;
  const list = edges(points);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const adjacent = j === i + 1 || (i === 0 && j === n - 1);
      if (adjacent) continue;
      const [a, b] = list[i]!;
      const [c, d] = list[j]!;
      if (segmentsIntersect(a, b, c, d)) return false;
    }
  }
  return true;
}

export function pointInPolygon([x, y]: Point2, polygon: Point2[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

interface Box2 {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

function boxOf(points: Point2[]): Box2 {
  const xs = points.map(([x]) => x);
  const ys = points.map(([, y]) => y);
  return { minX: Math.min(...xs), minY: Math.min(...ys), maxX: Math.max(...xs), maxY: Math.max(...ys) };
}

const boxesOverlap = (a: Box2, b: Box2) => a.minX <= b.maxX && b.minX <= a.maxX && a.minY <= b.maxY && b.minY <= a.maxY;

/** True when any edge of `a` touches any edge of `b` (edges outside the other's box are skipped cheaply). */
export function polygonsCross(a: Point2[], b: Point2[]): boolean {
  const boxA = boxOf(a);
  const boxB = boxOf(b);
  if (!boxesOverlap(boxA, boxB)) return false;
  const near =
    (box: Box2) =>
    ([p, q]: [Point2, Point2]) =>
      boxesOverlap(boxOf([p, q]), box);
  const edgesB = edges(b).filter(near(boxA));
  for (const [p, q] of edges(a).filter(near(boxB))) {
    for (const [r, s] of edgesB) if (segmentsIntersect(p, q, r, s)) return true;
  }
  return false;
}
