/**
 * Which parts float: parts are joined when their bounding boxes touch (within a small
 * tolerance), and every part outside the largest joined group is reported. Boxes are coarse
 * (an L-shaped part claims its whole box) but cheap, and a model writer's usual mistake, a
 * part placed a few centimetres off or at the wrong height, shows up clearly.
 */
import type { Bounds, Scene, ScenePart } from "./scene";

/** Gaps up to 1 mm plus 0.2 % of the model's size count as touching (float error, bevels). */
const ABSOLUTE_TOLERANCE = 0.001;
const RELATIVE_TOLERANCE = 0.002;

export function partBounds(part: ScenePart): Bounds | undefined {
  const min: [number, number, number] = [Infinity, Infinity, Infinity];
  const max: [number, number, number] = [-Infinity, -Infinity, -Infinity];
  let any = false;
  for (const chunk of part.chunks) {
    const p = chunk.positions;
    for (let i = 0; i + 2 < p.length; i += 3) {
      any = true;
      for (let axis = 0; axis < 3; axis++) {
        const v = p[i + axis]!;
        if (v < min[axis]!) min[axis] = v;
        if (v > max[axis]!) max[axis] = v;
      }
    }
  }
  return any ? { min, max } : undefined;
}

function touching(a: Bounds, b: Bounds, tolerance: number): boolean {
  for (let axis = 0; axis < 3; axis++) {
    if (a.min[axis]! > b.max[axis]! + tolerance || b.min[axis]! > a.max[axis]! + tolerance) return false;
  }
  return true;
}

/** Paths of the parts with geometry that are not joined to the largest group; empty for one group. */
export function floatingParts(scene: Scene): string[] {
  const solid = scene.parts.flatMap((part) => {
    const bounds = partBounds(part);
    return bounds ? [{ part, bounds }] : [];
  });
  if (solid.length < 2) return [];
  const { min, max } = scene.bounds;
  const diagonal = Math.hypot(max[0] - min[0], max[1] - min[1], max[2] - min[2]);
  const tolerance = ABSOLUTE_TOLERANCE + RELATIVE_TOLERANCE * diagonal;

  // Union-find over the touching pairs; 256 parts at most, so the pairwise test is cheap.
  const parent = solid.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  for (let i = 0; i < solid.length; i++) {
    for (let j = i + 1; j < solid.length; j++) {
      if (touching(solid[i]!.bounds, solid[j]!.bounds, tolerance)) parent[find(i)] = find(j);
    }
  }
  const sizes = new Map<number, number>();
  for (let i = 0; i < solid.length; i++) sizes.set(find(i), (sizes.get(find(i)) ?? 0) + 1);
  // The largest group is the model; on a tie, the group holding the first part in the spec.
  let main = find(0);
  for (const [root, size] of sizes) if (size > sizes.get(main)!) main = root;
  return solid.filter((_, i) => find(i) !== main).map(({ part }) => part.path);
}
