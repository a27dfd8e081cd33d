/**
 * The quality report of a compiled model: what a model writer needs to judge the result
 * without opening the file (sizes in metres, counts, floating parts, validator verdict).
 * Its zod schema is the tool's structured output, so it avoids `type` arrays and tuples.
 */
import { z } from "zod";
import { floatingParts } from "./connectivity";
import type { Scene, ScenePart } from "./scene";
import { triangleCounts, type ValidatorSummary } from "./validate";

const Vec3 = z.array(z.number()).length(3);

export const ModelReportOut = z.object({
  triangles: z.number().int().describe("Triangles of the full-detail model (LODs and colliders not counted)."),
  vertices: z.number().int(),
  parts: z.number().int(),
  materials: z.array(z.string()).describe("Names of the materials the model uses."),
  bounds: z
    .object({ min: Vec3, max: Vec3, size: Vec3 })
    .describe("Axis-aligned bounds in metres, [x, y, z]: +Y up, +Z front; size is max − min."),
  floatingParts: z
    .array(z.string())
    .describe("Paths of parts that touch nothing joined to the main body (by bounding boxes): usually a placement mistake."),
  lods: z.array(z.object({ ratio: z.number(), triangles: z.number().int() })).describe("Levels of detail written (extra glTF scenes)."),
  colliders: z.number().int().describe("Collider nodes written (`<id>-colonly`)."),
  validator: z
    .object({
      version: z.string(),
      errors: z.number().int(),
      warnings: z.number().int(),
      infos: z.number().int(),
      hints: z.number().int(),
      messages: z.array(
        z.object({
          code: z.string(),
          severity: z.enum(["error", "warning", "info", "hint"]),
          message: z.string(),
          // Optional, not nullable: the SDK writes a nullable string as a `type` array, which some clients refuse.
          pointer: z.string().optional().describe("JSON pointer into the glTF, when the issue has one."),
        }),
      ),
    })
    .describe("The Khronos glTF validator's verdict on the stored bytes (a model with errors is never stored)."),
  bytes: z.number().int().describe("Size of the GLB file."),
  timings: z
    .object({
      compileMs: z.number().describe("Spec to scene to GLB, with the checks."),
      validateMs: z.number().describe("The Khronos validator (its first run in an isolate includes loading it)."),
      renderMs: z.number().describe("Rasterizing the montage (and views) and encoding PNG."),
      previewMs: z.number().describe("WebP encoding by the Images binding, outside the Worker's CPU."),
    })
    .describe("Server time per stage (Workers clocks advance only on I/O in production, so there these can read low)."),
  warnings: z.array(z.string()).describe("What the compiler forgave (unknown material or attachment target…), naming the part path."),
});
export type ModelReport = z.infer<typeof ModelReportOut>;

const trianglesOf = (parts: ScenePart[]) => parts.reduce((sum, p) => sum + p.chunks.reduce((s, c) => s + c.indices.length / 3, 0), 0);

/** Rounded to 0.1 mm: more digits are float noise, and the report stays short. */
const metres = (v: number) => Math.round(v * 10_000) / 10_000;
const millis = (v: number) => Math.round(v * 10) / 10;

export interface ReportInputs {
  scene: Scene;
  glbBytes: number;
  validator: ValidatorSummary;
  timings: ModelReport["timings"];
  warnings: string[];
}

export function modelReport({ scene, glbBytes, validator, timings, warnings }: ReportInputs): ModelReport {
  const materials = new Set<string>();
  let vertices = 0;
  for (const part of scene.parts) {
    for (const chunk of part.chunks) {
      if (chunk.indices.length === 0) continue;
      materials.add(chunk.material);
      vertices += chunk.positions.length / 3;
    }
  }
  const { min, max } = scene.bounds;
  return {
    triangles: triangleCounts(scene).model,
    vertices,
    parts: scene.parts.length,
    materials: [...materials],
    bounds: { min: min.map(metres), max: max.map(metres), size: max.map((v, i) => metres(v - min[i]!)) },
    floatingParts: floatingParts(scene),
    lods: scene.lods.map((lod) => ({ ratio: lod.ratio, triangles: trianglesOf(lod.parts) })),
    colliders: scene.parts.filter((p) => p.collider).length,
    validator,
    bytes: glbBytes,
    timings: {
      compileMs: millis(timings.compileMs),
      validateMs: millis(timings.validateMs),
      renderMs: millis(timings.renderMs),
      previewMs: millis(timings.previewMs),
    },
    warnings,
  };
}
