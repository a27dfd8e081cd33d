/**
 * The 3D part spec: what an assistant (or the planner, through strict structured outputs)
 * writes to describe a model. A flat list of parts, each naming its parent, so language
 * models never have to balance deep nesting.
 *
 * Optional fields are `.nullable().default(null)`: the tool's input schema (zod `io:
 * "input"`) keeps them optional, while the strict export (`io: "output"`) makes every
 * property required and nullable, as OpenAI's strict subset demands.
 */
import { z } from "zod";

/** Bounds that keep every spec's tessellation within about a second of CPU. */
export const SPEC_LIMITS = {
  parts: 256,
  depth: 8,
  materials: 64,
  segments: { min: 3, max: 128 },
  profilePoints: 64,
  outlinePoints: 128,
  holes: 8,
  holePoints: 32,
  arrayCount: 64,
  /** Copies of all parts together, after mirror and array operators compound down the tree. */
  instances: 4096,
  lods: 4,
  triangleBudget: { default: 50_000, max: 200_000 },
  /** Largest coordinate or size, metres: anything bigger is a unit mistake. */
  extent: 10_000,
} as const;

const optional = <T extends z.ZodType>(schema: T) => schema.nullable().default(null);

const length = z.number().min(-SPEC_LIMITS.extent).max(SPEC_LIMITS.extent);
const positiveLength = z.number().min(0).max(SPEC_LIMITS.extent);
const vec3 = (description: string) => z.array(length).length(3).describe(description);
const vec2 = z.array(length).length(2);
const segments = (fallback: number) =>
  optional(z.number().int().min(SPEC_LIMITS.segments.min).max(SPEC_LIMITS.segments.max)).describe(
    `Segments around curves, ${SPEC_LIMITS.segments.min}–${SPEC_LIMITS.segments.max}; default ${fallback}. Fewer = lower poly.`,
  );
const hexColor = z
  .string()
  .regex(/^#[0-9a-fA-F]{6}$/, 'a colour is "#rrggbb", e.g. "#8b5a2b"')
  .describe('sRGB hex, e.g. "#8b5a2b".');

export const DEFAULT_SEGMENTS = {
  sphere: 32,
  cylinder: 32,
  cone: 32,
  capsule: 16,
  torus: 32,
  lathe: 32,
  roundedBox: 4,
} as const;

const shapeType = <T extends string>(name: T) => z.enum([name]);

const BoxShape = z
  .object({
    type: shapeType("box"),
    size: vec3("Width (x), height (y), depth (z) in metres."),
  })
  .strict();

const RoundedBoxShape = z
  .object({
    type: shapeType("rounded_box"),
    size: vec3("Width (x), height (y), depth (z) in metres."),
    radius: positiveLength.describe("Corner radius; at most half the smallest side."),
    segments: segments(DEFAULT_SEGMENTS.roundedBox),
  })
  .strict();

const SphereShape = z
  .object({
    type: shapeType("sphere"),
    radius: positiveLength,
    segments: segments(DEFAULT_SEGMENTS.sphere),
  })
  .strict();

const CylinderShape = z
  .object({
    type: shapeType("cylinder"),
    radius: positiveLength,
    height: positiveLength.describe("Along y, centred on the part's origin."),
    segments: segments(DEFAULT_SEGMENTS.cylinder),
  })
  .strict();

const ConeShape = z
  .object({
    type: shapeType("cone"),
    radius_bottom: positiveLength,
    radius_top: optional(positiveLength).describe("0 or null: a pointed cone; > 0: a frustum."),
    height: positiveLength.describe("Along y, centred on the part's origin."),
    segments: segments(DEFAULT_SEGMENTS.cone),
  })
  .strict();

const CapsuleShape = z
  .object({
    type: shapeType("capsule"),
    radius: positiveLength,
    height: positiveLength.describe("Total height along y including both caps; at least 2 × radius."),
    segments: segments(DEFAULT_SEGMENTS.capsule),
  })
  .strict();

const TorusShape = z
  .object({
    type: shapeType("torus"),
    radius: positiveLength.describe("From the centre to the middle of the tube."),
    tube: positiveLength.describe("Tube radius, smaller than radius."),
    segments: segments(DEFAULT_SEGMENTS.torus),
  })
  .strict()
  .describe("A ring lying flat in the x/z plane (a donut), hole along y.");

const PlaneShape = z
  .object({
    type: shapeType("plane"),
    size: z.array(positiveLength).length(2).describe("Width (x) and depth (z); faces +y."),
  })
  .strict();

const LatheShape = z
  .object({
    type: shapeType("lathe"),
    profile: z
      .array(vec2)
      .min(2)
      .max(SPEC_LIMITS.profilePoints)
      .describe("[radius, y] points, bottom to top, radius ≥ 0; revolved around the y axis (vases, bottles, goblets)."),
    segments: segments(DEFAULT_SEGMENTS.lathe),
  })
  .strict();

const ExtrudeShape = z
  .object({
    type: shapeType("extrude"),
    outline: z
      .array(vec2)
      .min(3)
      .max(SPEC_LIMITS.outlinePoints)
      .describe("[x, y] points of a simple polygon (no self-crossing) in the x/y plane."),
    holes: optional(
      z.array(z.array(vec2).min(3).max(SPEC_LIMITS.holePoints)).max(SPEC_LIMITS.holes).describe("Polygons inside the outline cut through."),
    ),
    depth: positiveLength.describe("Thickness along z, centred on the part's origin."),
    bevel: optional(positiveLength).describe("Edge bevel size in metres; null for sharp edges."),
  })
  .strict();

export const ShapeSpec = z
  .discriminatedUnion("type", [
    BoxShape,
    RoundedBoxShape,
    SphereShape,
    CylinderShape,
    ConeShape,
    CapsuleShape,
    TorusShape,
    PlaneShape,
    LatheShape,
    ExtrudeShape,
  ])
  .describe("The primitive, centred on the part's origin unless noted.");

export const AXES = ["x", "y", "z"] as const;
export type Axis = (typeof AXES)[number];

export const ATTACH_SIDES = ["top", "bottom", "left", "right", "front", "back", "center"] as const;
export type AttachSide = (typeof ATTACH_SIDES)[number];

const AttachSpec = z
  .object({
    to: z.string().describe("Id of the part to attach to."),
    side: z
      .enum(ATTACH_SIDES)
      .describe(
        "Where on `to` this part goes: top = sits on it, bottom = hangs below it, left (-x) / right (+x) / front (+z) / back (-z) = against that face, centred on the face; center = centres coincide.",
      ),
    offset: optional(vec3("Shift in metres after snapping, e.g. [0.3, 0, 0] to sit off-centre.")),
  })
  .strict()
  .describe("Snap this part so it touches `to` (replaces `position`). Attach to parts listed earlier or elsewhere.");

const ArraySpec = z
  .object({
    kind: z.enum(["linear", "radial"]),
    count: z.number().int().min(2).max(SPEC_LIMITS.arrayCount).describe("Total copies including the original."),
    offset: optional(vec3("linear: step between copies in metres.")),
    axis: optional(z.enum(AXES)).describe("radial: axis through the parent's origin to rotate copies around; default y."),
  })
  .strict()
  .describe("Repeat the part (with its children): linear steps by `offset`, radial spreads copies evenly over 360°.");

export const PartSpec = z
  .object({
    id: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9_.-]+$/, "an id uses letters, digits, _ . - only")
      .describe("Unique name, e.g. leg_front_left; becomes the glTF node name."),
    parent: z.string().nullable().describe("Parent part id, or null for a root part. Children move with their parent."),
    shape: ShapeSpec,
    material: optional(z.string()).describe("A material name from `materials`; null for the default grey."),
    position: optional(vec3("Centre in metres, relative to the parent (x right, y up, z front).")),
    rotation: optional(vec3("Degrees about x, y, z (applied in that order).")),
    scale: optional(vec3("Scale factors; prefer shape sizes.")),
    attach: optional(AttachSpec),
    mirror: optional(
      z.array(z.enum(AXES)).max(3).describe('Also add mirrored copies across the parent\'s planes, e.g. ["x"] makes a left and a right.'),
    ),
    array: optional(ArraySpec),
  })
  .strict();

export const MaterialSpec = z
  .object({
    name: z.string().min(1).max(64),
    color: hexColor,
    metallic: optional(z.number().min(0).max(1)).describe("0 dielectric (default) … 1 metal."),
    roughness: optional(z.number().min(0).max(1)).describe("0 mirror … 1 matte; default 0.6."),
    emissive: optional(hexColor).describe("Glow colour; null for none."),
    emissive_strength: optional(z.number().min(0).max(100)).describe("Glow multiplier; default 1."),
    opacity: optional(z.number().min(0).max(1)).describe("1 opaque (default); below 1 blends (glass)."),
    double_sided: optional(z.boolean()).describe("Render both faces (leaves, thin planes)."),
  })
  .strict();

export const ORIGINS = ["bottom_center", "center"] as const;
export const COLLIDER_KINDS = ["none", "box", "hull"] as const;

export const OptionsSpec = z
  .object({
    triangle_budget: optional(z.number().int().min(12).max(SPEC_LIMITS.triangleBudget.max)).describe(
      `Max triangles (default ${SPEC_LIMITS.triangleBudget.default}, max ${SPEC_LIMITS.triangleBudget.max}); curves lose segments to fit.`,
    ),
    origin: optional(z.enum(ORIGINS)).describe("Model origin: bottom_center (default, sits on the ground) or center."),
    lods: optional(
      z
        .array(z.number().gt(0).lt(1))
        .max(SPEC_LIMITS.lods)
        .describe("Extra levels of detail as fractions of full detail, e.g. [0.5, 0.25]."),
    ),
    colliders: optional(z.enum(COLLIDER_KINDS)).describe("Per-part collision shapes: none (default), box or hull."),
  })
  .strict();

export const ModelSpec = z
  .object({
    name: optional(z.string().max(100)).describe("What the model is, e.g. wooden chair."),
    materials: optional(z.array(MaterialSpec).max(SPEC_LIMITS.materials)),
    parts: z.array(PartSpec).min(1).max(SPEC_LIMITS.parts).describe(`A flat list; nest with parent (depth ≤ ${SPEC_LIMITS.depth}).`),
    options: optional(OptionsSpec),
  })
  .strict()
  .describe("A 3D model in metres, +y up, front facing +z, built from named primitive parts.");

export type ModelSpec = z.output<typeof ModelSpec>;
export type ModelSpecInput = z.input<typeof ModelSpec>;
export type PartSpec = z.output<typeof PartSpec>;
export type ShapeSpec = z.output<typeof ShapeSpec>;
export type MaterialSpec = z.output<typeof MaterialSpec>;

/** Keywords OpenAI's strict structured outputs accept; anything else is dropped from the export. */
const STRICT_KEYWORDS = new Set([
  "type",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "anyOf",
  "enum",
  "const",
  "description",
  "$ref",
  "$defs",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minItems",
  "maxItems",
  "pattern",
]);

type JsonSchemaNode = { [key: string]: unknown };

function stripToStrict(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripToStrict);
  if (node === null || typeof node !== "object") return node;
  const { type, description, ...rest } = node as JsonSchemaNode;
  if (Array.isArray(type)) {
    // zod writes nullable primitives as a `type` array, which the subset refuses: use anyOf.
    const branches = type.map((t) => (t === "null" ? { type: "null" } : stripToStrict({ ...rest, type: t })));
    return description === undefined ? { anyOf: branches } : { description, anyOf: branches };
  }
  const out: JsonSchemaNode = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "oneOf") {
      // A discriminated union's branches are disjoint, so anyOf (which the subset allows) means the same.
      out.anyOf = stripToStrict(value);
      continue;
    }
    if (!STRICT_KEYWORDS.has(key)) continue;
    if (key === "properties" || key === "$defs") {
      out[key] = Object.fromEntries(Object.entries(value as JsonSchemaNode).map(([k, v]) => [k, stripToStrict(v)]));
    } else if (key === "minimum" || key === "maximum") {
      // zod writes ±MAX_SAFE_INTEGER bounds on every integer; they say nothing to a model.
      if (Math.abs(value as number) < Number.MAX_SAFE_INTEGER) out[key] = value;
    } else {
      out[key] = stripToStrict(value);
    }
  }
  return out;
}

/**
 * The spec as JSON Schema inside OpenAI's strict structured-output subset: every property
 * required (optional ones nullable through `anyOf` with `{type: "null"}`), closed objects,
 * only `anyOf` for alternatives, no keywords the subset refuses.
 */
export function modelSpecJsonSchema(): JsonSchemaNode {
  const raw = z.toJSONSchema(ModelSpec, { io: "output", target: "draft-2020-12", unrepresentable: "throw" });
  return stripToStrict(raw) as JsonSchemaNode;
}

/** The schema a tool advertises for its input: optional fields stay optional for clients. */
export function modelSpecInputJsonSchema(): JsonSchemaNode {
  return z.toJSONSchema(ModelSpec, { io: "input" }) as JsonSchemaNode;
}
