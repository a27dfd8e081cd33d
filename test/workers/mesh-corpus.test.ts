/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import { ToolError } from "../../src/errors";
import { buildScene } from "../../src/mesh/build-scene";
import type { Scene } from "../../src/mesh/scene";
import { ModelSpec, SPEC_LIMITS } from "../../src/mesh/spec";
import { randomSpec } from "../support/random-spec";

const corpus = import.meta.glob<{ default: unknown }>("../fixtures/models/*.json", { eager: true });

/** Structural soundness every built scene must have, whatever the spec. */
function expectSound(scene: Scene, budget: number) {
  let triangles = 0;
  // The budget covers the model and its LODs together, as the compiler checks it.
  for (const part of [...scene.parts, ...scene.lods.flatMap((lod) => lod.parts)]) {
    for (const chunk of part.chunks) {
      const vertices = chunk.positions.length / 3;
      expect(chunk.normals.length).toBe(vertices * 3);
      expect(chunk.uvs.length).toBe(vertices * 2);
      expect(chunk.indices.length % 3).toBe(0);
      expect(chunk.positions.every(Number.isFinite)).toBe(true);
      expect(chunk.normals.every(Number.isFinite)).toBe(true);
      expect(chunk.uvs.every(Number.isFinite)).toBe(true);
      expect(chunk.indices.every((i) => i < vertices)).toBe(true);
      for (let v = 0; v < chunk.normals.length; v += 3) {
        const length = Math.hypot(chunk.normals[v]!, chunk.normals[v + 1]!, chunk.normals[v + 2]!);
        if (Math.abs(length - 1) > 1e-3) expect.fail(`${part.path}: normal ${v / 3} has length ${length}`);
      }
      expect(scene.materials.has(chunk.material)).toBe(true);
      triangles += chunk.indices.length / 3;
    }
  }
  expect(triangles).toBeGreaterThan(0);
  expect(triangles).toBeLessThanOrEqual(budget);
  expect([...scene.bounds.min, ...scene.bounds.max].every(Number.isFinite)).toBe(true);
}

describe("corpus of everyday objects", () => {
  const names = Object.keys(corpus).map((path) => path.split("/").at(-1)!.replace(".json", ""));

  it("holds at least 30 hand-written specs", () => {
    expect(names.length).toBeGreaterThanOrEqual(30);
    for (const required of ["chair", "table", "chest", "lamp", "mug", "sword", "tree", "house", "car", "robot"]) {
      expect(names).toContain(required);
    }
  });

  for (const [path, module] of Object.entries(corpus)) {
    const name = path.split("/").at(-1)!;
    it(`${name} builds cleanly, standing on the ground, within budget`, () => {
      const spec = ModelSpec.parse(module.default);
      const { scene, warnings } = buildScene(spec);
      expect(warnings).toEqual([]);
      expectSound(scene, spec.options?.triangle_budget ?? SPEC_LIMITS.triangleBudget.default);
      expect(scene.parts.map((p) => p.id)).toEqual(spec.parts.map((p) => p.id));
      if ((spec.options?.origin ?? "bottom_center") === "bottom_center") expect(scene.bounds.min[1]).toBeCloseTo(0, 6);
    });
  }
});

describe("fuzz: 500 seeded random specs", () => {
  const SEEDS = 500;
  const BATCH = 100;
  const outcomes = { built: 0, refused: 0 };

  for (let start = 1; start <= SEEDS; start += BATCH) {
    it(`seeds ${start}–${start + BATCH - 1} are schema-valid, and build soundly or are refused with a ToolError`, () => {
      for (let seed = start; seed < start + BATCH; seed++) {
        const parsed = ModelSpec.safeParse(randomSpec(seed));
        expect(parsed.success, `seed ${seed} is not schema-valid`).toBe(true);
        const spec = parsed.data!;
        try {
          const { scene } = buildScene(spec);
          expectSound(scene, spec.options?.triangle_budget ?? SPEC_LIMITS.triangleBudget.default);
          outcomes.built++;
        } catch (error) {
          expect(error, `seed ${seed}`).toBeInstanceOf(ToolError);
          expect((error as ToolError).message).toMatch(/^(part "[^"]+": |triangle budget exceeded: )/);
          outcomes.refused++;
        }
      }
    }, 120_000);
  }

  it("at least 95% of them build", () => {
    expect(outcomes.built + outcomes.refused).toBe(SEEDS);
    expect(outcomes.built / SEEDS).toBeGreaterThanOrEqual(0.95);
  });

  it("is deterministic: the same seed gives the same spec", () => {
    expect(randomSpec(42)).toEqual(randomSpec(42));
    expect(randomSpec(42)).not.toEqual(randomSpec(43));
  });
});
