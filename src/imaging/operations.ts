/**
 * process_image's operations as data: the zod union a tool call is checked against, the limits,
 * and which measured binding capabilities each operation needs (see binding-capabilities.ts).
 * Every object schema here constrains something and no field is a `type` array, so the tool's
 * input schema stays portable (src/schemas/portable.ts).
 */
import { z } from "zod";

/** Longest side of any intermediate or output image: Cloudflare Images' own output bound. */
export const MAX_OUTPUT_EDGE = 12_000;
/** Largest output file; bigger results are refused rather than stored. */
export const MAX_OUTPUT_BYTES = 25 * 1024 * 1024;
/** Operations per call: each is one binding round trip over the whole image. */
export const MAX_OPERATIONS = 20;
/** Cells a sprite sheet may be sliced into in one call. */
export const MAX_SLICES = 64;
/**
 * Padding to a power of two composes pixels in the Worker: the decoded source and the canvas
 * (4 bytes a pixel each, 16 MiB apiece at 2048²) plus the PNG encoder's rows must stay well inside
 * an isolate's 128 MB; at 4096² the two alone would take all of it.
 */
export const MAX_POWER_OF_TWO_EDGE = 2048;

export const OUTPUT_FORMATS = ["png", "jpeg", "webp", "avif"] as const;
export type ProcessFormat = (typeof OUTPUT_FORMATS)[number];

export const FITS = ["scale-down", "contain", "cover", "crop", "pad", "squeeze"] as const;
export type Fit = (typeof FITS)[number];

const HEX_COLOR = /^#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/;
const color = (what: string) =>
  z
    .string()
    .regex(HEX_COLOR, `must be a colour written #rrggbb or #rrggbbaa (e.g. "#ffffff" or "#00000000" for transparent)`)
    .describe(what);
const edge = (what: string) =>
  z.number().int().min(1).max(MAX_OUTPUT_EDGE, `must be at most ${MAX_OUTPUT_EDGE} pixels (the Images binding's limit)`).describe(what);
const offset = (what: string) => z.number().int().min(0).max(MAX_OUTPUT_EDGE).describe(what);

const Resize = z
  .object({
    op: z.literal("resize"),
    width: edge("Target width in pixels.").optional(),
    height: edge("Target height in pixels.").optional(),
    fit: z
      .enum(FITS)
      .default("scale-down")
      .describe(
        "scale-down: shrink to fit inside, never enlarge (default); contain: fit inside, enlarging if needed; cover: fill the box, cropping the overflow; crop: like cover but never enlarges; pad: fit inside and fill the rest with `background`; squeeze: stretch to exactly width x height.",
      ),
    gravity: z.enum(["center", "top", "bottom", "left", "right"]).default("center").describe("Which side cover and crop keep."),
    background: color("Fill colour for fit pad (default white).").optional(),
  })
  .refine((r) => r.width !== undefined || r.height !== undefined, { message: "give width, height or both", path: ["width"] });

const Crop = z.object({
  op: z.literal("crop"),
  left: offset("Pixels from the left edge to the box."),
  top: offset("Pixels from the top edge to the box."),
  width: edge("Box width in pixels."),
  height: edge("Box height in pixels."),
});

const Trim = z
  .object({
    op: z.literal("trim"),
    top: offset("Pixels cut from the top.").default(0),
    right: offset("Pixels cut from the right.").default(0),
    bottom: offset("Pixels cut from the bottom.").default(0),
    left: offset("Pixels cut from the left.").default(0),
  })
  .refine((t) => t.top + t.right + t.bottom + t.left > 0, { message: "cut at least one pixel from some edge", path: ["top"] });

const Rotate = z.object({
  op: z.literal("rotate"),
  degrees: z.union([z.literal(90), z.literal(180), z.literal(270)]).describe("Clockwise: 90, 180 or 270."),
});

const Flip = z.object({
  op: z.literal("flip"),
  direction: z.enum(["horizontal", "vertical", "both"]).describe("horizontal mirrors left-right, vertical top-bottom."),
});

const Blur = z.object({ op: z.literal("blur"), radius: z.number().min(1).max(250).describe("Blur radius, 1–250.") });
const Sharpen = z.object({ op: z.literal("sharpen"), amount: z.number().min(0.1).max(10).describe("Sharpening strength, 0.1–10.") });
const factor = (what: string) => z.number().min(0.1).max(5).describe(`${what}: 1 leaves it unchanged, 0.5 halves, 2 doubles (0.1–5).`);
const Brightness = z.object({ op: z.literal("brightness"), value: factor("Brightness factor") });
const Contrast = z.object({ op: z.literal("contrast"), value: factor("Contrast factor") });
const Gamma = z.object({ op: z.literal("gamma"), value: factor("Gamma") });

const Overlay = z.object({
  op: z.literal("overlay"),
  image: z.string().min(1).describe("The watermark or overlay: an asset id, an https URL or base64 (use create_upload for a local file)."),
  position: z
    .enum(["center", "top-left", "top-right", "bottom-left", "bottom-right"])
    .default("bottom-right")
    .describe("Where the overlay goes."),
  margin: offset("Distance from the chosen edges in pixels.").default(0),
  opacity: z.number().min(0).max(1).default(1).describe("0 invisible … 1 opaque."),
  repeat: z.enum(["none", "both", "x", "y"]).default("none").describe("Tile the overlay across the image."),
});

const PadToPowerOfTwo = z.object({
  op: z.literal("pad_to_power_of_two"),
  background: color("Canvas colour (default transparent).").default("#00000000"),
  align: z.enum(["center", "top-left"]).default("center").describe("Where the picture sits on the larger canvas."),
});

const Slice = z.object({
  op: z.literal("slice"),
  columns: z.number().int().min(1).max(MAX_SLICES).describe("Cells across."),
  rows: z.number().int().min(1).max(MAX_SLICES).describe("Cells down."),
});

export const Operation = z.discriminatedUnion("op", [
  Resize,
  Crop,
  Trim,
  Rotate,
  Flip,
  Blur,
  Sharpen,
  Brightness,
  Contrast,
  Gamma,
  Overlay,
  PadToPowerOfTwo,
  Slice,
]);
export type Operation = z.output<typeof Operation>;
export type OperationName = Operation["op"];

export const Operations = z
  .array(Operation)
  .min(1, "give at least one operation")
  .max(MAX_OPERATIONS, `at most ${MAX_OPERATIONS} operations per call: split the work into several calls`)
  .refine((ops) => ops.every((op, i) => op.op !== "slice" || i === ops.length - 1), {
    message: "slice must be the last operation (its cells are the outputs)",
  })
  .describe("Applied in order to the image.");

/**
 * The measured capabilities (names in ImagingCapabilities.unavailable) an operation needs.
 * Crop, trim and slice need "crop"; padding to a power of two composes pixels here and needs
 * only PNG output, which every binding writes.
 */
export function capabilitiesFor(op: Operation): string[] {
  switch (op.op) {
    case "resize":
      return ["resize", `fit ${op.fit}`];
    case "crop":
    case "trim":
    case "slice":
      return ["crop"];
    case "rotate":
      return ["rotate"];
    case "overlay":
      return ["draw"];
    case "pad_to_power_of_two":
      return [];
    default:
      return [op.op];
  }
}

/** The smallest power of two at least `n`. */
export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Every operation name with a representative of its needs, for server_status. */
const OPERATION_NEEDS: Record<OperationName, string[]> = {
  resize: ["resize"],
  crop: ["crop"],
  trim: ["crop"],
  rotate: ["rotate"],
  flip: ["flip"],
  blur: ["blur"],
  sharpen: ["sharpen"],
  brightness: ["brightness"],
  contrast: ["contrast"],
  gamma: ["gamma"],
  overlay: ["draw"],
  pad_to_power_of_two: [],
  slice: ["crop"],
};

/** process_image's operations (and output options) that the measured binding here cannot apply. */
export function unavailableProcessOperations(unavailable: readonly string[]): string[] {
  const ops = (Object.keys(OPERATION_NEEDS) as OperationName[]).filter((op) =>
    OPERATION_NEEDS[op].some((need) => unavailable.includes(need)),
  );
  const fits = FITS.filter((fit) => unavailable.includes(`fit ${fit}`)).map((fit) => `resize fit ${fit}`);
  const output = [
    ...(unavailable.includes("quality") ? ["quality"] : []),
    ...OUTPUT_FORMATS.filter((f) => unavailable.includes(`${f} output`)).map((f) => `format ${f}`),
  ];
  return [...ops, ...fits, ...output];
}
