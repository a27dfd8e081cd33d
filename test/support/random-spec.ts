/**
 * Seeded random part specs for fuzzing the 3D pipeline. Every spec is schema-valid
 * (`ModelSpec.parse` accepts it); ids and references are random, some deliberately dangling
 * (unknown parents, materials, attachment targets), and about one spec in fifty carries a
 * geometric mistake (a zero size, a self-crossing outline) that must be refused clearly.
 */
import type { ModelSpec, PartSpec, ShapeSpec } from "../../src/mesh/spec";

/** mulberry32: small, fast, good enough for test data. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng = {
    next,
    range: (min: number, max: number) => Math.round((min + next() * (max - min)) * 1000) / 1000,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    chance: (p: number) => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
  return rng;
}

type Rng = ReturnType<typeof generator>;

const WORDS = ["body", "leg", "arm", "lid", "base", "top", "wheel", "handle", "knob", "frame", "panel", "cap", "ring", "seat"];
const MATERIAL_NAMES = ["wood", "metal", "plastic", "glass", "rubber", "stone", "gold", "fabric"];
const HEX = "0123456789abcdef";

const color = (rng: Rng) => `#${Array.from({ length: 6 }, () => rng.pick(HEX.split(""))).join("")}`;
const vec3 = (rng: Rng, min: number, max: number) => [rng.range(min, max), rng.range(min, max), rng.range(min, max)];
const maybe = <T>(rng: Rng, p: number, make: () => T): T | null => (rng.chance(p) ? make() : null);
const segments = (rng: Rng) => maybe(rng, 0.4, () => rng.int(3, 48));

function randomPolygon(rng: Rng, points: number, radius: number, cx = 0, cy = 0): [number, number][] {
  // Jittered, evenly spread angles around a centre: a star-shaped (hence simple) polygon containing the centre.
  const step = (Math.PI * 2) / points;
  const angles = Array.from({ length: points }, (_, i) => (i + 0.3 * rng.next()) * step);
  return angles.map((a) => {
    const r = radius * (0.6 + 0.4 * rng.next());
    return [Math.round((cx + Math.cos(a) * r) * 1000) / 1000, Math.round((cy + Math.sin(a) * r) * 1000) / 1000];
  });
}

function randomShape(rng: Rng): ShapeSpec {
  const size = () => rng.range(0.02, 1.5);
  switch (rng.int(0, 9)) {
    case 0:
      return { type: "box", size: [size(), size(), size()] };
    case 1:
      return {
        type: "rounded_box",
        size: [size(), size(), size()],
        radius: rng.range(0, 0.3),
        segments: maybe(rng, 0.3, () => rng.int(3, 6)),
      };
    case 2:
      return { type: "sphere", radius: size(), segments: segments(rng) };
    case 3:
      return { type: "cylinder", radius: size(), height: size(), segments: segments(rng) };
    case 4:
      return {
        type: "cone",
        radius_bottom: size(),
        radius_top: maybe(rng, 0.5, () => rng.range(0, 1)),
        height: size(),
        segments: segments(rng),
      };
    case 5:
      return { type: "capsule", radius: size() / 2, height: size(), segments: segments(rng) };
    case 6:
      return { type: "torus", radius: size(), tube: size() / 4, segments: segments(rng) };
    case 7:
      return { type: "plane", size: [size(), size()] };
    case 8: {
      const count = rng.int(2, 10);
      let y = 0;
      const profile = Array.from({ length: count }, () => {
        y += rng.range(0.01, 0.3);
        return [rng.range(0, 0.8), Math.round(y * 1000) / 1000];
      });
      return { type: "lathe", profile, segments: segments(rng) };
    }
    default: {
      const radius = rng.range(0.2, 1);
      const outline = randomPolygon(rng, rng.int(3, 12), radius);
      const holes = maybe(rng, 0.3, () => [randomPolygon(rng, rng.int(3, 6), radius * 0.1)]);
      return { type: "extrude", outline, holes, depth: rng.range(0.02, 0.5), bevel: maybe(rng, 0.3, () => rng.range(0.001, 0.05)) };
    }
  }
}

/** One deliberate geometric mistake, so refusals are exercised too. */
function brokenShape(rng: Rng): ShapeSpec {
  switch (rng.int(0, 3)) {
    case 0:
      return { type: "box", size: [1, 0, 1] };
    case 1:
      return { type: "sphere", radius: 0, segments: null };
    case 2:
      return {
        type: "extrude",
        outline: [
          [0, 0],
          [1, 1],
          [1, 0],
          [0, 1],
        ],
        holes: null,
        depth: 0.1,
        bevel: null,
      };
    default:
      return {
        type: "lathe",
        profile: [
          [0, 0],
          [0, 1],
        ],
        segments: null,
      };
  }
}

export function randomSpec(seed: number): ModelSpec {
  const rng = generator(seed);
  const materials = Array.from({ length: rng.int(0, 4) }, (_, i) => ({
    name: `${rng.pick(MATERIAL_NAMES)}_${i}`,
    color: color(rng),
    metallic: maybe(rng, 0.5, () => rng.range(0, 1)),
    roughness: maybe(rng, 0.5, () => rng.range(0, 1)),
    emissive: maybe(rng, 0.15, () => color(rng)),
    emissive_strength: maybe(rng, 0.1, () => rng.range(0, 5)),
    opacity: maybe(rng, 0.15, () => rng.range(0.1, 1)),
    double_sided: maybe(rng, 0.3, () => rng.chance(0.5)),
  }));
  const count = rng.int(1, 24);
  const ids: string[] = [];
  const parts: PartSpec[] = [];
  const broken = rng.chance(0.02) ? rng.int(0, count - 1) : -1;
  for (let i = 0; i < count; i++) {
    const id = `${rng.pick(WORDS)}_${i}_${rng.int(0, 999)}`;
    const earlier = ids.length > 0 && rng.chance(0.6) ? rng.pick(ids) : null;
    // Parents only point backwards, so the tree has no cycles; a few are dangling.
    const parent = rng.chance(0.05) ? `missing_${rng.int(0, 99)}` : earlier;
    const attachTarget = rng.chance(0.1) ? `ghost_${rng.int(0, 99)}` : ids.length > 0 ? rng.pick(ids) : id;
    parts.push({
      id,
      parent,
      shape: i === broken ? brokenShape(rng) : randomShape(rng),
      material: maybe(rng, 0.8, () => (materials.length > 0 && rng.chance(0.85) ? rng.pick(materials).name : "undefined_material")),
      position: maybe(rng, 0.7, () => vec3(rng, -1, 1)),
      rotation: maybe(rng, 0.4, () => vec3(rng, -180, 180)),
      scale: maybe(rng, 0.2, () => vec3(rng, 0.2, 2)),
      attach: maybe(rng, 0.3, () => ({
        to: attachTarget,
        side: rng.pick(["top", "bottom", "left", "right", "front", "back", "center"] as const),
        offset: maybe(rng, 0.3, () => vec3(rng, -0.2, 0.2)),
      })),
      mirror: maybe(rng, 0.2, () => [rng.pick(["x", "y", "z"] as const)]),
      array: maybe(rng, 0.1, () =>
        rng.chance(0.5)
          ? { kind: "linear" as const, count: rng.int(2, 6), offset: vec3(rng, -0.5, 0.5), axis: null }
          : {
              kind: "radial" as const,
              count: rng.int(2, 8),
              offset: null,
              axis: maybe(rng, 0.5, () => rng.pick(["x", "y", "z"] as const)),
            },
      ),
    });
    ids.push(id);
  }
  return {
    name: `random model ${seed}`,
    materials: materials.length > 0 ? materials : null,
    parts,
    options: maybe(rng, 0.5, () => ({
      triangle_budget: maybe(rng, 0.3, () => rng.int(2_000, 100_000)),
      origin: maybe(rng, 0.5, () => rng.pick(["bottom_center", "center"] as const)),
      lods: maybe(rng, 0.3, () => [0.5, 0.25]),
      colliders: maybe(rng, 0.4, () => rng.pick(["none", "box", "hull"] as const)),
    })),
  };
}
