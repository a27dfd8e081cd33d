import { env } from "cloudflare:workers";
import { WebIO } from "@gltf-transform/core";
import { KHRMaterialsEmissiveStrength } from "@gltf-transform/extensions";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { khronosValidate } from "../../src/mesh/validate";
import { sha256Hex } from "../../src/store/hash";
import { runTool } from "../../src/mcp/run-tool";
import { build3dModel, BUILD_3D_EXAMPLE } from "../../src/tools/models.tools";
import { testServices } from "../support/assets";
import { call, connect, connectModern, structured, textOf, worker } from "../support/mcp";

type Asset = {
  id: string;
  kind: string;
  mimeType: string;
  bytes: number;
  width?: number;
  height?: number;
  uri: string;
  downloadUrl: string;
};
type ModelOut = {
  model: Asset;
  spec: Asset;
  preview: Asset;
  views: Array<Asset & { view: string }>;
  report: {
    triangles: number;
    vertices: number;
    parts: number;
    materials: string[];
    bounds: { min: number[]; max: number[]; size: number[] };
    floatingParts: string[];
    lods: Array<{ ratio: number; triangles: number }>;
    colliders: number;
    validator: { errors: number; warnings: number };
    bytes: number;
    timings: { compileMs: number; validateMs: number; renderMs: number; previewMs: number };
    warnings: string[];
  };
  cached: boolean;
};

const readGlb = (bytes: Uint8Array) => new WebIO().registerExtensions([KHRMaterialsEmissiveStrength]).readBinary(bytes);

async function assetCount(): Promise<number> {
  let n = 0;
  for await (const _ of testServices().index.all()) n++;
  return n;
}

async function storedBytes(id: string): Promise<Uint8Array> {
  const services = testServices();
  const record = await services.library.get(id);
  expect(record, `record ${id}`).toBeDefined();
  const bytes = await services.library.readBytes(record!);
  expect(bytes, `blob ${id}`).toBeDefined();
  return bytes!;
}

/** A chest with a lid, a lock that glows, a handle named with a material nobody defined. */
const CHEST = {
  name: "treasure chest",
  materials: [
    { name: "wood", color: "#8b5a2b", roughness: 0.8 },
    { name: "iron", color: "#555a60", metallic: 1, roughness: 0.4 },
    { name: "gem", color: "#30c0ff", emissive: "#30c0ff", emissive_strength: 3 },
  ],
  parts: [
    { id: "body", parent: null, shape: { type: "box", size: [0.8, 0.45, 0.5] }, material: "wood" },
    { id: "lid", parent: "body", shape: { type: "box", size: [0.8, 0.12, 0.5] }, material: "wood", attach: { to: "body", side: "top" } },
    { id: "lock", parent: "body", shape: { type: "box", size: [0.1, 0.12, 0.03] }, material: "gem", attach: { to: "body", side: "front" } },
    {
      id: "handle",
      parent: "lid",
      shape: { type: "torus", radius: 0.06, tube: 0.012, segments: 12 },
      material: "bronze",
      attach: { to: "lid", side: "top" },
    },
  ],
  options: { lods: [0.5], colliders: "box" },
};

describe("build_3d_model", () => {
  it("stores a validator-clean GLB with its spec and montage, and returns preview, links, URL and report", async () => {
    const client = await connect();
    const result = await call(client, "build_3d_model", { spec: CHEST });
    const out = structured<ModelOut>(result);
    expect(out.cached).toBe(false);
    expect(out.model).toMatchObject({ kind: "model", mimeType: "model/gltf-binary" });
    expect(out.model.uri).toBe(`asset://models/${out.model.id}`);
    expect(out.model.downloadUrl).toContain(`/assets/${out.model.id}.glb?exp=`);
    expect(out.spec).toMatchObject({ kind: "model", mimeType: "application/json" });
    expect(out.preview).toMatchObject({ kind: "image", mimeType: "image/webp" });
    expect(Math.max(out.preview.width!, out.preview.height!)).toBeLessThanOrEqual(1024);
    expect(out.views).toEqual([]);

    // The GLB in R2 is what the report describes, opens back, and passes the validator.
    const glb = await storedBytes(out.model.id);
    expect(await sha256Hex(glb)).toBe(out.model.id);
    expect(glb.byteLength).toBe(out.report.bytes);
    expect(await khronosValidate(glb)).toMatchObject({ errors: 0 });
    const doc = await readGlb(glb);
    const main = doc.getRoot().getDefaultScene()!;
    const names: string[] = [];
    main.traverse((node) => void names.push(node.getName()));
    expect(names).toEqual(["body", "body-colonly", "lid", "lid-colonly", "handle", "handle-colonly", "lock", "lock-colonly"]);
    expect(
      doc
        .getRoot()
        .listScenes()
        .map((s) => s.getName()),
    ).toEqual(["model", "LOD1 50%"]);
    expect(
      doc
        .getRoot()
        .listMaterials()
        .map((m) => m.getName())
        .sort(),
    ).toEqual(["default", "gem", "wood"]);

    // The report: counts, bounds in metres (origin at the bottom centre), LODs, colliders, the forgiven material.
    expect(out.report).toMatchObject({ parts: 4, colliders: 4, floatingParts: [], validator: { errors: 0, warnings: 0 } });
    expect(out.report.bounds.min[1]).toBe(0);
    expect(out.report.bounds.size[0]).toBe(0.8);
    expect(out.report.lods).toHaveLength(1);
    expect(out.report.lods[0]!.triangles).toBeLessThan(out.report.triangles);
    expect(out.report.warnings).toEqual([expect.stringContaining("body/lid/handle")]);

    // Lineage: spec → GLB → montage.
    const services = testServices();
    expect((await services.library.get(out.model.id))!.origin).toMatchObject({ tool: "build_3d_model", parents: [out.spec.id] });
    expect((await services.library.get(out.preview.id))!.origin).toMatchObject({
      parents: [out.model.id],
      parameters: { view: "montage" },
    });
    const spec = JSON.parse(new TextDecoder().decode(await storedBytes(out.spec.id))) as { name: string; parts: unknown[] };
    expect(spec.name).toBe("treasure chest");
    expect(spec.parts).toHaveLength(4);

    // Content: summary, JSON, the montage, then links to GLB, spec and montage.
    const image = result.content.find((b) => b.type === "image") as { data: string; mimeType: string };
    expect(image.mimeType).toBe("image/webp");
    const info = await env.IMAGES.info(new Blob([Uint8Array.from(atob(image.data), (c) => c.charCodeAt(0))]).stream());
    expect("width" in info && [info.width, info.height]).toEqual([out.preview.width, out.preview.height]);
    expect(result.content.filter((b) => b.type === "resource_link").map((b) => (b as { uri: string }).uri)).toEqual([
      out.model.uri,
      out.spec.uri,
      out.preview.uri,
    ]);
    expect(textOf(result)).toContain(`Model asset ${out.model.id}, download: ${out.model.downloadUrl}`);
    await client.close();
  });

  it("serves the GLB through the signed download route as model/gltf-binary", async () => {
    const client = await connect();
    const out = structured<ModelOut>(await call(client, "build_3d_model", { spec: BUILD_3D_EXAMPLE }));
    const response = await worker(out.model.downloadUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("model/gltf-binary");
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(await sha256Hex(bytes)).toBe(out.model.id);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe("glTF");
    await client.close();
  });

  it("answers an identical spec from the cache, whatever its key order; fresh compiles the same bytes again", async () => {
    const client = await connect();
    const spec = { ...BUILD_3D_EXAMPLE, name: "cache probe table" };
    const first = structured<ModelOut>(await call(client, "build_3d_model", { spec }));
    const before = await assetCount();
    const reordered = { parts: spec.parts, materials: spec.materials, name: spec.name };
    const hit = structured<ModelOut>(await call(client, "build_3d_model", { spec: reordered }));
    expect(hit.cached).toBe(true);
    expect([hit.model.id, hit.spec.id, hit.preview.id]).toEqual([first.model.id, first.spec.id, first.preview.id]);
    expect(hit.report).toEqual(first.report);
    expect(await assetCount()).toBe(before);
    const fresh = structured<ModelOut>(await call(client, "build_3d_model", { spec, fresh: true }));
    expect(fresh.cached).toBe(false);
    expect(fresh.model.id).toBe(first.model.id);
    expect(await assetCount()).toBe(before);
    await client.close();
  });

  it("says the montage's blob is missing when the cache answers with a record whose blob is gone", async () => {
    const client = await connect();
    // A colour of its own, so no other test's montage shares these bytes and their blob.
    const spec = { ...BUILD_3D_EXAMPLE, name: "montage about to vanish", materials: [{ name: "oak", color: "#20a0c0" }] };
    const first = structured<ModelOut>(await call(client, "build_3d_model", { spec }));
    await env.ASSETS.delete(`images/${first.preview.id}.webp`);
    const hit = await call(client, "build_3d_model", { spec });
    expect(hit.isError).toBe(true);
    expect(textOf(hit)).toBe(`Asset ${first.preview.id} has a record but its blob is missing; run verify_asset on it.`);
    // Links only: nothing to read, so the cache still answers.
    expect(structured<ModelOut>(await call(client, "build_3d_model", { spec, return: "none" })).cached).toBe(true);
    await client.close();
  });

  it("stores each view as its own PNG on request, children of the GLB", async () => {
    const client = await connect();
    // The chest is asymmetric (lock in front, handle on top), so no two views share their pixels and their asset.
    const out = structured<ModelOut>(await call(client, "build_3d_model", { spec: CHEST, views: true }));
    expect(out.views.map((v) => v.view)).toEqual(["front", "back", "left", "right", "top", "three_quarter"]);
    const services = testServices();
    for (const view of out.views) {
      expect(view).toMatchObject({ kind: "image", mimeType: "image/png", width: 512, height: 512 });
      expect((await services.library.get(view.id))!.origin).toMatchObject({ parents: [out.model.id], parameters: { view: view.view } });
    }
    expect(new Set(out.views.map((v) => v.id)).size).toBe(6);
    await client.close();
  });

  it("returns only links with return: none, and the GLB itself with return: full", async () => {
    const client = await connect();
    const none = await call(client, "build_3d_model", { spec: BUILD_3D_EXAMPLE, return: "none" });
    expect(none.content.map((b) => b.type)).toEqual(["text", "text", "resource_link", "resource_link", "resource_link"]);
    const full = await call(client, "build_3d_model", { spec: BUILD_3D_EXAMPLE, return: "full" });
    const out = structured<ModelOut>(full);
    const embedded = full.content.find((b) => b.type === "resource") as { resource: { uri: string; mimeType: string; blob: string } };
    expect(embedded.resource).toMatchObject({ uri: out.model.uri, mimeType: "model/gltf-binary" });
    expect(await sha256Hex(Uint8Array.from(atob(embedded.resource.blob), (c) => c.charCodeAt(0)))).toBe(out.model.id);
    await client.close();
  });

  it("works the same in the 2026 stateless era", async () => {
    const client = await connectModern();
    const result = (await client.callTool({ name: "build_3d_model", arguments: { spec: BUILD_3D_EXAMPLE } })) as CallToolResult;
    const out = structured<ModelOut>(result);
    expect(out.report.validator.errors).toBe(0);
    expect(out.model.mimeType).toBe("model/gltf-binary");
    await client.close();
  });
});

const BOX = { type: "box", size: [0.1, 0.1, 0.1] };

describe("build_3d_model refuses bad specs clearly and stores nothing", () => {
  const cases: Array<[string, unknown, string]> = [
    [
      "a zero-size box",
      { parts: [{ id: "slab", parent: null, shape: { type: "box", size: [0, 0, 0] } }] },
      'part "slab": box size [0, 0, 0] has a side ≤ 0; give every side > 0 (e.g. 0.01 for a thin panel).',
    ],
    [
      "a self-crossing extrude outline",
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
      "a flat lathe profile",
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
      "duplicate ids",
      {
        parts: [
          { id: "a", parent: null, shape: BOX },
          { id: "a", parent: null, shape: BOX },
        ],
      },
      'part "a": the id is used by more than one part; give every part a unique id.',
    ],
    [
      "a parent cycle",
      {
        parts: [
          { id: "a", parent: "b", shape: BOX },
          { id: "b", parent: "a", shape: BOX },
        ],
      },
      'part "a": parents form a cycle (a → b → a); make one of them a root with parent null.',
    ],
    [
      "a model kilometres across (centimetres written as metres)",
      { parts: [{ id: "tower", parent: null, shape: { type: "box", size: [1, 5000, 1] } }] },
      "The model is 5000.0 m across, over the 1000 m limit. Sizes are in metres: a 40 cm chair is 0.4, not 40.",
    ],
    [
      "more triangles than the budget allows",
      {
        parts: [
          { id: "crate", parent: null, shape: BOX, array: { kind: "linear", count: 64, offset: [0.1, 0, 0] } },
          { id: "slat", parent: null, shape: BOX, position: [0, 0.1, 0], array: { kind: "linear", count: 64, offset: [0.1, 0, 0] } },
        ],
        options: { triangle_budget: 1000 },
      },
      'triangle budget exceeded: the model needs at least 1536 triangles even with the fewest segments, over the triangle_budget of 1000 (largest parts: "crate" 768, "slat" 768); raise options.triangle_budget (max 200000) or use fewer array copies and parts.',
    ],
  ];
  for (const [name, spec, message] of cases) {
    it(`refuses ${name}`, async () => {
      const client = await connect();
      const before = await assetCount();
      const result = await call(client, "build_3d_model", { spec });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toBe(message);
      expect(await assetCount()).toBe(before);
      await client.close();
    });
  }

  it("refuses a malformed colour at the schema, naming the field and the format", async () => {
    const client = await connect();
    const before = await assetCount();
    const result = await call(client, "build_3d_model", {
      spec: { materials: [{ name: "m", color: "red" }], parts: [{ id: "a", parent: null, shape: BOX }] },
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(
      'Invalid arguments for build_3d_model: spec.materials[0].color: a colour is "#rrggbb", e.g. "#8b5a2b". Fix it and call again.',
    );
    expect(await assetCount()).toBe(before);
    await client.close();
  });

  it("stores nothing when the client cancels", async () => {
    const before = await assetCount();
    const controller = new AbortController();
    controller.abort();
    const result = await runTool(
      build3dModel,
      build3dModel.input.parse({ spec: { ...BUILD_3D_EXAMPLE, name: "cancelled table" } }),
      {
        services: testServices(),
        era: "2025-session",
        wantsProgress: false,
        reportProgress: async () => undefined,
        confirm: async () => "unavailable",
      },
      controller.signal,
    );
    expect(result).toEqual({
      content: [{ type: "text", text: "build_3d_model was cancelled by the client; nothing was stored." }],
      isError: true,
    });
    expect(await assetCount()).toBe(before);
  });

  it("forgives unknown materials and attachment targets with warnings naming the part", async () => {
    const client = await connect();
    const out = structured<ModelOut>(
      await call(client, "build_3d_model", {
        spec: { parts: [{ id: "a", parent: null, shape: BOX, material: "unobtainium", attach: { to: "ghost", side: "top" } }] },
      }),
    );
    expect(out.report.warnings).toEqual([
      'part "a": material "unobtainium" is not defined in materials; used the default grey.',
      'part "a": attach target "ghost" does not exist; kept the part at its position (0, 0, 0 in its parent).',
    ]);
    expect(out.report.validator.errors).toBe(0);
    await client.close();
  });

  it("refuses a spec without parts at the schema, naming the field", async () => {
    const client = await connect();
    const before = await assetCount();
    const result = await call(client, "build_3d_model", { spec: { name: "nothing" } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe("Invalid arguments for build_3d_model: spec.parts: required: give an array. Fix it and call again.");
    expect(await assetCount()).toBe(before);
    await client.close();
  });
});

describe("build_3d_model's schemas", () => {
  /** JSON Schema nodes some clients refuse: a `type` array instead of anyOf, or a node with no type or keyword at all. */
  function unportable(node: unknown, path: string, found: string[]): string[] {
    if (Array.isArray(node)) node.forEach((n, i) => unportable(n, `${path}/${i}`, found));
    else if (node && typeof node === "object") {
      const record = node as Record<string, unknown>;
      if (Array.isArray(record["type"])) found.push(`${path}: type array`);
      for (const [key, value] of Object.entries(record)) {
        if (key === "properties" || key === "$defs") {
          for (const [name, child] of Object.entries(value as Record<string, unknown>)) {
            if (child && typeof child === "object" && Object.keys(child).length === 0) found.push(`${path}/${key}/${name}: empty schema`);
            unportable(child, `${path}/${key}/${name}`, found);
          }
        } else unportable(value, `${path}/${key}`, found);
      }
    }
    return found;
  }

  it("has an Inspector-portable output schema: no type arrays, no empty schemas", async () => {
    const client = await connect();
    const { tools } = await client.listTools();
    const tool = tools.find((t) => t.name === "build_3d_model")!;
    expect(tool.title).toBe("Build a 3D model");
    expect(tool.annotations).toMatchObject({ readOnlyHint: false, openWorldHint: false, idempotentHint: true });
    expect(unportable(tool.outputSchema, "output", [])).toEqual([]);
    await client.close();
  });
});
