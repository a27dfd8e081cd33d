/**
 * The spec's flat part list as a tree: unique ids, resolved parents, depth and paths.
 * A dangling parent is forgiven (the part becomes a root, with a warning); duplicate ids,
 * parent cycles and trees deeper than the limit are refused.
 */
import { ToolError } from "../errors";
import { SPEC_LIMITS, type PartSpec } from "./spec";

export interface TreePart {
  spec: PartSpec;
  index: number;
  /** Parent index after resolution, or null for a root. */
  parent: number | null;
  /** `root/child/part`, for messages. */
  path: string;
  depth: number;
}

export function buildPartTree(parts: PartSpec[], warnings: string[]): TreePart[] {
  const indexById = new Map<string, number>();
  parts.forEach((part, index) => {
    if (indexById.has(part.id)) {
      throw new ToolError(`part "${part.id}": the id is used by more than one part; give every part a unique id.`);
    }
    indexById.set(part.id, index);
  });

  const parentOf = parts.map((part): number | null => {
    if (part.parent === null) return null;
    const parent = indexById.get(part.parent);
    if (parent === undefined) {
      warnings.push(`part "${part.id}": parent "${part.parent}" does not exist; placed the part at the root.`);
      return null;
    }
    return parent;
  });

  const depthOf = new Array<number>(parts.length).fill(-1);
  const depth = (start: number): number => {
    // Walk up to a part whose depth is known, refusing loops and over-deep chains.
    const chain: number[] = [];
    let current: number | null = start;
    while (current !== null && depthOf[current] === -1) {
      if (chain.includes(current)) {
        const ids = [...chain.slice(chain.indexOf(current)), current].map((i) => parts[i]!.id);
        throw new ToolError(
          `part "${parts[current]!.id}": parents form a cycle (${ids.join(" → ")}); make one of them a root with parent null.`,
        );
      }
      chain.push(current);
      current = parentOf[current]!;
    }
    let known = current === null ? -1 : depthOf[current]!;
    for (const index of chain.reverse()) depthOf[index] = ++known;
    return depthOf[start]!;
  };

  const tree: TreePart[] = [];
  parts.forEach((spec, index) => {
    const level = depth(index) + 1;
    const path: string[] = [];
    for (let at: number | null = index; at !== null; at = parentOf[at]!) path.unshift(parts[at]!.id);
    if (level > SPEC_LIMITS.depth) {
      throw new ToolError(
        `part "${path.join("/")}": nested ${level} levels deep, more than ${SPEC_LIMITS.depth}; attach it to a part higher up.`,
      );
    }
    tree.push({ spec, index, parent: parentOf[index]!, path: path.join("/"), depth: level });
  });
  return tree;
}
