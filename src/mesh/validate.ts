/**
 * Checks a compiled model before anything is stored: the Khronos glTF validator on the final
 * GLB bytes (any error refuses the model), and our own limits on the scene (finite numbers,
 * sane bounds, the triangle budget, the file size).
 */
import * as nodeUrl from "node:url";
import type { ValidationReport } from "gltf-validator";
import { ToolError } from "../errors";
import type { Scene } from "./scene";

export const DEFAULT_MAX_GLB_BYTES = 5 * 1024 * 1024;
/** No everyday object is larger than a kilometre; a spec that is almost always means centimetres or millimetres. */
export const MAX_EXTENT_METRES = 1000;
const REPORTED_MESSAGES = 10;
const SEVERITY = ["error", "warning", "info", "hint"] as const;

export interface ValidatorSummary {
  version: string;
  errors: number;
  warnings: number;
  infos: number;
  hints: number;
  /** The first errors and warnings, as the validator words them. */
  messages: Array<{ code: string; severity: (typeof SEVERITY)[number]; message: string; pointer?: string }>;
}

type ValidatorModule = typeof import("gltf-validator");
let validatorModule: Promise<ValidatorModule> | undefined;

/**
 * The validator is dart2js code. Under `nodejs_compat` it sees `process.versions.node`, thinks
 * it runs in Node and calls `require("url")` while loading; in the bundle that `require` is
 * esbuild's stub, which throws "Dynamic require of url" unless a global `require` exists. So
 * a global one that answers exactly "url" is installed for the load, then removed again so no
 * other library sees it. Loaded lazily: it costs nothing until the first model.
 */
function loadValidator(): Promise<ValidatorModule> {
  validatorModule ??= (async () => {
    const scope = globalThis as { require?: (id: string) => unknown };
    const installed = typeof scope.require !== "function";
    if (installed) {
      scope.require = (id: string) => {
        if (id === "url" || id === "node:url") return nodeUrl;
        throw new Error(`require("${id}") is not available in this Worker`);
      };
    }
    try {
      return await import("gltf-validator");
    } finally {
      if (installed) delete scope.require;
    }
  })();
  validatorModule.catch(() => (validatorModule = undefined));
  return validatorModule;
}

/** Runs the Khronos validator on GLB bytes and summarises its report. */
export async function khronosValidate(glb: Uint8Array): Promise<ValidatorSummary> {
  const validator = await loadValidator();
  const report: ValidationReport = await validator.validateBytes(glb, { format: "glb", writeTimestamp: false, maxIssues: 100 });
  const { issues } = report;
  return {
    version: report.validatorVersion,
    errors: issues.numErrors,
    warnings: issues.numWarnings,
    infos: issues.numInfos,
    hints: issues.numHints,
    messages: issues.messages
      .filter((m) => m.severity <= 1)
      .slice(0, REPORTED_MESSAGES)
      .map((m) => ({ code: m.code, severity: SEVERITY[m.severity], message: m.message, pointer: m.pointer })),
  };
}

/** Refuses a GLB the validator finds any error in, naming the first ones. */
export function requireValidatorClean(summary: ValidatorSummary): void {
  if (summary.errors === 0) return;
  const first = summary.messages
    .filter((m) => m.severity === "error")
    .slice(0, 3)
    .map((m) => `${m.code} at ${m.pointer ?? "?"}: ${m.message}`)
    .join("; ");
  throw new ToolError(
    `The compiled GLB failed the Khronos glTF validator with ${summary.errors} error(s) (${first}); nothing was stored. ` +
      "This is a compiler fault, not a spec mistake: simplify the part named in the pointer and report the spec.",
    "integrity",
  );
}

export function requireSizeWithin(glb: Uint8Array, maxBytes: number): void {
  if (glb.byteLength <= maxBytes) return;
  const mb = (n: number) => (n / 1024 / 1024).toFixed(2);
  throw new ToolError(
    `The GLB is ${mb(glb.byteLength)} MB, over the ${mb(maxBytes)} MB limit; nothing was stored. ` +
      "Lower segment counts, drop LODs, or merge small parts.",
    "over_budget",
  );
}

/** Total triangles of the full model and every LOD. */
export function triangleCounts(scene: Scene): { model: number; withLods: number } {
  const count = (parts: Scene["parts"]) => parts.reduce((sum, p) => sum + p.chunks.reduce((s, c) => s + c.indices.length / 3, 0), 0);
  const model = count(scene.parts);
  return { model, withLods: model + scene.lods.reduce((sum, lod) => sum + count(lod.parts), 0) };
}

export function requireWithinTriangleBudget(scene: Scene, budget: number): void {
  const { model, withLods } = triangleCounts(scene);
  if (withLods <= budget) return;
  const lods = withLods > model ? ` (${model} in the model, ${withLods - model} in its LODs)` : "";
  throw new ToolError(
    `The model has ${withLods} triangles${lods}, over its triangle budget of ${budget}. ` +
      "Lower `segments` on round parts, use fewer array copies or LODs, or raise the budget (at most 200000).",
    "over_budget",
  );
}

/** Every coordinate finite and the model of a sane size; the message names the first part at fault. */
export function requireSaneGeometry(scene: Scene): void {
  for (const part of [...scene.parts, ...scene.lods.flatMap((lod) => lod.parts)]) {
    for (const chunk of part.chunks) {
      for (const [name, array] of [
        ["positions", chunk.positions],
        ["normals", chunk.normals],
        ["uvs", chunk.uvs],
      ] as const) {
        if (!array.every(Number.isFinite)) {
          throw new ToolError(
            `part ${part.path}: its ${name} came out as NaN or infinity; check the part's size, scale and rotation values (zero scale or a degenerate profile).`,
          );
        }
      }
    }
  }
  const { min, max } = scene.bounds;
  const size = max.map((v, i) => v - min[i]!);
  if (!size.every(Number.isFinite) || size.every((s) => s <= 0)) {
    throw new ToolError("The model has no extent: every part is empty or of zero size. Give parts positive sizes in metres.");
  }
  const largest = Math.max(...size);
  if (largest > MAX_EXTENT_METRES) {
    throw new ToolError(
      `The model is ${largest.toFixed(1)} m across, over the ${MAX_EXTENT_METRES} m limit. Sizes are in metres: a 40 cm chair is 0.4, not 40.`,
    );
  }
}
