/**
 * create_3d_model and edit_3d_model as a job: (concept image) → plan → compile and render →
 * critique k of n (revise, compile again) → keep the best candidate → (textures) → store.
 * Nothing of the model is stored until the store stage, so a failure at any stage leaves no
 * partial model behind; generated images (concept, textures) are complete results of their
 * own, stored and cached like any generate_image call, so a repeat pays nothing for them.
 */
import { z } from "zod";
import type { ContentBlock, ToolOutput } from "../results";
import { image } from "../results";
import { ToolError } from "../errors";
import type { CompiledModel } from "../mesh/compile";
import { ModelReportOut, type ModelReport } from "../mesh/report";
import type { MaterialSpec, ModelSpec } from "../mesh/spec";
import { embedTextures } from "../mesh/textures";
import { khronosValidate, requireValidatorClean } from "../mesh/validate";
import type { NormalizedImageParams } from "../openai/image-params";
import type { VisionImage } from "../openai/responses-api";
import { assetContent, assetLink, AssetView, viewOf } from "../schemas/asset-view";
import type { Services } from "../services";
import type { AssetRecord } from "../store/asset-record";
import { requestHash } from "../store/hash";
import { cachedOutcome, type Outcome } from "./job-records";
import { runAsJob, type WaitContext } from "./job-runner";
import { MESH_COMPILER_VERSION, ModelReturnMode, specBytes } from "./model-build";
import type { CostQuote } from "../budget/budget";
import {
  CostEstimateOut,
  modelQuote,
  SENT_IMAGE_EDGE,
  SpendOut,
  SpendTally,
  type CostEstimate,
  type Spend,
  type TextCallPlan,
} from "./model-cost";
import { critiqueModel, CritiqueOut, GOOD_ENOUGH_SCORE, type Critique } from "./model-critique";
import { cachedImage, makeTextures, MAX_TEXTURES } from "./model-images";
import { createPrompt, editPrompt, planAndCompile, tryCompile, type DesignBrief } from "./model-plan";
import { PaidAnswerError, type PipelineContext, type Produced } from "./pipeline";
import { persistStaged, unstage, type StagedInput } from "./staged-inputs";

export type ModelTool = "create_3d_model" | "edit_3d_model";

/** A create or edit request as the job carries it: plain data, checked and bounded by the tool. */
export interface ModelCreateSpec {
  tool: ModelTool;
  hash: string;
  brief: DesignBrief;
  /** edit_3d_model: the stored spec, the instruction, and what it came from (GLB and/or spec asset ids). */
  edit: { base: ModelSpec; instruction: string; parents: string[] } | null;
  reference: StagedInput | null;
  /** The concept image to generate (create, no reference image, concept: true). */
  concept: { params: NormalizedImageParams; prompt: string } | null;
  textures: { params: NormalizedImageParams } | null;
  refinePasses: number;
  calls: { plan: TextCallPlan; critique: TextCallPlan; finalCritique: TextCallPlan };
  estimate: CostEstimate;
  returnMode: ModelReturnMode;
  fresh: boolean;
}

export const PassOut = z.object({
  pass: z.number().int().describe("1 for the first spec, then one per revision."),
  spec: z.string().describe("Asset id of this pass's spec (JSON)."),
  score: z.number().nullable().describe("The critic's score, 0–1; null when the pass was not critiqued (refine_passes: 0)."),
  questions: CritiqueOut.shape.questions,
  problems: CritiqueOut.shape.problems,
  kept: z.boolean().describe("True for the pass whose model was kept (the best score; the earliest on a tie)."),
});
export type PassRecord = z.infer<typeof PassOut>;

export const ModelCreateOut = z.object({
  model: AssetView.describe("The GLB (model/gltf-binary) of the best pass."),
  spec: AssetView.describe("The kept pass's spec (JSON); the GLB's first parent."),
  preview: AssetView.describe("The labelled six-view montage of the kept model (WebP, at most 1024 px)."),
  report: ModelReportOut,
  passes: z.array(PassOut).describe("Every pass in order: its score, answered verification questions, problems and spec asset."),
  lineage: z.object({
    parents: z
      .array(z.string())
      .describe("The GLB's parents: the kept spec, then the reference or concept image, the edited model, the textures."),
    concept: z.string().nullable().describe("The generated concept image (asset id), when one was made."),
    reference: z.string().nullable().describe("The reference image given (asset id)."),
    editedFrom: z.string().nullable().describe("edit_3d_model: the model asset that was edited."),
  }),
  textures: z.array(z.object({ material: z.string(), image: z.string().describe("The texture's image asset id.") })),
  estimate: CostEstimateOut,
  usage: SpendOut,
  cost: z.object({
    usd: z.number().describe("What this call cost: 0 from the cache or when it joined an identical running job."),
    originalUsd: z.number().describe("What making the model cost, summed over every OpenAI call."),
  }),
  cached: z.boolean(),
  sharedInFlight: z.boolean(),
  notes: z.array(z.string()).describe("How the loop went: a retried spec, an early stop, a revision the compiler refused."),
});
export type ModelCreateResult = z.infer<typeof ModelCreateOut>;

/** What replays from the cache; the records carry the rest. */
interface ModelCreateJobResult {
  report: ModelReport;
  passes: PassRecord[];
  lineage: ModelCreateResult["lineage"];
  textures: ModelCreateResult["textures"];
  spend: Spend;
  notes: string[];
}

export function modelRequestHash(spec: Omit<ModelCreateSpec, "hash" | "returnMode" | "fresh" | "estimate">): Promise<string> {
  return requestHash(spec.tool, {
    brief: spec.brief,
    edit: spec.edit ? { base: spec.edit.base, instruction: spec.edit.instruction, parents: spec.edit.parents } : null,
    reference: spec.reference?.sha256 ?? null,
    concept: spec.concept,
    textures: spec.textures,
    refinePasses: spec.refinePasses,
    calls: spec.calls,
    compiler: MESH_COMPILER_VERSION,
  });
}

interface Candidate {
  spec: ModelSpec;
  compiled: CompiledModel;
  critique: Critique | null;
}

const scoreOf = (c: Candidate) => c.critique?.score ?? -1;

/** The images the planner and critic look at besides the montage: the reference or concept, fitted to 1024 px. */
async function lookAt(
  pctx: PipelineContext,
  spec: ModelCreateSpec,
  tally: SpendTally,
): Promise<{ images: VisionImage[]; concept: AssetRecord | null; note: string | null }> {
  const { services } = pctx;
  let bytes: Uint8Array | undefined;
  let concept: AssetRecord | null = null;
  let note: string | null = null;
  if (spec.reference) {
    bytes = (await unstage(services, [spec.reference]))[0]!.bytes;
    note = "The attached image is the reference the model should follow.";
  } else if (spec.concept) {
    await pctx.progress("concept");
    const made = await cachedImage(pctx, tally, "concept", spec.concept.params, spec.concept.prompt);
    concept = made.record;
    bytes = made.bytes;
    note = "The attached image is a concept render of the model.";
  }
  if (!bytes) return { images: [], concept: null, note: null };
  const fitted = await services.images.fitWithin(bytes, SENT_IMAGE_EDGE, SENT_IMAGE_EDGE, "png");
  return { images: [{ bytes: fitted.bytes, mime: fitted.mime }], concept, note };
}

/**
 * The paid part, inside a job step. Once a planning or critique call has been paid, a failure
 * is final: retrying the step would pay for those calls again (the OpenAI client has already
 * retried the failing request itself).
 */
export async function makeModel(pctx: PipelineContext, spec: ModelCreateSpec): Promise<Produced<ModelCreateJobResult>> {
  const tally = new SpendTally();
  try {
    return await runLoop(pctx, spec, tally);
  } catch (error) {
    if (tally.textCalls > 0 && error instanceof ToolError && !(error instanceof PaidAnswerError) && error.code !== "cancelled") {
      throw new PaidAnswerError(error.message, error.code);
    }
    throw error;
  }
}

async function runLoop(pctx: PipelineContext, spec: ModelCreateSpec, tally: SpendTally): Promise<Produced<ModelCreateJobResult>> {
  const { services, signal } = pctx;
  const notes: string[] = [];
  const seen = await lookAt(pctx, spec, tally);
  const brief: DesignBrief = { ...spec.brief, imageNote: seen.note };
  const prompt = spec.edit ? editPrompt(brief, spec.edit.base) : createPrompt(brief);
  const planned = await planAndCompile(pctx, tally, spec.calls.plan, prompt, seen.images);
  if (planned.retriedAfter)
    notes.push(`The first spec was refused (${planned.retriedAfter.join("; ")}); it was sent back once and corrected.`);

  const candidates: Candidate[] = [{ spec: planned.spec, compiled: planned.compiled, critique: null }];
  const passes = spec.refinePasses;
  for (let pass = 1; pass <= passes; pass++) {
    const current = candidates.at(-1)!;
    await pctx.progress(`critique ${pass} of ${passes}`);
    const montage: VisionImage = { bytes: current.compiled.montage.bytes, mime: current.compiled.montage.mime };
    const { critique, revision } = await critiqueModel(pctx, tally, {
      call: pass < passes ? spec.calls.critique : spec.calls.finalCritique,
      brief,
      spec: current.spec,
      report: current.compiled.report,
      images: [montage, ...seen.images],
      pass,
      passes,
    });
    current.critique = critique;
    const structural = critique.problems.some((p) => p.kind === "structural");
    if (critique.score >= GOOD_ENOUGH_SCORE && !structural) {
      if (pass < passes)
        notes.push(`Stopped after critique ${pass}: score ${critique.score} ≥ ${GOOD_ENOUGH_SCORE} with no structural problem.`);
      break;
    }
    if (!revision) break;
    if ("problems" in revision) {
      notes.push(`Critique ${pass}'s revised spec did not match the schema (${revision.problems.join("; ")}); kept the best earlier pass.`);
      break;
    }
    const built = await tryCompile(pctx, revision.spec, ` pass ${pass + 1}`);
    if ("problems" in built) {
      notes.push(`Critique ${pass}'s revised spec was refused by the compiler (${built.problems.join("; ")}); kept the best earlier pass.`);
      break;
    }
    candidates.push({ spec: revision.spec, compiled: built.compiled, critique: null });
  }
  // The best score wins; the earliest on a tie (a revision has to earn its place).
  const best = candidates.reduce((a, b) => (scoreOf(b) > scoreOf(a) ? b : a));
  if (signal.aborted) throw new ToolError("cancelled", "cancelled");

  let glb = best.compiled.glb;
  let report = best.compiled.report;
  let textureRecords: AssetRecord[] = [];
  let textureList: ModelCreateResult["textures"] = [];
  if (spec.textures) {
    await pctx.progress("textures");
    const used = new Set(report.materials);
    const materials: MaterialSpec[] = (best.spec.materials ?? []).filter((m) => used.has(m.name));
    if (materials.length === 0) notes.push("No textures: the kept model names no materials of its own.");
    else {
      const made = await makeTextures(pctx, tally, {
        materials,
        description: brief.description,
        style: brief.style,
        params: spec.textures.params,
      });
      glb = await embedTextures(glb, made.textures);
      const validator = await khronosValidate(glb);
      requireValidatorClean(validator);
      report = { ...report, bytes: glb.byteLength, validator };
      textureRecords = made.records;
      textureList = made.textures.map((t, i) => ({ material: t.material, image: made.records[i]!.sha256 }));
      if (materials.length > made.textures.length)
        notes.push(`Textured the first ${made.textures.length} materials; the rest keep their colours.`);
    }
  }

  await pctx.progress("store");
  if (signal.aborted) throw new ToolError("cancelled", "cancelled");
  const reference = spec.reference ? ((await persistStaged(services, [spec.reference]))[0] ?? null) : null;
  const description = brief.description;
  const origin = (parameters: Record<string, unknown>, parents: string[] = []) => ({
    tool: spec.tool,
    model: spec.calls.plan.model,
    prompt: description,
    parameters,
    parents,
    requestHash: spec.hash,
  });
  const specParents = spec.edit?.parents ?? [];
  const specRecords: AssetRecord[] = [];
  for (const [i, candidate] of candidates.entries()) {
    const { record } = await services.library.put({
      bytes: specBytes(candidate.spec),
      kind: "model",
      mime: "application/json",
      origin: origin({ role: "spec", pass: i + 1 }, specParents),
    });
    specRecords.push(record);
  }
  const bestIndex = candidates.indexOf(best);
  const bestSpec = specRecords[bestIndex]!;
  const lineage: ModelCreateResult["lineage"] = {
    parents: [
      bestSpec.sha256,
      ...(reference ? [reference.sha256] : []),
      ...(seen.concept ? [seen.concept.sha256] : []),
      ...(spec.edit?.parents.slice(0, 1) ?? []),
      ...textureRecords.map((r) => r.sha256),
    ],
    concept: seen.concept?.sha256 ?? null,
    reference: reference?.sha256 ?? null,
    editedFrom: spec.edit?.parents[0] ?? null,
  };
  const glbRecord = (
    await services.library.put({
      bytes: glb,
      kind: "model",
      mime: "model/gltf-binary",
      origin: origin(
        {
          triangles: report.triangles,
          parts: report.parts,
          compiler: MESH_COMPILER_VERSION,
          pass: bestIndex + 1,
          score: best.critique?.score ?? null,
          textured: textureRecords.length > 0,
          ...(spec.edit ? { instruction: spec.edit.instruction } : {}),
        },
        lineage.parents,
      ),
    })
  ).record;
  const picture = best.compiled.montage;
  const montage = (
    await services.library.put({
      bytes: picture.bytes,
      kind: "image",
      mime: picture.mime,
      width: picture.width,
      height: picture.height,
      origin: { tool: spec.tool, parameters: { view: "montage" }, parents: [glbRecord.sha256], requestHash: spec.hash },
    })
  ).record;
  const passRecords: PassRecord[] = candidates.map((c, i) => ({
    pass: i + 1,
    spec: specRecords[i]!.sha256,
    score: c.critique?.score ?? null,
    questions: c.critique?.questions ?? [],
    problems: c.critique?.problems ?? [],
    kept: i === bestIndex,
  }));
  const result: ModelCreateJobResult = { report, passes: passRecords, lineage, textures: textureList, spend: tally.total(), notes };
  const otherSpecs = specRecords.filter((r) => r !== bestSpec).map((r) => r.sha256);
  const assetIds = [glbRecord.sha256, bestSpec.sha256, montage.sha256, ...new Set(otherSpecs)];
  await services.cache.put<ModelCreateJobResult>(spec.hash, { assetIds, result, createdAt: services.config.clock().toISOString() });
  await pctx.progress("stored");
  return { assetIds, result };
}

/** The tool's result from stored records: the same whether the job just finished or the cache answered. */
export async function presentModel(
  services: Services,
  spec: ModelCreateSpec,
  outcome: Outcome<ModelCreateJobResult>,
): Promise<ToolOutput<ModelCreateResult>> {
  const [glb, specRecord, montage] = outcome.records;
  if (!glb || !specRecord || !montage) throw new ToolError("The cached model is incomplete; call again with fresh: true.", "integrity");
  const { result } = outcome;
  const [model, specView, preview] = await Promise.all([glb, specRecord, montage].map((r) => viewOf(r, services)));
  const paidNow = outcome.cached || outcome.shared ? 0 : result.spend.usd;
  const structured: ModelCreateResult = {
    model: model!,
    spec: specView!,
    preview: preview!,
    report: result.report,
    passes: result.passes,
    lineage: result.lineage,
    textures: result.textures,
    estimate: spec.estimate,
    usage: result.spend,
    cost: { usd: paidNow, originalUsd: result.spend.usd },
    cached: outcome.cached,
    sharedInFlight: outcome.shared,
    notes: result.notes,
  };
  const content: ContentBlock[] = [];
  if (spec.returnMode !== "none") {
    content.push(image(await services.library.requireBytes(montage), montage.mime));
  }
  content.push(...(await assetContent(glb, services, spec.returnMode === "full" ? "full" : "none")));
  for (const record of [specRecord, montage]) content.push(assetLink(record));
  return { structured, summary: summaryOf(spec, structured), content };
}

function summaryOf(spec: ModelCreateSpec, result: ModelCreateResult): string {
  const { report } = result;
  const [x, y, z] = report.bounds.size.map((v) => v.toFixed(2));
  const verb = spec.tool === "edit_3d_model" ? "Edited" : "Created";
  const kept = result.passes.find((p) => p.kept);
  const scores = result.passes.map((p) => (p.score === null ? "–" : p.score.toFixed(2))).join(" → ");
  const how = result.cached
    ? "from the cache (no cost)"
    : result.sharedInFlight
      ? "by joining an identical running job (no cost)"
      : `for $${result.cost.usd.toFixed(4)}`;
  const parts = [
    `${verb} a GLB of ${report.triangles} triangles, ${report.parts} parts, ${x} × ${y} × ${z} m (validator: ${report.validator.errors} errors, ${report.validator.warnings} warnings) ${how}${result.usage.estimate && !result.cached ? " (estimated prices)" : ""}.`,
    `Passes: ${result.passes.length} (scores ${scores}); kept pass ${kept?.pass ?? 1}.`,
    `Model asset ${result.model.id}, download: ${result.model.downloadUrl}`,
  ];
  if (result.textures.length) parts.push(`Textures: ${result.textures.map((t) => t.material).join(", ")}.`);
  if (report.floatingParts.length) parts.push(`Floating parts: ${report.floatingParts.join(", ")}.`);
  if (result.notes.length) parts.push(result.notes.join(" "));
  return parts.join(" ");
}

/** A cache hit answers now; a miss runs as a job (identical requests join it) the call waits for. */
export async function answerModel(
  ctx: WaitContext,
  spec: ModelCreateSpec,
  waitSeconds: number,
  options: { confirmed: boolean; stagedUnder?: string },
): Promise<ToolOutput<Record<string, unknown>>> {
  const { stagedUnder } = options;
  if (!spec.fresh) {
    const hit = await cachedOutcome<ModelCreateJobResult>(ctx.services, spec.hash);
    if (hit) {
      if (stagedUnder) await ctx.services.jobs.staging.clear(stagedUnder);
      return presentModel(ctx.services, spec, hit);
    }
  }
  // One reservation covers every call of the loop, concept and textures included (their images are made inside this job).
  const cost = { quote: async () => quoteOfModel(spec), confirmed: options.confirmed };
  return runAsJob(ctx, { tool: spec.tool, kind: "model", joinKey: spec.hash, spec, stagedUnder, fresh: spec.fresh, cost }, waitSeconds);
}

/** The budget's quote for a checked request: its MAX_3D_COST_USD bound as the worst case. */
export function quoteOfModel(spec: ModelCreateSpec): CostQuote {
  return modelQuote({
    estimate: spec.estimate,
    calls: spec.calls,
    refinePasses: spec.refinePasses,
    textured: spec.textures !== null,
    maxTextures: MAX_TEXTURES,
  });
}

export type { ModelCreateJobResult };
