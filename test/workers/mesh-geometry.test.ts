import { describe, expect, it } from "vitest";
import { ToolError } from "../../src/errors";
import { buildScene } from "../../src/mesh/build-scene";
import type { Bounds, Scene, ScenePart } from "../../src/mesh/scene";
import { ModelSpec, modelSpecJsonSchema, type ModelSpecInput } from "../../src/mesh/spec";
import { riskyPatternReason } from "../../src/jobs/json-schema-answer";
import { strictSchemaProblems } from "../../src/openai/strict-schema";
import { checkJsonSchemaFormat } from "../fake-openai/json-schema";

const build = (input: ModelSpecInput) => buildScene(ModelSpec.parse(input));
const one = (shape: ModelSpecInput["parts"][number]["shape"], options: ModelSpecInput["options"] = null) =>
  build({ parts: [{ id: "p", parent: null, shape }], options });

const triangles = (part: ScenePart) => part.chunks.reduce((sum, c) => sum + c.indices.length / 3, 0);
const sceneTriangles = (scene: Scene) => scene.parts.reduce((sum, p) => sum + triangles(p), 0);
const round = (values: number[]) => values.map((v) => Math.round(v * 1000) / 1000 + 0);
const rounded = (b: Bounds): Bounds => ({ min: round(b.min) as Bounds["min"], max: round(b.max) as Bounds["max"] });

function partBounds(part: ScenePart): Bounds {
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  for (const chunk of part.chunks) {
    for (let i = 0; i < chunk.positions.length; i++) {
      min[i % 3] = Math.min(min[i % 3]!, chunk.positions[i]!);
      max[i % 3] = Math.max(max[i % 3]!, chunk.positions[i]!);
    }
  }
  return rounded({ min: min as Bounds["min"], max: max as Bounds["max"] }) as Bounds;
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ToolError);
    return (error as ToolError).message;
  }
  throw new Error("expected a refusal");
}

describe("primitives: golden triangle counts and bounds (origin bottom_center)", () => {
  const cases: [string, ModelSpecInput["parts"][number]["shape"], number, Bounds][] = [
    ["box", { type: "box", size: [1, 2, 3] }, 12, { min: [-0.5, 0, -1.5], max: [0.5, 2, 1.5] }],
    ["rounded_box", { type: "rounded_box", size: [1, 1, 1], radius: 0.1 }, 972, { min: [-0.5, 0, -0.5], max: [0.5, 1, 0.5] }],
    ["sphere", { type: "sphere", radius: 0.5 }, 960, { min: [-0.5, 0, -0.5], max: [0.5, 1, 0.5] }],
    ["cylinder", { type: "cylinder", radius: 0.5, height: 1 }, 128, { min: [-0.5, 0, -0.5], max: [0.5, 1, 0.5] }],
    ["cone", { type: "cone", radius_bottom: 0.5, height: 1 }, 64, { min: [-0.5, 0, -0.5], max: [0.5, 1, 0.5] }],
    [
      "frustum",
      { type: "cone", radius_bottom: 0.5, radius_top: 0.25, height: 1, segments: 8 },
      32,
      { min: [-0.5, 0, -0.5], max: [0.5, 1, 0.5] },
    ],
    ["capsule", { type: "capsule", radius: 0.25, height: 1 }, 256, { min: [-0.25, 0, -0.25], max: [0.25, 1, 0.25] }],
    ["torus", { type: "torus", radius: 0.5, tube: 0.1 }, 1024, { min: [-0.6, 0, -0.6], max: [0.6, 0.2, 0.6] }],
    ["plane", { type: "plane", size: [2, 1] }, 2, { min: [-1, 0, -0.5], max: [1, 0, 0.5] }],
    [
      "lathe",
      {
        type: "lathe",
        profile: [
          [0, 0],
          [0.3, 0],
          [0.35, 0.5],
          [0, 0.6],
        ],
      },
      128,
      { min: [-0.35, 0, -0.35], max: [0.35, 0.6, 0.35] },
    ],
    [
      "extrude with a hole and bevel",
      {
        type: "extrude",
        outline: [
          [0, 0],
          [1, 0],
          [1, 1],
          [0, 1],
        ],
        holes: [
          [
            [0.3, 0.3],
            [0.6, 0.3],
            [0.6, 0.6],
          ],
        ],
        depth: 0.2,
        bevel: 0.02,
      },
      84,
      { min: [-0.5, 0, -0.1], max: [0.5, 1, 0.1] },
    ],
  ];
  for (const [name, shape, count, bounds] of cases) {
    it(name, () => {
      const { scene, warnings } = one(shape);
      expect(warnings).toEqual([]);
      expect(sceneTriangles(scene)).toBe(count);
      expect(rounded(scene.bounds)).toEqual(bounds);
      const chunk = scene.parts[0]!.chunks[0]!;
      const vertices = chunk.positions.length / 3;
      expect(chunk.normals.length).toBe(vertices * 3);
      expect(chunk.uvs.length).toBe(vertices * 2);
      expect(Math.max(...chunk.indices)).toBeLessThan(vertices);
      for (let i = 0; i < chunk.normals.length; i += 3) {
        expect(Math.hypot(chunk.normals[i]!, chunk.normals[i + 1]!, chunk.normals[i + 2]!)).toBeCloseTo(1, 4);
      }
    });
  }

  it("lathe profiles face outwards whichever way they are written", () => {
    const outwardShare = (profile: number[][]) => {
      const chunk = one({ type: "lathe", profile, segments: 16 }).scene.parts[0]!.chunks[0]!;
      let outward = 0;
      for (let v = 0; v < chunk.positions.length; v += 3) {
        if (chunk.normals[v]! * chunk.positions[v]! + chunk.normals[v + 2]! * chunk.positions[v + 2]! > 0) outward++;
      }
      return outward / (chunk.positions.length / 3);
    };
    const wall = [
      [0.2, 0],
      [0.2, 1],
    ];
    expect(outwardShare(wall)).toBe(1);
    expect(outwardShare([...wall].reverse())).toBe(1);
    // A closed ring, clockwise: its outer wall must still face out, its inner wall in.
    const ring = [
      [0.5, 0],
      [0.5, 0.7],
      [0.6, 0.7],
      [0.6, 0],
      [0.5, 0],
    ];
    const chunk = one({ type: "lathe", profile: ring, segments: 16 }).scene.parts[0]!.chunks[0]!;
    for (let v = 0; v < chunk.positions.length; v += 3) {
      const radius = Math.hypot(chunk.positions[v]!, chunk.positions[v + 2]!);
      const radial = chunk.normals[v]! * chunk.positions[v]! + chunk.normals[v + 2]! * chunk.positions[v + 2]!;
      const y = chunk.positions[v + 1]!;
      if (y === 0 || y === Math.fround(0.7)) continue; // rims: normals there belong to the flat top and bottom
      if (radius > 0.599) expect(radial).toBeGreaterThan(0);
      if (radius < 0.501) expect(radial).toBeLessThan(0);
    }
  });

  it("faces point outwards (counter-clockwise seen from outside): a sphere's triangles all face away from its centre", () => {
    const chunk = one({ type: "sphere", radius: 1, segments: 12 }, { origin: "center", triangle_budget: null, lods: null, colliders: null })
      .scene.parts[0]!.chunks[0]!;
    const p = (i: number) => [chunk.positions[i * 3]!, chunk.positions[i * 3 + 1]!, chunk.positions[i * 3 + 2]!];
    for (let t = 0; t < chunk.indices.length; t += 3) {
      const [a, b, c] = [p(chunk.indices[t]!), p(chunk.indices[t + 1]!), p(chunk.indices[t + 2]!)];
      const u = [b[0]! - a[0]!, b[1]! - a[1]!, b[2]! - a[2]!];
      const v = [c[0]! - a[0]!, c[1]! - a[1]!, c[2]! - a[2]!];
      const n = [u[1]! * v[2]! - u[2]! * v[1]!, u[2]! * v[0]! - u[0]! * v[2]!, u[0]! * v[1]! - u[1]! * v[0]!];
      const centroid = [0, 1, 2].map((k) => a[k]! + b[k]! + c[k]!);
      expect(n[0]! * centroid[0]! + n[1]! * centroid[1]! + n[2]! * centroid[2]!).toBeGreaterThan(0);
    }
  });
});

describe("transforms and operators", () => {
  it("applies position, rotation in degrees and scale", () => {
    const { scene } = build({
      parts: [
        { id: "p", parent: null, shape: { type: "box", size: [1, 2, 3] }, position: [5, 5, 5], rotation: [0, 90, 0], scale: [2, 1, 1] },
      ],
      options: { origin: "center" },
    });
    // Scaled to 2×2×3, then turned a quarter about y: x and z swap extents.
    expect(rounded(scene.bounds)).toEqual({ min: [-1.5, -1, -1], max: [1.5, 1, 1] });
  });

  it("mirror adds reflected copies across the parent's planes, with winding kept outward", () => {
    const { scene } = build({
      parts: [
        { id: "seat", parent: null, shape: { type: "box", size: [1, 0.1, 1] }, position: [0, 1, 0] },
        { id: "leg", parent: "seat", shape: { type: "box", size: [0.1, 1, 0.1] }, position: [0.4, -0.5, 0.4], mirror: ["x", "z"] },
      ],
    });
    const leg = scene.parts[1]!;
    expect(triangles(leg)).toBe(48);
    expect(partBounds(leg)).toEqual({ min: [-0.45, 0, -0.45], max: [0.45, 1, 0.45] });
  });

  it("linear array steps copies by the offset; radial spreads them around the axis", () => {
    const linear = build({
      parts: [
        { id: "post", parent: null, shape: { type: "box", size: [0.1, 1, 0.1] }, array: { kind: "linear", count: 5, offset: [0.5, 0, 0] } },
      ],
    }).scene;
    expect(triangles(linear.parts[0]!)).toBe(60);
    expect(rounded(linear.bounds)).toEqual({ min: [-1.05, 0, -0.05], max: [1.05, 1, 0.05] });

    const radial = build({
      parts: [
        { id: "hub", parent: null, shape: { type: "cylinder", radius: 0.1, height: 0.1, segments: 8 } },
        {
          id: "spoke",
          parent: "hub",
          shape: { type: "box", size: [0.1, 0.1, 0.1] },
          position: [1, 0, 0],
          array: { kind: "radial", count: 4 },
        },
      ],
    }).scene;
    expect(triangles(radial.parts[1]!)).toBe(48);
    expect(partBounds(radial.parts[1]!)).toEqual({ min: [-1.05, 0, -1.05], max: [1.05, 0.1, 1.05] });
  });

  it("children follow their parent's transform", () => {
    const { scene } = build({
      parts: [
        { id: "arm", parent: null, shape: { type: "box", size: [1, 0.1, 0.1] }, position: [0, 2, 0], rotation: [0, 0, 90] },
        { id: "hand", parent: "arm", shape: { type: "sphere", radius: 0.1, segments: 8 }, position: [0.5, 0, 0] },
      ],
      options: { origin: "center" },
    });
    // The arm stands upright, so the hand sits 0.5 m above the arm's centre.
    const hand = partBounds(scene.parts[1]!);
    const arm = partBounds(scene.parts[0]!);
    expect((hand.min[1]! + hand.max[1]!) / 2).toBeCloseTo((arm.min[1]! + arm.max[1]!) / 2 + 0.5, 3);
    expect(scene.parts[1]!.parent).toBe("arm");
    expect(scene.parts[1]!.path).toBe("arm/hand");
  });
});

describe("attachments are solved so parts touch", () => {
  const table = { id: "table", parent: null, shape: { type: "box" as const, size: [1, 0.1, 0.6] }, position: [0, 0.75, 0] };

  it("top: the part's bottom rests on the target's top, centred in x/z", () => {
    const { scene, warnings } = build({
      parts: [
        table,
        {
          id: "vase",
          parent: null,
          shape: { type: "cylinder", radius: 0.1, height: 0.3 },
          position: [9, 9, 9],
          attach: { to: "table", side: "top" },
        },
      ],
    });
    expect(warnings).toEqual([]);
    const top = partBounds(scene.parts[0]!).max[1]!;
    const vase = partBounds(scene.parts[1]!);
    expect(vase.min[1]).toBeCloseTo(top, 4);
    expect(vase).toEqual({ min: [-0.1, top, -0.1], max: [0.1, round([top + 0.3])[0], 0.1] });
  });

  it("faces and offsets: right, front, bottom and center", () => {
    const sides = ["right", "left", "front", "back", "bottom", "center"] as const;
    const { scene } = build({
      parts: [
        { id: "block", parent: null, shape: { type: "box", size: [1, 1, 1] }, position: [0, 2, 0] },
        ...sides.map((side) => ({
          id: side,
          parent: null,
          shape: { type: "box" as const, size: [0.2, 0.2, 0.2] },
          attach: { to: "block", side },
        })),
        {
          id: "shifted",
          parent: null,
          shape: { type: "box", size: [0.2, 0.2, 0.2] },
          attach: { to: "block", side: "top", offset: [0.3, 0, 0] },
        },
      ],
      options: { origin: "center" },
    });
    const block = partBounds(scene.parts[0]!);
    const at = (id: string) => partBounds(scene.parts.find((p) => p.id === id)!);
    expect(at("right").min[0]).toBeCloseTo(block.max[0]!, 4);
    expect(at("left").max[0]).toBeCloseTo(block.min[0]!, 4);
    expect(at("front").min[2]).toBeCloseTo(block.max[2]!, 4);
    expect(at("back").max[2]).toBeCloseTo(block.min[2]!, 4);
    expect(at("bottom").max[1]).toBeCloseTo(block.min[1]!, 4);
    expect(at("center")).toEqual({
      min: round([-0.1, (block.min[1]! + block.max[1]!) / 2 - 0.1, -0.1]),
      max: round([0.1, (block.min[1]! + block.max[1]!) / 2 + 0.1, 0.1]),
    });
    expect(at("shifted").min[0]).toBeCloseTo(0.2, 4);
    expect(at("shifted").min[1]).toBeCloseTo(block.max[1]!, 4);
  });

  it("an attached part's children and mirror copies move with it", () => {
    const { scene } = build({
      parts: [
        table,
        {
          id: "lamp",
          parent: null,
          shape: { type: "cylinder", radius: 0.05, height: 0.4 },
          attach: { to: "table", side: "top", offset: [0.3, 0, 0] },
          mirror: ["x"],
        },
        { id: "shade", parent: "lamp", shape: { type: "cone", radius_bottom: 0.15, height: 0.2 }, position: [0, 0.3, 0] },
      ],
    });
    const top = partBounds(scene.parts[0]!).max[1]!;
    const lamp = partBounds(scene.parts[1]!);
    const shade = partBounds(scene.parts[2]!);
    expect(lamp).toEqual({ min: round([-0.35, top, -0.05]), max: round([0.35, top + 0.4, 0.05]) });
    expect(shade.min[1]).toBeCloseTo(top + 0.2 + 0.3 - 0.1, 4);
    expect(shade.max[0]).toBeCloseTo(0.45, 4);
  });
});

describe("origin, LODs and colliders", () => {
  const spec: ModelSpecInput = {
    parts: [
      { id: "body", parent: null, shape: { type: "sphere", radius: 1 }, position: [3, 3, 3] },
      { id: "ring", parent: "body", shape: { type: "torus", radius: 1.2, tube: 0.1 } },
    ],
  };

  it("bottom_center puts the model on y = 0 centred in x/z; center centres it", () => {
    expect(rounded(build(spec).scene.bounds)).toEqual({ min: [-1.3, 0, -1.3], max: [1.3, 2, 1.3] });
    expect(rounded(build({ ...spec, options: { origin: "center" } }).scene.bounds)).toEqual({ min: [-1.3, -1, -1.3], max: [1.3, 1, 1.3] });
  });

  it("LODs tessellate again with fewer triangles, same placement", () => {
    const { scene } = build({ ...spec, options: { lods: [0.5, 0.25] } });
    const full = sceneTriangles(scene);
    const [half, quarter] = scene.lods.map((lod) => lod.parts.reduce((sum, p) => sum + triangles(p), 0));
    expect(scene.lods.map((l) => l.ratio)).toEqual([0.5, 0.25]);
    expect([full, half, quarter]).toEqual([1984, 480, 112]);
    expect(partBounds(scene.lods[0]!.parts[1]!)).toEqual(partBounds(scene.parts[1]!));
  });

  it("box colliders are each part's bounds; hulls are closed convex meshes around the part", () => {
    const boxes = build({ ...spec, options: { colliders: "box" } }).scene;
    const body = partBounds(boxes.parts[0]!);
    const box = boxes.parts[0]!.collider!;
    if (box.shape !== "box") throw new Error("expected a box");
    expect([round(box.center), round(box.size)]).toEqual([
      [0, 1, 0],
      [2, 2, 2],
    ]);
    expect(body).toEqual({ min: [-1, 0, -1], max: [1, 2, 1] });

    const hulls = build({ ...spec, options: { colliders: "hull" } }).scene;
    const hull = hulls.parts[0]!.collider!;
    if (hull.shape !== "hull") throw new Error("expected a hull");
    // Closed: every edge appears once in each direction.
    const edges = new Map<string, number>();
    for (let t = 0; t < hull.indices.length; t += 3) {
      for (const [u, v] of [
        [0, 1],
        [1, 2],
        [2, 0],
      ]) {
        const key = `${hull.indices[t + u!]},${hull.indices[t + v!]}`;
        edges.set(key, (edges.get(key) ?? 0) + 1);
      }
    }
    for (const [key, count] of edges) {
      const [a, b] = key.split(",");
      expect(count).toBe(1);
      expect(edges.get(`${b},${a}`)).toBe(1);
    }
    const hb = {
      min: [0, 1, 2].map((k) => Math.min(...hull.positions.filter((_, i) => i % 3 === k))),
      max: [0, 1, 2].map((k) => Math.max(...hull.positions.filter((_, i) => i % 3 === k))),
    };
    // Inside the part's box, and (reduced to extreme points) within 2% of filling it.
    for (let k = 0; k < 3; k++) {
      expect(hb.min[k]!).toBeGreaterThanOrEqual(body.min[k]! - 1e-4);
      expect(hb.max[k]!).toBeLessThanOrEqual(body.max[k]! + 1e-4);
      expect(hb.max[k]! - hb.min[k]!).toBeGreaterThan(0.98 * (body.max[k]! - body.min[k]!));
    }
  });

  it("a flat part's hull falls back to its box", () => {
    const { scene } = one({ type: "plane", size: [2, 1] }, { colliders: "hull" });
    expect(scene.parts[0]!.collider).toEqual({ shape: "box", center: [0, 0, 0], size: [2, 0, 1] });
  });
});

describe("materials", () => {
  it("resolves PBR values, linear colours, alpha mode and emissive strength", () => {
    const { scene } = build({
      materials: [
        { name: "glass", color: "#ffffff", opacity: 0.3, roughness: 0.05, emissive: "#ff0000", emissive_strength: 4, double_sided: true },
      ],
      parts: [{ id: "pane", parent: null, shape: { type: "box", size: [1, 1, 0.01] }, material: "glass" }],
    });
    expect(scene.materials.get("glass")).toEqual({
      name: "glass",
      baseColor: [1, 1, 1, 0.3],
      metallic: 0,
      roughness: 0.05,
      emissive: [1, 0, 0],
      emissiveStrength: 4,
      alphaMode: "BLEND",
      doubleSided: true,
    });
    expect(scene.parts[0]!.chunks[0]!.material).toBe("glass");
    expect([...scene.materials.keys()]).toEqual(["glass"]);
  });

  it("converts sRGB hex to linear factors", () => {
    const { scene } = build({
      materials: [{ name: "wood", color: "#8b5a2b" }],
      parts: [{ id: "p", parent: null, shape: { type: "box", size: [1, 1, 1] }, material: "wood" }],
    });
    expect(scene.materials.get("wood")!.baseColor).toEqual([0.258183, 0.102242, 0.024158, 1]);
  });
});

describe("forgiving: bad references become warnings naming the part path", () => {
  it("unknown material, attachment target and parent fall back", () => {
    const { scene, warnings } = build({
      parts: [
        { id: "base", parent: null, shape: { type: "box", size: [1, 1, 1] } },
        { id: "knob", parent: "base", shape: { type: "sphere", radius: 0.1 }, material: "brass", attach: { to: "lid", side: "top" } },
        { id: "orphan", parent: "nowhere", shape: { type: "box", size: [1, 1, 1] } },
      ],
    });
    expect(warnings).toEqual([
      'part "orphan": parent "nowhere" does not exist; placed the part at the root.',
      'part "base/knob": material "brass" is not defined in materials; used the default grey.',
      'part "base/knob": attach target "lid" does not exist; kept the part at its position (0, 0, 0 in its parent).',
    ]);
    expect(scene.parts.map((p) => [p.id, p.parent, p.chunks[0]!.material])).toEqual([
      ["base", null, "default"],
      ["knob", "base", "default"],
      ["orphan", null, "default"],
    ]);
  });

  it("attachment loops are broken with a warning", () => {
    const { warnings } = build({
      parts: [
        { id: "a", parent: null, shape: { type: "box", size: [1, 1, 1] }, attach: { to: "b", side: "top" } },
        { id: "b", parent: null, shape: { type: "box", size: [1, 1, 1] }, attach: { to: "a", side: "top" } },
        { id: "c", parent: null, shape: { type: "box", size: [1, 1, 1] }, attach: { to: "c", side: "top" } },
      ],
    });
    expect(warnings).toEqual([
      'part "b": attaching to "a" makes a loop (it depends on this part); attachment ignored.',
      'part "c": attaches to itself; attachment ignored.',
    ]);
  });

  it("oversized parameters are clamped with a warning", () => {
    expect(one({ type: "capsule", radius: 0.5, height: 0.5 }).warnings).toEqual([
      'part "p": capsule height 0.5 is less than 2 × radius; made a sphere of radius 0.5.',
    ]);
    expect(one({ type: "torus", radius: 0.5, tube: 0.6 }).warnings).toEqual([
      'part "p": torus tube 0.6 is not smaller than radius 0.5; used 0.475.',
    ]);
  });
});

describe("refusals name the part path and the fix", () => {
  const cases: [string, ModelSpecInput, string][] = [
    [
      "zero-size box",
      {
        parts: [
          { id: "root", parent: null, shape: { type: "box", size: [1, 1, 1] } },
          { id: "panel", parent: "root", shape: { type: "box", size: [1, 0, 1] } },
        ],
      },
      'part "root/panel": box size [1, 0, 1] has a side ≤ 0; give every side > 0 (e.g. 0.01 for a thin panel).',
    ],
    [
      "self-crossing outline",
      {
        parts: [
          {
            id: "sign",
            parent: null,
            shape: {
              type: "extrude",
              outline: [
                [0, 0],
                [1, 1],
                [1, 0],
                [0, 1],
              ],
              depth: 0.1,
            },
          },
        ],
      },
      'part "sign": extrude outline crosses itself; list the corners in order around the shape without crossing edges.',
    ],
    [
      "degenerate outline",
      {
        parts: [
          {
            id: "sign",
            parent: null,
            shape: {
              type: "extrude",
              outline: [
                [0, 0],
                [1, 0],
                [2, 0],
              ],
              depth: 0.1,
            },
          },
        ],
      },
      'part "sign": extrude outline is degenerate (fewer than 3 distinct points or no area); give at least 3 [x, y] corners of a polygon.',
    ],
    [
      "hole outside the outline",
      {
        parts: [
          {
            id: "plate",
            parent: null,
            shape: {
              type: "extrude",
              outline: [
                [0, 0],
                [1, 0],
                [1, 1],
                [0, 1],
              ],
              holes: [
                [
                  [2, 2],
                  [3, 2],
                  [3, 3],
                ],
              ],
              depth: 0.1,
            },
          },
        ],
      },
      'part "plate": extrude hole 0 is not strictly inside the outline; keep every hole inside the outline, not touching it.',
    ],
    [
      "lathe without width",
      {
        parts: [
          {
            id: "vase",
            parent: null,
            shape: {
              type: "lathe",
              profile: [
                [0, 0],
                [0, 1],
              ],
            },
          },
        ],
      },
      'part "vase": lathe profile is degenerate (fewer than 2 distinct points, or no width or height); give [radius, y] points from bottom to top, e.g. [[0, 0], [0.3, 0], [0.3, 0.5], [0, 0.5]].',
    ],
    [
      "negative lathe radius",
      {
        parts: [
          {
            id: "vase",
            parent: null,
            shape: {
              type: "lathe",
              profile: [
                [-1, 0],
                [1, 1],
              ],
            },
          },
        ],
      },
      'part "vase": lathe profile has a negative radius; every [radius, y] point needs radius ≥ 0.',
    ],
    [
      "zero scale",
      { parts: [{ id: "flat", parent: null, shape: { type: "box", size: [1, 1, 1] }, scale: [1, 0, 1] }] },
      'part "flat": scale [1, 0, 1] has a zero factor; use factors ≠ 0 (1 keeps the size).',
    ],
    [
      "duplicate ids",
      {
        parts: [
          { id: "leg", parent: null, shape: { type: "box", size: [1, 1, 1] } },
          { id: "leg", parent: null, shape: { type: "box", size: [1, 1, 1] } },
        ],
      },
      'part "leg": the id is used by more than one part; give every part a unique id.',
    ],
    [
      "parent cycle",
      {
        parts: [
          { id: "a", parent: "b", shape: { type: "box", size: [1, 1, 1] } },
          { id: "b", parent: "a", shape: { type: "box", size: [1, 1, 1] } },
        ],
      },
      'part "a": parents form a cycle (a → b → a); make one of them a root with parent null.',
    ],
    [
      "too deep",
      {
        parts: Array.from({ length: 10 }, (_, i) => ({
          id: `p${i}`,
          parent: i === 0 ? null : `p${i - 1}`,
          shape: { type: "box" as const, size: [1, 1, 1] },
        })),
      },
      'part "p0/p1/p2/p3/p4/p5/p6/p7/p8": nested 9 levels deep, more than 8; attach it to a part higher up.',
    ],
    [
      "budget exceeded even at the fewest segments",
      {
        parts: [
          { id: "balls", parent: null, shape: { type: "sphere", radius: 0.1 }, array: { kind: "linear", count: 64, offset: [0.3, 0, 0] } },
        ],
        options: { triangle_budget: 1000 },
      },
      'triangle budget exceeded: the model needs at least 1536 triangles even with the fewest segments, over the triangle_budget of 1000 (largest parts: "balls" 1536); raise options.triangle_budget (max 200000) or use fewer array copies and parts.',
    ],
  ];
  for (const [name, spec, message] of cases) {
    it(name, () => expect(refusal(() => build(spec))).toBe(message));
  }

  it("the schema refuses what is not a spec, naming the field", () => {
    const result = ModelSpec.safeParse({ parts: [{ id: "a", parent: null, shape: { type: "box", size: [1, 1] } }] });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path).toEqual(["parts", 0, "shape", "size"]);
    const color = ModelSpec.safeParse({
      materials: [{ name: "m", color: "red" }],
      parts: [{ id: "a", parent: null, shape: { type: "box", size: [1, 1, 1] } }],
    });
    expect(color.error!.issues[0]!.message).toBe('a colour is "#rrggbb", e.g. "#8b5a2b"');
    expect(ModelSpec.safeParse({ parts: [], extra: 1 }).success).toBe(false);
    const unknownShape = ModelSpec.safeParse({ parts: [{ id: "a", parent: null, shape: { type: "pyramid" } }] });
    expect(unknownShape.error!.issues[0]!.path).toEqual(["parts", 0, "shape", "type"]);
    expect(unknownShape.error!.issues[0]!.message).toBe(
      "Invalid discriminator value. Expected 'box' | 'rounded_box' | 'sphere' | 'cylinder' | 'cone' | 'capsule' | 'torus' | 'plane' | 'lathe' | 'extrude'",
    );
  });
});

describe("triangle budget", () => {
  it("lowers curve segments to fit, with a warning, and never exceeds the budget", () => {
    const { scene, warnings } = build({
      parts: [
        {
          id: "balls",
          parent: null,
          shape: { type: "sphere", radius: 0.1, segments: 64 },
          array: { kind: "linear", count: 10, offset: [0.3, 0, 0] },
        },
      ],
      options: { triangle_budget: 20_000 },
    });
    expect(sceneTriangles(scene)).toBeLessThanOrEqual(20_000);
    expect(sceneTriangles(scene)).toBeGreaterThan(10_000);
    expect(warnings).toEqual(["lowered curve segments to 64% to fit the 20000-triangle budget."]);
  });

  it("counts LODs against the budget too", () => {
    const { scene, warnings } = build({
      parts: [{ id: "ball", parent: null, shape: { type: "sphere", radius: 0.1, segments: 64 } }],
      options: { triangle_budget: 4000, lods: [0.5, 0.25] },
    });
    const total = sceneTriangles(scene) + scene.lods.reduce((sum, lod) => sum + lod.parts.reduce((s, p) => s + triangles(p), 0), 0);
    expect(total).toBeLessThanOrEqual(4000);
    expect(warnings).toEqual(["lowered curve segments to 80% to fit the 4000-triangle budget."]);
    expect(
      refusal(() =>
        build({
          parts: [
            { id: "ball", parent: null, shape: { type: "sphere", radius: 0.1 }, array: { kind: "linear", count: 40, offset: [0.3, 0, 0] } },
          ],
          options: { triangle_budget: 1900, lods: [0.5] },
        }),
      ),
    ).toBe(
      'triangle budget exceeded: the model with its 1 LOD needs at least 1920 triangles even with the fewest segments, over the triangle_budget of 1900 (largest parts: "ball" 1920); raise options.triangle_budget (max 200000) or use fewer array copies, parts or LODs.',
    );
  });

  it("a 200k-triangle spec builds within about a second", () => {
    const started = performance.now();
    const { scene } = build({
      parts: [
        {
          id: "balls",
          parent: null,
          shape: { type: "sphere", radius: 0.1, segments: 128 },
          array: { kind: "linear", count: 64, offset: [0.3, 0, 0] },
        },
      ],
      options: { triangle_budget: 200_000, colliders: "hull" },
    });
    expect(sceneTriangles(scene)).toBeLessThanOrEqual(200_000);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});

describe("strict JSON Schema export (OpenAI structured outputs subset)", () => {
  const FORBIDDEN = [
    "oneOf",
    "allOf",
    "not",
    "if",
    "then",
    "else",
    "dependentRequired",
    "dependentSchemas",
    "patternProperties",
    "unevaluatedProperties",
    "propertyNames",
    "default",
    "maxLength",
    "minLength",
    "$schema",
  ];

  function walk(node: unknown, path: string, visit: (node: Record<string, unknown>, path: string) => void) {
    if (Array.isArray(node)) return node.forEach((item, i) => walk(item, `${path}[${i}]`, visit));
    if (node === null || typeof node !== "object") return;
    const record = node as Record<string, unknown>;
    visit(record, path);
    for (const [key, value] of Object.entries(record)) {
      if (key === "properties" || key === "$defs") {
        for (const [name, child] of Object.entries(value as Record<string, unknown>)) walk(child, `${path}.${key}.${name}`, visit);
      } else if (key !== "enum" && key !== "required") {
        walk(value, `${path}.${key}`, visit);
      }
    }
  }

  it("closes every object, requires every property, uses only anyOf and never a type array", () => {
    const schema = modelSpecJsonSchema();
    expect(schema.type).toBe("object");
    let objects = 0;
    walk(schema, "$", (node, path) => {
      for (const key of FORBIDDEN) expect(key in node, `${path} has ${key}`).toBe(false);
      expect(Array.isArray(node.type), `${path} has a type array`).toBe(false);
      if (node.type === "object") {
        objects++;
        expect(node.additionalProperties, `${path} is open`).toBe(false);
        expect([...(node.required as string[])].sort(), `${path} leaves properties optional`).toEqual(
          Object.keys(node.properties as object).sort(),
        );
      }
      if ("anyOf" in node) expect(node.anyOf).toBeInstanceOf(Array);
    });
    expect(objects).toBeGreaterThan(12);
  });

  it("passes the server's own strict check and the fake OpenAI's", () => {
    const schema = modelSpecJsonSchema();
    expect(strictSchemaProblems(schema)).toEqual([]);
    expect(() => checkJsonSchemaFormat("model_spec", schema, true)).not.toThrow();
    const patterns: string[] = [];
    walk(schema, "$", (node) => {
      if (typeof node.pattern === "string") patterns.push(node.pattern);
    });
    expect(patterns).toEqual(["^#[0-9a-fA-F]{6}$", "^#[0-9a-fA-F]{6}$", "^[A-Za-z0-9_.-]+$"]);
    expect(patterns.map(riskyPatternReason)).toEqual([undefined, undefined, undefined]);
  });

  it("keeps optional fields nullable, so a strict-mode answer parses", () => {
    const parts = (modelSpecJsonSchema().properties as Record<string, { items: { properties: Record<string, unknown> } }>).parts;
    expect(parts!.items.properties.material).toEqual({
      description: "A material name from `materials`; null for the default grey.",
      anyOf: [{ type: "string" }, { type: "null" }],
    });
    const strictAnswer = {
      name: null,
      materials: null,
      parts: [
        {
          id: "a",
          parent: null,
          shape: { type: "sphere", radius: 1, segments: null },
          material: null,
          position: null,
          rotation: null,
          scale: null,
          attach: null,
          mirror: null,
          array: null,
        },
      ],
      options: null,
    };
    expect(ModelSpec.parse(strictAnswer)).toEqual(strictAnswer);
  });
});
