/**
 * Planning: a description (or a stored spec and an instruction) becomes a part spec through
 * the compiler's own schema as a strict structured output. A spec the schema or the compiler
 * refuses goes back once with the messages; a second refusal ends the job clearly.
 */
import { ToolError } from "../errors";
import { compileModel, type CompiledModel } from "../mesh/compile";
import { ModelSpec, modelSpecJsonSchema } from "../mesh/spec";
import type { VisionImage } from "../openai/responses-api";
import { canonicalJson } from "../store/hash";
import { askStructured } from "./model-ask";
import type { SpendTally, TextCallPlan } from "./model-cost";
import { PaidAnswerError, type PipelineContext } from "./pipeline";

export const PLAN_SCHEMA_NAME = "model_spec";
/** A spec's own length in tokens: 256 parts of about 40 tokens each fit, with room to spare. */
export const PLAN_ANSWER_TOKENS = 12_000;

export const PLANNER_INSTRUCTIONS = [
  "You design 3D models for games and apps as a spec of named primitive parts, which a compiler turns into a GLB.",
  "Conventions: metres at real-world scale, +y up, the model's front faces +z, the origin at the bottom centre (the model stands on y = 0). Each part becomes a glTF node named by its id.",
  "Parts are a flat list; each has a unique id (letters, digits, _ . -), a parent (null for roots; children move with their parent) and one shape, centred on the part's origin: box {size [x,y,z]}, rounded_box {size, radius}, sphere {radius}, cylinder {radius, height along y}, cone {radius_bottom, radius_top, height} (a frustum when radius_top > 0), capsule {radius, height}, torus {radius, tube} lying flat in x/z, plane {size [x,z]} facing +y, lathe {profile [[radius, y]…] bottom to top} for vases and bottles, extrude {outline [[x,y]…], holes, depth along z, bevel} for flat shapes with thickness.",
  'Place parts with attach {to, side: top|bottom|left|right|front|back|center, offset} so they touch (prefer it to position), or position (relative to the parent), rotation (degrees about x, y, z) and scale. mirror ["x"] adds a mirrored copy (left and right legs from one part); array {kind: linear, count, offset} or {kind: radial, count, axis} repeats a part.',
  'Materials by name: color "#rrggbb", metallic 0–1, roughness 0–1, emissive, opacity (below 1 blends), double_sided. Every part should name a material; give every visible surface a material that says what it is made of.',
  "Every part must touch the main body: floating parts are mistakes. Keep within the triangle budget: fewer segments for small round parts. Fields you do not need are null.",
].join("\n");

/** The compiler's schema, as sent: strict, every field required, optional ones nullable. */
export function planSchema(): Record<string, unknown> {
  return modelSpecJsonSchema();
}

export interface DesignBrief {
  description: string;
  /** edit_3d_model: the change asked for; planner and critic both judge by it. */
  change: string | null;
  style: string | null;
  /** Real-world size hint, e.g. "about 0.8 m wide". */
  size: string | null;
  triangleBudget: number | null;
  /** What the images attached to the planning call are. */
  imageNote: string | null;
}

export function briefLines(brief: DesignBrief): string[] {
  return [
    `Description: ${brief.description}`,
    ...(brief.change ? [`Change asked for: ${brief.change}`] : []),
    ...(brief.style ? [`Style: ${brief.style}${brief.style === "low-poly" ? " (few segments, flat faces, chunky shapes)" : ""}.`] : []),
    ...(brief.size ? [`Real-world size: ${brief.size}.`] : []),
    ...(brief.triangleBudget ? [`Triangle budget: at most ${brief.triangleBudget} triangles (set options.triangle_budget to it).`] : []),
  ];
}

/** The planning prompt for a new model. */
export function createPrompt(brief: DesignBrief): string {
  return [
    "Write the spec for this model.",
    ...briefLines(brief),
    ...(brief.imageNote ? [brief.imageNote] : []),
    "Use enough parts to make it recognisable from every side; name parts by what they are.",
  ].join("\n");
}

/** The planning prompt for a change to a stored spec (the change is in the brief). */
export function editPrompt(brief: DesignBrief, base: ModelSpec): string {
  return [
    "Revise this spec following the change asked for. Keep everything the change does not touch (ids, sizes, materials).",
    ...briefLines(brief),
    "The current spec (JSON):",
    specJson(base),
  ].join("\n");
}

export const specJson = (spec: ModelSpec): string => canonicalJson(spec);

/** The spec in an answer, or the schema's complaints about it (each naming the field path). */
export function readSpec(value: unknown): { spec: ModelSpec } | { problems: string[] } {
  const parsed = ModelSpec.safeParse(value);
  if (parsed.success) return { spec: parsed.data };
  return {
    problems: parsed.error.issues.slice(0, 8).map((issue) => `${issue.path.length ? issue.path.join(".") : "spec"}: ${issue.message}`),
  };
}

export interface PlannedModel {
  spec: ModelSpec;
  compiled: CompiledModel;
  /** The messages of a refused first spec, when the retry was needed. */
  retriedAfter: string[] | null;
}

/** Compiles a spec, reporting the compile and render stages (`label` says which pass); a refusal (not a cancellation) comes back as its messages. */
export async function tryCompile(
  pctx: PipelineContext,
  spec: ModelSpec,
  label: string,
): Promise<{ compiled: CompiledModel } | { problems: string[] }> {
  try {
    await pctx.progress(`compile${label}`);
    const onRender = () => pctx.progress(`render${label}`);
    return { compiled: await compileModel(spec, { images: pctx.services.images, signal: pctx.signal, onRender }, { views: false }) };
  } catch (error) {
    if (!(error instanceof ToolError) || error.code === "cancelled" || pctx.signal.aborted) throw error;
    return { problems: [error.message] };
  }
}

/**
 * Asks for a spec and compiles it; a spec refused by the schema or the compiler is sent back
 * once with the messages. Each stage reports progress.
 */
export async function planAndCompile(
  pctx: PipelineContext,
  tally: SpendTally,
  call: TextCallPlan,
  prompt: string,
  images: VisionImage[],
): Promise<PlannedModel> {
  const ask = (text: string, what: string) =>
    askStructured(pctx, tally, {
      what,
      call,
      instructions: PLANNER_INSTRUCTIONS,
      prompt: text,
      images,
      schemaName: PLAN_SCHEMA_NAME,
      schema: planSchema(),
    });
  await pctx.progress("plan");
  let problems: string[] = [];
  for (const attempt of [1, 2] as const) {
    const text =
      attempt === 1
        ? prompt
        : `${prompt}\n\nYour previous spec was refused:\n${problems.map((p) => `- ${p}`).join("\n")}\nWrite a corrected spec that fixes every point.`;
    const read = readSpec(await ask(text, attempt === 1 ? "planning" : "re-planning"));
    if ("problems" in read) {
      problems = read.problems;
      continue;
    }
    const built = await tryCompile(pctx, read.spec, attempt === 1 ? "" : " (corrected spec)");
    if ("compiled" in built) return { spec: read.spec, compiled: built.compiled, retriedAfter: attempt === 2 ? problems : null };
    problems = built.problems;
    if (attempt === 1) await pctx.progress("plan again with the compiler's messages");
  }
  throw new PaidAnswerError(
    `The planner's spec was refused twice; nothing was stored. Last refusal: ${problems.join("; ")}. Simplify the description, or write the spec yourself with build_3d_model.`,
    "upstream_error",
  );
}
