import { z } from "zod";
import { defineTool } from "../mcp/definitions";
import { buildModel, ModelResultOut, ModelReturnMode } from "../jobs/model-build";
import { ModelSpec } from "../mesh/spec";

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
