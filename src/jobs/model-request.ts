/**
 * Turns create_3d_model and edit_3d_model arguments into a job spec: checks the model, reads
 * the stored spec to edit, bounds the cost of every call the loop can make and refuses it
 * above MAX_3D_COST_USD, all before anything is fetched, staged or paid.
 */
import { ToolError } from "../errors";
import { ModelSpec } from "../mesh/spec";
import { requireVisionModel, type VisionModelSpec } from "../openai/catalog";
import { liveDefaultModel } from "../openai/default-models";
import { normalizeImageParams, type NormalizedImageParams } from "../openai/image-params";
import { reasoningEffortFor } from "../openai/reasoning";
import { countTokens } from "../openai/tokenizer";
import type { Services } from "../services";
import type { AssetRecord } from "../store/asset-record";
import { canonicalJson } from "../store/hash";
import { ModelReturnMode } from "./model-build";
import { costEstimate, imageCallBoundUsd, requireWithinCap, textCallPlan } from "./model-cost";
import { modelRequestHash, type ModelCreateSpec, type ModelTool } from "./model-create";
import { CRITIQUE_ANSWER_TOKENS, CRITIQUE_INSTRUCTIONS, critiqueSchema, FINAL_CRITIQUE_ANSWER_TOKENS } from "./model-critique";
import { conceptPrompt, MAX_TEXTURES, texturePrompt } from "./model-images";
import { briefLines, createPrompt, editPrompt, PLAN_ANSWER_TOKENS, PLANNER_INSTRUCTIONS, planSchema, type DesignBrief } from "./model-plan";
import type { StagedInput } from "./staged-inputs";

export const MODEL_STYLES = ["low-poly", "stylized", "realistic"] as const;
export type ModelStyle = (typeof MODEL_STYLES)[number];

/** Concept images and textures: square, low quality (a reference for the critic and a tileable pattern need no more). */
const GENERATED_IMAGE = { size: "1024x1024", quality: "low", output_format: "png" } as const;

export interface ModelRequestCommon {
  brief: Omit<DesignBrief, "imageNote">;
  refinePasses: number;
  /** The planning and critique model; the server's default vision model otherwise. */
  model?: string;
  returnMode: ModelReturnMode;
  fresh: boolean;
}

/** The planner and critic: must write structured outputs, and see images when anything is to be looked at. */
function plannerModel(services: Services, id: string | undefined, field: string, seesImages: boolean): VisionModelSpec {
  const now = services.config.clock();
  const model = requireVisionModel(id ?? liveDefaultModel("vision", services.config, now), now);
  if (!model.structuredOutputs)
    throw new ToolError(`${field}: ${model.id} does not write structured outputs, which planning needs; pick another model.`);
  if (seesImages && !model.acceptsImages) {
    throw new ToolError(
      `${field}: ${model.id} does not take images, which critique passes and reference images need; pick another model or set refine_passes: 0.`,
    );
  }
  return model;
}

function imageParams(services: Services): NormalizedImageParams {
  const now = services.config.clock();
  return normalizeImageParams(GENERATED_IMAGE, {
    operation: "generate",
    now,
    defaultModel: services.config.defaultImageModel,
  });
}

/** Every call's budget and bound, the estimate checked against the cap, then the request's hash. */
async function build(
  services: Services,
  tool: ModelTool,
  common: ModelRequestCommon,
  parts: {
    modelField: string;
    planPrompt: string;
    edit: ModelCreateSpec["edit"];
    reference: StagedInput | null;
    /** Images the planner and critic see besides the montage (reference or concept): 0 or 1. */
    extraImages: number;
    concept: ModelCreateSpec["concept"];
    textures: ModelCreateSpec["textures"];
    levers: string[];
  },
): Promise<ModelCreateSpec> {
  const seesImages = parts.extraImages > 0 || common.refinePasses > 0;
  const model = plannerModel(services, common.model, parts.modelField, seesImages);
  const effort = reasoningEffortFor(model, undefined, model.reasoning?.apiDefault ?? "low");
  const schemaTokens = await countTokens(canonicalJson(planSchema()));
  const planText = (await countTokens(PLANNER_INSTRUCTIONS + parts.planPrompt)) + schemaTokens;
  const plan = textCallPlan(model, effort, PLAN_ANSWER_TOKENS, planText, parts.extraImages);
  // The critic reads the brief, the spec (at most a plan's length) and its own schema.
  const briefText = await countTokens(CRITIQUE_INSTRUCTIONS + briefLines({ ...common.brief, imageNote: null }).join("\n"));
  const critiqueText = briefText + PLAN_ANSWER_TOKENS + (await countTokens(canonicalJson(critiqueSchema(true))));
  const critique = textCallPlan(model, effort, CRITIQUE_ANSWER_TOKENS, critiqueText, 1 + parts.extraImages);
  const finalCritique = textCallPlan(model, effort, FINAL_CRITIQUE_ANSWER_TOKENS, critiqueText - schemaTokens, 1 + parts.extraImages);
  const passes = common.refinePasses;
  const critiques = passes === 0 ? 0 : (passes - 1) * critique.boundUsd + finalCritique.boundUsd;
  const conceptUsd = parts.concept
    ? imageCallBoundUsd(parts.concept.params.model, parts.concept.params.quality, await countTokens(parts.concept.prompt))
    : 0;
  const texturesUsd = parts.textures
    ? MAX_TEXTURES *
      imageCallBoundUsd(
        parts.textures.params.model,
        parts.textures.params.quality,
        // A material's name is at most 64 characters: the longest texture prompt.
        await countTokens(texturePrompt({ name: "m".repeat(64), color: "#000000" }, common.brief.description, common.brief.style)),
      )
    : 0;
  const estimate = costEstimate({ plan: plan.boundUsd, critiques, concept: conceptUsd, textures: texturesUsd });
  requireWithinCap(tool, estimate, services.config.max3dCostUsd, parts.levers);
  const unhashed = {
    tool,
    brief: { ...common.brief, imageNote: null },
    edit: parts.edit,
    reference: parts.reference,
    concept: parts.concept,
    textures: parts.textures,
    refinePasses: passes,
    calls: { plan, critique, finalCritique },
  };
  const hash = await modelRequestHash(unhashed);
  return { ...unhashed, hash, estimate, returnMode: common.returnMode, fresh: common.fresh };
}

/**
 * create_3d_model's job spec. `reference.given` with no `staged` image yet is the precheck:
 * the estimate (a reference is always sent at ≤ 1024 px, so its bytes do not matter) is
 * checked before the image is fetched.
 */
export async function prepareCreate(
  services: Services,
  common: ModelRequestCommon & { concept: boolean; textures: boolean },
  reference: { given: boolean; staged: StagedInput | null },
): Promise<ModelCreateSpec> {
  const brief = { ...common.brief, imageNote: null };
  const concept =
    !reference.given && common.concept ? { params: imageParams(services), prompt: conceptPrompt(brief.description, brief.style) } : null;
  const levers = [
    ...(common.refinePasses > 0 ? [`fewer refine_passes (now ${common.refinePasses})`] : []),
    ...(concept ? ["concept: false"] : []),
    ...(common.textures ? ["textures: false"] : []),
    "a cheaper model",
  ];
  return build(services, "create_3d_model", common, {
    modelField: "model",
    planPrompt: createPrompt(brief),
    edit: null,
    reference: reference.staged,
    extraImages: reference.given || concept ? 1 : 0,
    concept,
    textures: common.textures ? { params: imageParams(services) } : null,
    levers,
  });
}

/** The spec asset behind a model asset: itself when it is a spec, else the GLB's JSON parent. */
export async function storedSpecOf(services: Services, record: AssetRecord): Promise<{ spec: ModelSpec; specRecord: AssetRecord }> {
  const notAModel = `model: asset ${record.sha256} is ${record.kind === "image" ? "an image" : `a ${record.kind} (${record.mime})`}; give the asset id of a GLB or of its spec, as create_3d_model, edit_3d_model or build_3d_model returned them.`;
  if (record.kind !== "model") throw new ToolError(notAModel);
  let specRecord: AssetRecord | undefined = record.mime === "application/json" ? record : undefined;
  if (!specRecord) {
    const parents = await Promise.all((record.origin.parents ?? []).map((id) => services.library.get(id)));
    specRecord = parents.find((p): p is AssetRecord => p?.kind === "model" && p.mime === "application/json");
  }
  if (!specRecord) {
    throw new ToolError(
      `model: the GLB ${record.sha256} has no stored spec among its parents (it was not made by this server's 3D tools, or its spec was deleted); rebuild it with build_3d_model first.`,
      "not_found",
    );
  }
  const bytes = await services.library.requireBytes(specRecord);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new ToolError(`model: the spec asset ${specRecord.sha256} is not valid JSON; give a GLB or spec made by this server's 3D tools.`);
  }
  const parsed = ModelSpec.safeParse(json);
  if (!parsed.success) {
    throw new ToolError(
      `model: the asset ${specRecord.sha256} is JSON but not a 3D spec (${parsed.error.issues[0]?.path.join(".") || "spec"}: ${parsed.error.issues[0]?.message}).`,
    );
  }
  return { spec: parsed.data, specRecord };
}

/** edit_3d_model's job spec. */
export async function prepareEdit(
  services: Services,
  common: Omit<ModelRequestCommon, "brief"> & { instruction: string },
  record: AssetRecord,
): Promise<ModelCreateSpec> {
  const { spec: base, specRecord } = await storedSpecOf(services, record);
  const description = record.origin.prompt ?? specRecord.origin.prompt ?? base.name ?? "the model in the spec";
  const brief = { description, change: common.instruction, style: null, size: null, triangleBudget: base.options?.triangle_budget ?? null };
  const parents = record.sha256 === specRecord.sha256 ? [record.sha256] : [record.sha256, specRecord.sha256];
  return build(
    services,
    "edit_3d_model",
    { ...common, brief },
    {
      modelField: "planner",
      planPrompt: editPrompt({ ...brief, imageNote: null }, base),
      edit: { base, instruction: common.instruction, parents },
      reference: null,
      extraImages: 0,
      concept: null,
      textures: null,
      levers: [...(common.refinePasses > 0 ? [`fewer refine_passes (now ${common.refinePasses})`] : []), "a cheaper planner"],
    },
  );
}
