/**
 * Where each part's copies go: its transform under every copy of its parent, mirror and
 * array copies, and attachments solved so parts touch. Attachments are solved on the part's
 * first copy in world space, then expressed in the parent's frame so every copy follows.
 */
import { ToolError } from "../errors";
import type { Bounds } from "./scene";
import { identity, multiply, rotationAbout, rotationFromDegrees, scaling, solveLinear, translation, type Mat4, type Vec3 } from "./matrix";
import type { TreePart } from "./part-tree";
import { SPEC_LIMITS, type AttachSide, type PartSpec } from "./spec";
import { MIN_SIZE, type Geometry } from "./tessellate";

const asVec3 = (values: number[] | null, fallback: Vec3): Vec3 => (values ? (values as Vec3) : fallback);

/** Copies a part makes of itself, as matrices in its parent's frame (identity first). */
export function copyMatrices(part: PartSpec, path: string, warnings: string[]): Mat4[] {
  let copies: Mat4[] = [identity()];
  const array = part.array;
  if (array) {
    if (array.kind === "linear") {
      if (!array.offset || array.offset.every((v) => v === 0)) {
        warnings.push(`part "${path}": linear array has no offset; give offset, e.g. [0.5, 0, 0]. Made one copy.`);
      } else {
        const step = array.offset as Vec3;
        copies = Array.from({ length: array.count }, (_, i) => translation([step[0] * i, step[1] * i, step[2] * i]));
      }
    } else {
      const axis = array.axis ?? "y";
      copies = Array.from({ length: array.count }, (_, i) => rotationAbout(axis, (2 * Math.PI * i) / array.count));
    }
  }
  for (const axis of new Set(part.mirror ?? [])) {
    const flip = scaling([axis === "x" ? -1 : 1, axis === "y" ? -1 : 1, axis === "z" ? -1 : 1]);
    copies = copies.flatMap((copy) => [copy, multiply(flip, copy)]);
  }
  return copies;
}

/** Copies per part (parent's copies × own copies), refusing specs whose operators compound beyond the limit. */
export function countInstances(tree: TreePart[], copies: Mat4[][]): number[] {
  const counts = new Array<number>(tree.length).fill(0);
  const count = (index: number): number => {
    if (counts[index]! > 0) return counts[index]!;
    const parent = tree[index]!.parent;
    counts[index] = (parent === null ? 1 : count(parent)) * copies[index]!.length;
    return counts[index]!;
  };
  let total = 0;
  for (const part of tree) {
    total += count(part.index);
    if (total > SPEC_LIMITS.instances) {
      throw new ToolError(
        `part "${part.path}": mirror and array copies multiply to more than ${SPEC_LIMITS.instances} part copies; lower array counts or mirror fewer nested parts.`,
      );
    }
  }
  return counts;
}

export function boundsOf(geometry: Pick<Geometry, "positions">, matrices: Mat4[]): Bounds {
  const min: Vec3 = [Infinity, Infinity, Infinity];
  const max: Vec3 = [-Infinity, -Infinity, -Infinity];
  const p = geometry.positions;
  for (const m of matrices) {
    for (let i = 0; i < p.length; i += 3) {
      const x = p[i]!;
      const y = p[i + 1]!;
      const z = p[i + 2]!;
      for (let k = 0; k < 3; k++) {
        const v = m[k]! * x + m[4 + k]! * y + m[8 + k]! * z + m[12 + k]!;
        if (v < min[k]!) min[k] = v;
        if (v > max[k]!) max[k] = v;
      }
    }
  }
  return { min, max };
}

const centre = (b: Bounds, axis: number) => (b.min[axis]! + b.max[axis]!) / 2;

/** The world shift that puts `part` on `side` of `target`, centred on the other axes. */
export function attachShift(part: Bounds, target: Bounds, side: AttachSide): Vec3 {
  const shift: Vec3 = [0, 1, 2].map((axis) => centre(target, axis) - centre(part, axis)) as Vec3;
  const faces: Record<Exclude<AttachSide, "center">, [axis: number, outward: boolean]> = {
    right: [0, true],
    left: [0, false],
    top: [1, true],
    bottom: [1, false],
    front: [2, true],
    back: [2, false],
  };
  if (side !== "center") {
    const [axis, outward] = faces[side];
    shift[axis] = outward ? target.max[axis]! - part.min[axis]! : target.min[axis]! - part.max[axis]!;
  }
  return shift;
}

function localMatrix(part: PartSpec, path: string): Mat4 {
  const scale = asVec3(part.scale, [1, 1, 1]);
  if (scale.some((s) => !(Math.abs(s) >= MIN_SIZE))) {
    throw new ToolError(`part "${path}": scale [${scale.join(", ")}] has a zero factor; use factors ≠ 0 (1 keeps the size).`);
  }
  const position = part.attach ? ([0, 0, 0] as Vec3) : asVec3(part.position, [0, 0, 0]);
  return multiply(multiply(translation(position), rotationFromDegrees(asVec3(part.rotation, [0, 0, 0]))), scaling(scale));
}

/**
 * World matrices of every copy of every part. `geometries` are the tessellated shapes, used
 * to measure parts for attachments. Unresolvable attachments are dropped with a warning.
 */
export function placeParts(tree: TreePart[], geometries: Geometry[], copies: Mat4[][], warnings: string[]): Mat4[][] {
  const indexById = new Map(tree.map((part) => [part.spec.id, part.index]));
  const instances: (Mat4[] | undefined)[] = new Array(tree.length);
  const bounds: (Bounds | undefined)[] = new Array(tree.length);
  const visiting = new Set<number>();

  const ancestorsAndSelf = (index: number): number[] => {
    const chain: number[] = [];
    for (let at: number | null = index; at !== null; at = tree[at]!.parent) chain.push(at);
    return chain;
  };

  const place = (index: number): Mat4[] => {
    const done = instances[index];
    if (done) return done;
    const part = tree[index]!;
    visiting.add(index);
    const parents = part.parent === null ? [identity()] : place(part.parent);
    const local = localMatrix(part.spec, part.path);
    let shiftInParent: Vec3 = [0, 0, 0];

    const attach = part.spec.attach;
    if (attach) {
      const target = indexById.get(attach.to);
      if (target === undefined) {
        warnings.push(
          `part "${part.path}": attach target "${attach.to}" does not exist; kept the part at its position (0, 0, 0 in its parent).`,
        );
      } else if (target === index) {
        warnings.push(`part "${part.path}": attaches to itself; attachment ignored.`);
      } else if (ancestorsAndSelf(target).some((at) => visiting.has(at))) {
        warnings.push(`part "${part.path}": attaching to "${attach.to}" makes a loop (it depends on this part); attachment ignored.`);
      } else {
        const targetBounds = measure(target);
        const first = multiply(parents[0]!, local);
        const own = boundsOf(geometries[index]!, [first]);
        const shift = attachShift(own, targetBounds, attach.side);
        const offset = asVec3(attach.offset, [0, 0, 0]);
        const world: Vec3 = [shift[0] + offset[0], shift[1] + offset[1], shift[2] + offset[2]];
        shiftInParent = solveLinear(parents[0]!, world);
      }
    }

    const placed = multiply(translation(shiftInParent), local);
    const result = parents.flatMap((parent) => copies[index]!.map((copy) => multiply(multiply(parent, copy), placed)));
    visiting.delete(index);
    instances[index] = result;
    return result;
  };

  const measure = (index: number): Bounds => {
    bounds[index] ??= boundsOf(geometries[index]!, place(index));
    return bounds[index]!;
  };

  return tree.map((part) => place(part.index));
}
