// End to end for the 3D compiler: the real bundle under `wrangler dev` compiles a spec,
// validates the GLB with the Khronos validator (which needs the require shim there, unlike in
// the vitest pool), renders the montage, and serves the GLB as model/gltf-binary.
import { WebIO } from "@gltf-transform/core";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { BUILD_3D_EXAMPLE } from "../../src/tools/models.tools";
import { useStackClient } from "../support/stack-client";
import { callOk, fromBase64, sha256Hex, textOf } from "./clients";

const TOKEN = "e2e-model-token-0123456789abcdef";
const SIGNING_KEY = "e2e-model-signing-key-0123456789abcdefghijkl";

const e2e = useStackClient({ token: TOKEN, signingKey: SIGNING_KEY });

type Asset = { id: string; mimeType: string; bytes: number; uri: string; downloadUrl: string; width?: number; height?: number };
type ModelOut = {
  model: Asset;
  spec: Asset;
  preview: Asset;
  views: Array<Asset & { view: string }>;
  report: { triangles: number; parts: number; validator: { errors: number; warnings: number; version: string }; bytes: number };
  cached: boolean;
};

describe("build_3d_model under wrangler dev", () => {
  let first: ModelOut;

  it("compiles, validates and renders the description's example in the real bundle", async () => {
    const result = await callOk(e2e.client, "build_3d_model", { spec: BUILD_3D_EXAMPLE, views: true });
    first = result.structuredContent as ModelOut;
    expect(first.report.validator).toMatchObject({ errors: 0, version: "2.0.0-dev.3.10" });
    expect(first.report.triangles).toBeGreaterThan(12);
    expect(first.cached).toBe(false);
    const preview = result.content.find((b) => b.type === "image") as { data: string; mimeType: string };
    expect(preview.mimeType).toBe("image/webp");
    const meta = await sharp(Buffer.from(preview.data, "base64")).metadata();
    expect(meta.format).toBe("webp");
    expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBeLessThanOrEqual(1024);
    expect(first.views.map((v) => v.view)).toEqual(["front", "back", "left", "right", "top", "three_quarter"]);
    expect(textOf(result)).toContain(`Model asset ${first.model.id}, download: ${first.model.downloadUrl}`);
  });

  it("serves the GLB through the signed route as model/gltf-binary, byte-exact and readable", async () => {
    const response = await fetch(first.model.downloadUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("model/gltf-binary");
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(sha256Hex(bytes)).toBe(first.model.id);
    expect(bytes.byteLength).toBe(first.report.bytes);
    const doc = await new WebIO().readBinary(bytes);
    const names = doc
      .getRoot()
      .listNodes()
      .map((n) => n.getName());
    expect(names).toContain("top");
    const spec = await fetch(first.spec.downloadUrl);
    expect(spec.headers.get("content-type")).toBe("application/json");
    expect((await spec.json()) as { name: string }).toMatchObject({ name: BUILD_3D_EXAMPLE.name });
  });

  it("answers the same spec from the cache and refuses a broken one with the part path", async () => {
    const again = (await callOk(e2e.client, "build_3d_model", { spec: BUILD_3D_EXAMPLE, views: true })).structuredContent as ModelOut;
    expect(again.cached).toBe(true);
    expect(again.model.id).toBe(first.model.id);
    const full = await callOk(e2e.client, "build_3d_model", { spec: BUILD_3D_EXAMPLE, views: true, return: "full" });
    const embedded = full.content.find((b) => b.type === "resource") as { resource: { blob: string; mimeType: string } };
    expect(embedded.resource.mimeType).toBe("model/gltf-binary");
    expect(sha256Hex(fromBase64(embedded.resource.blob))).toBe(first.model.id);
    const bad = (await e2e.client.callTool({
      name: "build_3d_model",
      arguments: { spec: { parts: [{ id: "slab", parent: null, shape: { type: "box", size: [0, 0, 0] } }] } },
    })) as CallToolResult;
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toBe('part "slab": box size [0, 0, 0] has a side ≤ 0; give every side > 0 (e.g. 0.01 for a thin panel).');
  });
});
