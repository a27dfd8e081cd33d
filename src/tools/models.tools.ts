import { z } from "zod";
import { defineTool } from "../mcp/definitions";
import { imageInputSchema } from "../inputs/image-input";
import { resolveImage } from "../inputs/resolve-images";
import { waitSecondsField, withJobHandle } from "../jobs/job-runner";
import { buildModel, ModelResultOut, ModelReturnMode } from "../jobs/model-build";
import { answerModel, ModelCreateOut, quoteOfModel } from "../jobs/model-create";
import { MODEL_STYLES, prepareCreate, prepareEdit } from "../jobs/model-request";
import { estimateOutput, spendFields } from "../jobs/spend";
import { stageInputs } from "../jobs/staged-inputs";
import { ModelSpec, SPEC_LIMITS } from "../mesh/spec";
import { requireOpenAIConfigured } from "../openai/client";
import { AssetId, requireAsset } from "../schemas/asset-id";
import { StagingArea } from "../store/staging";

/** The example the description shows; tests compile it, so it never goes stale. */
export const BUILD_3D_EXAMPLE = {
  name: "side table",
  materials: [{ name: "oak", color: "#a0703c", roughness: 0.7 }],
  parts: [
    { id: "top", parent: null, shape: { type: "box", size: [0.6, 0.04, 0.6] }, material: "oak", position: [0, 0.5, 0] },
    {
      id: "leg",
      parent: "top",
      shape: { type: "cylinder", radius: 0.025, height: 0.48 },
      material: "oak",
      attach: { to: "top", side: "bottom", offset: [0.25, 0, 0.25] },
      mirror: ["x", "z"],
    },
  ],
};

export const build3dModel = defineTool({
  name: "build_3d_model",
  title: "Build a 3D model",
  description: [
    "Compiles a 3D model you describe as a spec of named primitive parts into a GLB (glTF 2.0 binary) that opens in Blender, Godot, Unity, Bevy and three.js, checked by the Khronos glTF validator, with a labelled picture of six views you can look at and a quality report (triangles, bounds in metres, floating parts, validator verdict). No OpenAI call, no cost; an identical spec is answered from the cache.",
    "Conventions: metres, +y up, the front faces +z, origin at the bottom centre (options.origin), one glTF node per part named by its id.",
    "Parts: a flat list; each has a unique id, a parent (null for roots; children move with their parent) and a shape: box {size}, rounded_box {size, radius}, sphere {radius}, cylinder {radius, height}, cone {radius_bottom, radius_top, height} (a frustum when radius_top > 0), capsule {radius, height}, torus {radius, tube} (flat in x/z), plane {size [x, z]}, lathe {profile [[radius, y]…]} (vases, bottles), extrude {outline [[x, y]…], holes, depth, bevel} (flat shapes with thickness along z). Shapes are centred on the part's origin; round shapes take segments (fewer = lower poly).",
    'Place a part with position (relative to its parent), rotation (degrees about x, y, z) and scale, or better with attach {to, side: top|bottom|left|right|front|back|center, offset}, which snaps it so the parts touch. mirror ["x"] adds a mirrored copy (left and right legs from one part); array {kind: linear, count, offset} or {kind: radial, count, axis} repeats it.',
    'Materials by name: color "#rrggbb", metallic, roughness, emissive and emissive_strength, opacity (below 1 blends), double_sided. Options: triangle_budget (default 50000, max 200000), origin, lods (e.g. [0.5, 0.25]: extra scenes with nodes <id>_LOD1…), colliders (box or hull: nodes named <id>-colonly for Godot).',
    "Unknown material or attachment names are forgiven with a warning naming the part; geometry that cannot be built is refused with the part path and the fix. Check the montage and report.floatingParts, then adjust the spec and call again.",
    `Example: ${JSON.stringify(BUILD_3D_EXAMPLE)}`,
  ].join("\n"),
  input: z.object({
    spec: ModelSpec,
    views: z.boolean().default(false).describe("Also store each of the six views as its own 512 px PNG asset."),
    fresh: z.boolean().default(false).describe("Compile again instead of answering from the cache."),
    return: ModelReturnMode.default("preview"),
  }),
  output: ModelResultOut,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(args, ctx) {
    return buildModel(ctx.services, ctx.signal, { spec: args.spec, views: args.views, fresh: args.fresh, returnMode: args.return });
  },
});

const PAID = { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true };

const refinePassesField = (fallback: number) =>
  z
    .number()
    .int()
    .min(0, "refine_passes: must be between 0 and 3.")
    .max(3, "refine_passes: must be between 0 and 3; more passes rarely help (the best pass is kept anyway).")
    .default(fallback)
    .describe(
      `Critique passes (0–3, default ${fallback}): each renders the model, has a vision model answer yes/no questions about the description from the views, score it and revise the spec; the best-scoring pass is kept, and the loop stops early once the score passes 0.8 with no structural problem.`,
    );
const plannerField = z
  .string()
  .max(64)
  .optional()
  .describe(
    "OpenAI model for planning and critique (default gpt-6.1-terra unless the server sets another), at its own default reasoning effort.",
  );

/** The example the description shows; a test runs it against the fake OpenAI. */
export const CREATE_3D_EXAMPLE = { description: "a low-poly wooden treasure chest with iron bands", style: "low-poly", refine_passes: 1 };

export const create3dModel = defineTool({
  name: "create_3d_model",
  title: "Create a 3D model from a description",
  description: [
    "Designs a 3D model from a text description (and optionally a reference image) with OpenAI models: a concept image, a part spec planned as structured output, compiled into a validated GLB (glTF 2.0 binary: metres, +y up, front +z, a node per named part), rendered in six labelled views that a vision model critiques and revises pass by pass; the best pass is kept. Optional seamless textures per material.",
    "Returns the GLB, the montage you can look at, the quality report, every pass (score, answered verification questions, problems, spec asset) and the cost summed over every call. Takes a minute or two: a short wait_seconds returns a job handle to follow with get_job; identical requests share one job and later ones come from the cache.",
    "The cost is estimated first and refused above the server's cap (MAX_3D_COST_USD) or your spending ceilings; estimate: true returns the worst-case and typical cost without running anything. To change the result, call edit_3d_model with the model's asset id, or build_3d_model with an edited spec (free).",
    `Example: ${JSON.stringify(CREATE_3D_EXAMPLE)}`,
  ].join("\n"),
  input: z.object({
    description: z
      .string()
      .trim()
      .min(1, "description: must not be empty; describe the object to model.")
      .max(4000, "description: longer than 4000 characters; shorten it.")
      .describe("What to model: the object, its parts, proportions, materials and colours."),
    reference_image: imageInputSchema
      .optional()
      .describe("Optional image to follow (asset id, https URL or base64); the critic compares the views with it."),
    concept: z
      .boolean()
      .default(true)
      .describe(
        "Without a reference image, first generate one concept image (cached like any image) for the planner and critic to compare against.",
      ),
    style: z.enum(MODEL_STYLES).optional().describe("low-poly, stylized or realistic."),
    size: z.string().trim().min(1).max(200).optional().describe('Real-world size hint, e.g. "about 0.8 m wide" or "a 30 cm mug".'),
    triangle_budget: z
      .number()
      .int()
      .min(12)
      .max(SPEC_LIMITS.triangleBudget.max, `triangle_budget: at most ${SPEC_LIMITS.triangleBudget.max}.`)
      .optional()
      .describe(`Most triangles the model may have (default ${SPEC_LIMITS.triangleBudget.default}).`),
    textures: z
      .boolean()
      .default(false)
      .describe("Also generate a seamless texture per material (up to 6, cached) and embed them in the GLB, scaled to each part's size."),
    refine_passes: refinePassesField(2),
    model: plannerField,
    fresh: z.boolean().default(false).describe("Make the model again instead of answering from the cache."),
    return: ModelReturnMode.default("preview"),
    ...spendFields,
    wait_seconds: waitSecondsField,
  }),
  output: withJobHandle(ModelCreateOut),
  annotations: PAID,
  async run(args, ctx) {
    const { services, signal } = ctx;
    requireOpenAIConfigured(services.config);
    const common = {
      brief: {
        description: args.description,
        change: null,
        style: args.style ?? null,
        size: args.size ?? null,
        triangleBudget: args.triangle_budget ?? null,
      },
      refinePasses: args.refine_passes,
      model: args.model,
      returnMode: args.return,
      fresh: args.fresh,
      concept: args.concept,
      textures: args.textures,
    };
    const given = args.reference_image !== undefined;
    // Model, parameters and the cost cap first: a refused call fetches nothing.
    const checked = await prepareCreate(services, common, { given, staged: null });
    // The quote needs no reference bytes (a reference is always sent at ≤ 1024 px): nothing is fetched for an estimate.
    if (args.estimate) return estimateOutput(services, "create_3d_model", quoteOfModel(checked));
    const confirmed = args.confirm_cost;
    if (!args.reference_image) return answerModel(ctx, checked, args.wait_seconds, { confirmed });
    const resolved = await resolveImage(args.reference_image, services, signal, "reference_image");
    const batch = StagingArea.newBatch();
    const [staged] = await stageInputs(services, batch, [resolved]);
    const spec = await prepareCreate(services, common, { given, staged: staged! }).catch(async (error: unknown) => {
      await services.jobs.staging.clear(batch);
      throw error;
    });
    return answerModel(ctx, spec, args.wait_seconds, { confirmed, stagedUnder: batch });
  },
});

export const edit3dModel = defineTool({
  name: "edit_3d_model",
  title: "Edit a 3D model",
  description:
    'Changes a model made by create_3d_model, edit_3d_model or build_3d_model following an instruction ("make the legs taller", "add a handle on the lid"): its stored spec and the instruction go to the planner, the revised spec is compiled, rendered and optionally critiqued, and the result is a new model asset whose record names the edited one as its parent. Same result, job handling and cost cap as create_3d_model.',
  input: z.object({
    model: AssetId.describe("Asset id of the GLB to edit, or of its spec (JSON)."),
    instruction: z
      .string()
      .trim()
      .min(1, "instruction: must not be empty; say what to change.")
      .max(4000, "instruction: longer than 4000 characters; shorten it.")
      .describe("What to change."),
    refine_passes: refinePassesField(1),
    planner: plannerField,
    fresh: z.boolean().default(false).describe("Make the edit again instead of answering from the cache."),
    return: ModelReturnMode.default("preview"),
    ...spendFields,
    wait_seconds: waitSecondsField,
  }),
  output: withJobHandle(ModelCreateOut),
  annotations: PAID,
  async run(args, ctx) {
    requireOpenAIConfigured(ctx.services.config);
    const record = await requireAsset(args.model, ctx.services);
    const spec = await prepareEdit(
      ctx.services,
      { instruction: args.instruction, refinePasses: args.refine_passes, model: args.planner, returnMode: args.return, fresh: args.fresh },
      record,
    );
    if (args.estimate) return estimateOutput(ctx.services, "edit_3d_model", quoteOfModel(spec));
    return answerModel(ctx, spec, args.wait_seconds, { confirmed: args.confirm_cost });
  },
});
