/// <reference types="vite/client" />
import { WebIO } from "@gltf-transform/core";
import { KHRMaterialsEmissiveStrength, type EmissiveStrength } from "@gltf-transform/extensions";
import { describe, expect, it } from "vitest";
import { ToolError } from "../../src/errors";
import { compileModel } from "../../src/mesh/compile";
import { floatingParts } from "../../src/mesh/connectivity";
import { boxTriangles, writeGlb } from "../../src/mesh/glb";
import type { Scene } from "../../src/mesh/scene";
import {
  khronosValidate,
  requireSaneGeometry,
  requireSizeWithin,
  requireValidatorClean,
  requireWithinTriangleBudget,
  triangleCounts,
} from "../../src/mesh/validate";
import { modelReport } from "../../src/mesh/report";
import { ModelSpec } from "../../src/mesh/spec";
import { testServices } from "../support/assets";
import { randomSpec } from "../support/random-spec";
import { boundsOf, boxChunk, material, part, tableScene } from "../support/tiny-scene";

const readGlb = (bytes: Uint8Array) => new WebIO().registerExtensions([KHRMaterialsEmissiveStrength]).readBinary(bytes);

function expectToolError(fn: () => unknown, message: string): void {
  expect(fn).toThrowError(message);
}

describe("GLB writer", () => {
  it("writes one node per part named by its id, the hierarchy, materials by name, and nothing else", async () => {
    const glb = await writeGlb(tableScene());
    const doc = await readGlb(glb);
    const root = doc.getRoot();
    const scene = root.getDefaultScene()!;
    expect(scene.listChildren().map((n) => n.getName())).toEqual(["table", "lamp"]);
    const table = scene.listChildren()[0]!;
    expect(table.listChildren().map((n) => n.getName())).toEqual(["leg_1", "leg_2", "leg_3", "leg_4"]);
    expect(root.listMaterials().map((m) => m.getName())).toEqual(["wood", "brass"]);
    expect(root.listCameras()).toHaveLength(0);
    expect(root.listScenes()).toHaveLength(1);
    const brass = root.listMaterials()[1]!;
    expect(brass.getMetallicFactor()).toBe(1);
    expect(brass.getExtension<EmissiveStrength>("KHR_materials_emissive_strength")?.getEmissiveStrength()).toBe(4);
    const prim = table.getMesh()!.listPrimitives()[0]!;
    expect(prim.getAttribute("POSITION")!.getCount()).toBe(24);
    expect(prim.getIndices()!.getCount()).toBe(36);
    expect(prim.getIndices()!.getArray()).toBeInstanceOf(Uint16Array);
    expect(prim.getMaterial()!.getName()).toBe("wood");
    // Exactly the positions given: writing changes no coordinate.
    expect(Array.from(prim.getAttribute("POSITION")!.getArray()!)).toEqual(Array.from(tableScene().parts[0]!.chunks[0]!.positions));
  });

  it("puts one primitive per material into a part's mesh and skips empty chunks", async () => {
    const scene: Scene = {
      parts: [
        part("mug", null, [
          boxChunk("ceramic", [0, 0.05, 0], [0.08, 0.1, 0.08]),
          boxChunk("glaze", [0, 0.1, 0], [0.082, 0.005, 0.082]),
          {
            material: "ceramic",
            positions: new Float32Array(),
            normals: new Float32Array(),
            uvs: new Float32Array(),
            indices: new Uint32Array(),
          },
        ]),
        part("group", null, []),
      ],
      materials: new Map([
        ["ceramic", material("ceramic")],
        ["glaze", material("glaze", { alphaMode: "BLEND", baseColor: [0.2, 0.3, 0.9, 0.5], doubleSided: true })],
      ]),
      lods: [],
      bounds: { min: [-0.041, 0, -0.041], max: [0.041, 0.1025, 0.041] },
    };
    const doc = await readGlb(await writeGlb(scene));
    const [mug, group] = doc.getRoot().getDefaultScene()!.listChildren();
    expect(
      mug!
        .getMesh()!
        .listPrimitives()
        .map((p) => p.getMaterial()!.getName()),
    ).toEqual(["ceramic", "glaze"]);
    expect(group!.getName()).toBe("group");
    expect(group!.getMesh()).toBeNull();
    const glaze = doc.getRoot().listMaterials()[1]!;
    expect([glaze.getAlphaMode(), glaze.getDoubleSided()]).toEqual(["BLEND", true]);
  });

  it("writes LODs as extra scenes with <id>_LOD<n> nodes and colliders as <id>-colonly children", async () => {
    const base = tableScene();
    base.parts[0]!.collider = { shape: "box", center: [0, 0.72, 0], size: [1.2, 0.04, 0.8] };
    base.parts[5]!.collider = { shape: "hull", ...boxTriangles([0, 1.5, 0], [0.1, 0.1, 0.1]) };
    const lodParts = base.parts.map((p) => ({ ...p, collider: undefined }));
    const scene: Scene = { ...base, lods: [{ ratio: 0.5, parts: lodParts }] };
    const glb = await writeGlb(scene);
    const doc = await readGlb(glb);
    const scenes = doc.getRoot().listScenes();
    expect(scenes.map((s) => s.getName())).toEqual(["model", "LOD1 50%"]);
    expect(doc.getRoot().getDefaultScene()!.getName()).toBe("model");
    expect(scenes[1]!.listChildren().map((n) => n.getName())).toEqual(["table_LOD1", "lamp_LOD1"]);
    expect(
      scenes[1]!
        .listChildren()[0]!
        .listChildren()
        .map((n) => n.getName()),
    ).toEqual(["leg_1_LOD1", "leg_2_LOD1", "leg_3_LOD1", "leg_4_LOD1"]);
    const table = scenes[0]!.listChildren()[0]!;
    expect(table.listChildren().map((n) => n.getName())).toContain("table-colonly");
    const collider = table.listChildren().find((n) => n.getName() === "table-colonly")!;
    const colliderPrim = collider.getMesh()!.listPrimitives()[0]!;
    expect(colliderPrim.getIndices()!.getCount()).toBe(36);
    expect(colliderPrim.getAttribute("POSITION")!.getMin([0, 0, 0])).toEqual([-0.6, 0.7, -0.4].map(Math.fround));
    expect(
      scenes[0]!
        .listChildren()[1]!
        .listChildren()
        .map((n) => n.getName()),
    ).toEqual(["lamp-colonly"]);
    const summary = await khronosValidate(glb);
    expect(summary.errors).toBe(0);
  });
});

describe("Khronos validator", () => {
  it("passes the writer's output with no errors and no warnings", async () => {
    const summary = await khronosValidate(await writeGlb(tableScene()));
    expect(summary).toMatchObject({ errors: 0, warnings: 0, messages: [] });
    expect(summary.version).toBe("2.0.0-dev.3.10");
  });

  it("finds errors in a broken GLB, and such a GLB is refused", async () => {
    const glb = await writeGlb(tableScene());
    const broken = glb.slice();
    // Corrupt the JSON chunk's declared length: the container no longer parses.
    new DataView(broken.buffer).setUint32(12, 3, true);
    const summary = await khronosValidate(broken);
    expect(summary.errors).toBeGreaterThan(0);
    expect(() => requireValidatorClean(summary)).toThrowError(
      `The compiled GLB failed the Khronos glTF validator with ${summary.errors} error(s) (`,
    );
  });
});

describe("model checks", () => {
  it("counts triangles with and without LODs and enforces the budget", () => {
    const scene = tableScene();
    expect(triangleCounts(scene)).toEqual({ model: 72, withLods: 72 });
    const withLod: Scene = { ...scene, lods: [{ ratio: 0.5, parts: scene.parts }] };
    expect(triangleCounts(withLod)).toEqual({ model: 72, withLods: 144 });
    requireWithinTriangleBudget(withLod, 144);
    expectToolError(
      () => requireWithinTriangleBudget(withLod, 100),
      "The model has 144 triangles (72 in the model, 72 in its LODs), over its triangle budget of 100. Lower `segments` on round parts, use fewer array copies or LODs, or raise the budget (at most 200000).",
    );
  });

  it("refuses NaN coordinates naming the part path", () => {
    const scene = tableScene();
    scene.parts[2]!.chunks[0]!.positions[4] = Number.NaN;
    expectToolError(
      () => requireSaneGeometry(scene),
      "part table/leg_2: its positions came out as NaN or infinity; check the part's size, scale and rotation values (zero scale or a degenerate profile).",
    );
  });

  it("refuses a model kilometres across, and one with no extent", () => {
    const huge = tableScene();
    huge.bounds = { min: [0, 0, 0], max: [1200, 1, 1] };
    expectToolError(
      () => requireSaneGeometry(huge),
      "The model is 1200.0 m across, over the 1000 m limit. Sizes are in metres: a 40 cm chair is 0.4, not 40.",
    );
    const flat = tableScene();
    flat.bounds = { min: [0, 0, 0], max: [0, 0, 0] };
    expectToolError(
      () => requireSaneGeometry(flat),
      "The model has no extent: every part is empty or of zero size. Give parts positive sizes in metres.",
    );
  });

  it("refuses a GLB over the size limit", () => {
    requireSizeWithin(new Uint8Array(100), 100);
    expectToolError(
      () => requireSizeWithin(new Uint8Array(3 * 1024 * 1024), 2 * 1024 * 1024),
      "The GLB is 3.00 MB, over the 2.00 MB limit; nothing was stored. Lower segment counts, drop LODs, or merge small parts.",
    );
  });

  it("reports parts outside the largest touching group as floating", () => {
    expect(floatingParts(tableScene())).toEqual(["lamp"]);
    const single = tableScene();
    single.parts = single.parts.slice(0, 1);
    expect(floatingParts(single)).toEqual([]);
    // Two separate legs with no top: each group has one part, so the first part's group is the model.
    const parts = [
      part("a", null, [boxChunk("wood", [0, 0, 0], [1, 1, 1])]),
      part("b", null, [boxChunk("wood", [0.5005, 0, 0], [0.001, 1, 1])]),
      part("c", null, [boxChunk("wood", [3, 0, 0], [1, 1, 1])]),
    ];
    expect(floatingParts({ parts, materials: new Map(), lods: [], bounds: boundsOf(parts) })).toEqual(["c"]);
  });
});

describe("report", () => {
  it("counts, bounds in metres, materials used, floating parts, LODs, colliders and validator verdict", async () => {
    const scene = tableScene();
    scene.parts[0]!.collider = { shape: "box", center: [0, 0.72, 0], size: [1.2, 0.04, 0.8] };
    scene.lods = [{ ratio: 0.5, parts: scene.parts.slice(0, 1) }];
    const glb = await writeGlb(scene);
    const validator = await khronosValidate(glb);
    const report = modelReport({
      scene,
      glbBytes: glb.byteLength,
      validator,
      timings: { compileMs: 1.234, validateMs: 20.06, renderMs: 300, previewMs: 45.55 },
      warnings: ["part lamp: material 'gold' is not defined; using the default grey"],
    });
    expect(report).toEqual({
      triangles: 72,
      vertices: 144,
      parts: 6,
      materials: ["wood", "brass"],
      bounds: { min: [-0.6, 0, -0.4], max: [0.6, 1.55, 0.4], size: [1.2, 1.55, 0.8] },
      floatingParts: ["lamp"],
      lods: [{ ratio: 0.5, triangles: 12 }],
      colliders: 1,
      validator: { version: "2.0.0-dev.3.10", errors: 0, warnings: 0, infos: validator.infos, hints: validator.hints, messages: [] },
      bytes: glb.byteLength,
      timings: { compileMs: 1.2, validateMs: 20.1, renderMs: 300, previewMs: 45.6 },
      warnings: ["part lamp: material 'gold' is not defined; using the default grey"],
    });
  });
});

describe("the whole pipeline on seeded random specs (fuzz)", () => {
  const SPECS = 500;
  /** Refusals that say what to fix: a part path, or the limit that was hit. Validator failures ("integrity") never count. */
  const CLEAR_REFUSAL_CODES = new Set(["invalid_input", "over_budget"]);

  it(`compiles ≥ 95 % of ${SPECS} specs, every GLB validator-clean, and refuses the rest with clear ToolErrors`, async () => {
    const deps = { images: testServices().images, signal: new AbortController().signal };
    let compiled = 0;
    const refusals: string[] = [];
    const failures: string[] = [];
    const run = async (seed: number) => {
      const spec = ModelSpec.parse(randomSpec(seed)); // schema-valid by construction; parse proves it
      try {
        const model = await compileModel(spec, deps, { views: false, montageTile: 48 });
        const verdict = await khronosValidate(model.glb);
        if (verdict.errors > 0 || model.report.validator.errors > 0) failures.push(`seed ${seed}: validator errors ${verdict.errors}`);
        if (model.montage.bytes.byteLength === 0) failures.push(`seed ${seed}: empty montage`);
        compiled++;
      } catch (error) {
        if (error instanceof ToolError && CLEAR_REFUSAL_CODES.has(error.code) && error.message.length > 20) refusals.push(error.message);
        else failures.push(`seed ${seed}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
      }
    };
    // Four at a time: the Images binding's WebP encoding is I/O and overlaps with the next spec's CPU work.
    for (let seed = 1; seed <= SPECS; seed += 4) await Promise.all([0, 1, 2, 3].map((k) => run(seed + k)));
    expect(failures).toEqual([]);
    expect(compiled + refusals.length).toBe(SPECS);
    expect(compiled / SPECS).toBeGreaterThanOrEqual(0.95);
    // Every refusal names the part path at fault, or the budget with the counts that broke it.
    const openings = ['part "', "triangle budget exceeded: the model ", "The model has "];
    expect(refusals.filter((message) => !openings.some((opening) => message.startsWith(opening)))).toEqual([]);
  }, 600_000);
});

describe("the corpus of everyday objects through the whole pipeline", () => {
  const corpus = import.meta.glob<{ default: unknown }>("../fixtures/models/*.json", { eager: true });

  it("compiles every spec to a validator-clean GLB (no errors, no warnings) that opens back with a node per part", async () => {
    expect(Object.keys(corpus).length).toBeGreaterThanOrEqual(30);
    const deps = { images: testServices().images, signal: new AbortController().signal };
    const problems: string[] = [];
    for (const [path, module] of Object.entries(corpus)) {
      const spec = ModelSpec.parse(module.default);
      const model = await compileModel(spec, deps, { views: false, montageTile: 96 });
      const verdict = await khronosValidate(model.glb);
      if (verdict.errors + verdict.warnings > 0) problems.push(`${path}: ${JSON.stringify(verdict.messages)}`);
      const doc = await readGlb(model.glb);
      const names = new Set<string>();
      doc
        .getRoot()
        .getDefaultScene()!
        .traverse((node) => void names.add(node.getName()));
      const missing = spec.parts.filter((part) => !names.has(part.id)).map((part) => part.id);
      if (missing.length > 0) problems.push(`${path}: no node for ${missing.join(", ")}`);
    }
    expect(problems).toEqual([]);
  }, 300_000);
});
