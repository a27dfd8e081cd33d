/**
 * build_3d_model's job: compile a spec through the request cache and store what it made —
 * the spec (JSON), the GLB (its child), the montage preview and, on request, each view (the
 * GLB's children). Nothing is stored unless the whole compile succeeded.
 */
import { z } from "zod";
import type { ToolOutput } from "../results";
import { image, type ContentBlock } from "../results";
import { ToolError } from "../errors";
import { compileModel, type RenderedPicture } from "../mesh/compile";
import { ModelReportOut, type ModelReport } from "../mesh/report";
import type { ModelSpec } from "../mesh/spec";
import { assetContent, assetLink, AssetView, viewOf } from "../schemas/asset-view";
import type { AssetRecord } from "../store/asset-record";
import { canonicalJson, requestHash } from "../store/hash";
import type { Services } from "../services";
import { cachedOutcome, type Outcome } from "./job-records";

export const TOOL = "build_3d_model";
/** Part of every request hash: a compiler change that alters output must not replay old results. */
export const MESH_COMPILER_VERSION = 1;

export const ModelReturnMode = z
  .enum(["preview", "full", "none"])
  .describe(
    "What to return besides links: `preview` (the labelled six-view montage as WebP, the default), `full` (the montage plus the GLB as base64; large), or `none`.",
  );
export type ModelReturnMode = z.infer<typeof ModelReturnMode>;

export const ModelResultOut = z.object({
  model: AssetView.describe("The GLB (model/gltf-binary)."),
  spec: AssetView.describe("The spec as compiled (defaults filled in), stored as JSON; the GLB's parent."),
  preview: AssetView.describe("The labelled montage of six views (WebP, at most 1024 px)."),
  views: z.array(AssetView.extend({ view: z.string() })).describe("Each view as its own PNG asset when `views: true`; otherwise empty."),
  report: ModelReportOut,
  cached: z.boolean().describe("True when answered from the cache: this exact spec was compiled before."),
});
export type ModelResult = z.infer<typeof ModelResultOut>;

/** What replays from the cache; the records carry the rest. */
interface ModelJobResult {
  report: ModelReport;
  views: string[];
}

export interface ModelJob {
  spec: ModelSpec;
  views: boolean;
  fresh: boolean;
  returnMode: ModelReturnMode;
}

/** The spec as stored: canonical key order, so one spec is one asset whatever order it came in. */
export function specBytes(spec: ModelSpec): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(JSON.parse(canonicalJson(spec)), null, 2)}\n`);
}

async function storePicture(
  services: Services,
  picture: RenderedPicture,
  parent: string,
  view: string,
  hash: string,
): Promise<AssetRecord> {
  const { record } = await services.library.put({
    bytes: picture.bytes,
    kind: "image",
    mime: picture.mime,
    width: picture.width,
    height: picture.height,
    origin: { tool: TOOL, parameters: { view }, parents: [parent], requestHash: hash },
  });
  return record;
}

/**
 * Compiling is free and deterministic, so it runs in the call itself (no job): the cache
 * answers an identical spec; a miss compiles, stores, then writes the cache entry. Two
 * identical compiles at once only cost CPU: content addressing stores their bytes once.
 */
export async function buildModel(services: Services, signal: AbortSignal, job: ModelJob): Promise<ToolOutput<ModelResult>> {
  const hash = await requestHash(TOOL, { spec: job.spec, views: job.views, compiler: MESH_COMPILER_VERSION });
  let montageBytes: Uint8Array | undefined;
  const compileAndStore = async (): Promise<Outcome<ModelJobResult>> => {
    const compiled = await compileModel(job.spec, { images: services.images, signal }, { views: job.views });
    if (signal.aborted) throw new ToolError("The call was cancelled; nothing was stored.", "cancelled");
    const name = job.spec.name ?? undefined;
    const spec = await services.library.put({
      bytes: specBytes(job.spec),
      kind: "model",
      mime: "application/json",
      origin: { tool: TOOL, prompt: name, parameters: { role: "spec" }, requestHash: hash },
    });
    const glb = await services.library.put({
      bytes: compiled.glb,
      kind: "model",
      mime: "model/gltf-binary",
      origin: {
        tool: TOOL,
        prompt: name,
        parameters: { triangles: compiled.report.triangles, parts: compiled.report.parts, compiler: MESH_COMPILER_VERSION },
        parents: [spec.record.sha256],
        requestHash: hash,
      },
    });
    const parent = glb.record.sha256;
    const montage = await storePicture(services, compiled.montage, parent, "montage", hash);
    const views = await Promise.all(compiled.views.map(({ view, picture }) => storePicture(services, picture, parent, view, hash)));
    montageBytes = compiled.montage.bytes;
    const records = [glb.record, spec.record, montage, ...views];
    const result: ModelJobResult = { report: compiled.report, views: compiled.views.map((v) => v.view) };
    await services.cache.put<ModelJobResult>(hash, {
      assetIds: records.map((r) => r.sha256),
      result,
      createdAt: services.config.clock().toISOString(),
    });
    return { records, result, cached: false, shared: false };
  };
  const outcome = (job.fresh ? undefined : await cachedOutcome<ModelJobResult>(services, hash)) ?? (await compileAndStore());

  const [glb, spec, montage, ...viewRecords] = outcome.records;
  if (!glb || !spec || !montage) throw new ToolError("The cached model is incomplete; call again with fresh: true.", "integrity");
  const { report } = outcome.result;
  const [model, specView, preview, ...views] = await Promise.all(outcome.records.map((r) => viewOf(r, services)));
  const structured: ModelResult = {
    model: model!,
    spec: specView!,
    preview: preview!,
    views: views.map((v, i) => ({ ...v, view: outcome.result.views[i] ?? "view" })),
    report,
    cached: outcome.cached,
  };

  const content: ContentBlock[] = [];
  if (job.returnMode !== "none") {
    content.push(image(montageBytes ?? (await services.library.requireBytes(montage)), montage.mime));
  }
  content.push(...(await assetContent(glb, services, job.returnMode === "full" ? "full" : "none")));
  for (const record of [spec, montage, ...viewRecords]) content.push(assetLink(record));
  return { structured, summary: summaryOf(structured), content };
}

function summaryOf(result: ModelResult): string {
  const { report } = result;
  const [x, y, z] = report.bounds.size.map((v) => v.toFixed(2));
  const parts = [
    `Built a GLB of ${report.triangles} triangles, ${report.parts} parts, ${x} × ${y} × ${z} m (${(report.bytes / 1024).toFixed(1)} KiB, validator: ${report.validator.errors} errors, ${report.validator.warnings} warnings)${result.cached ? " from the cache" : ""}.`,
    `Model asset ${result.model.id}, download: ${result.model.downloadUrl}`,
  ];
  if (report.floatingParts.length > 0) parts.push(`Floating parts (touch nothing): ${report.floatingParts.join(", ")}.`);
  if (report.warnings.length > 0) parts.push(`Warnings: ${report.warnings.join("; ")}`);
  return parts.join(" ");
}
