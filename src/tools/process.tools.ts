import { z } from "zod";
import { defineTool } from "../mcp/definitions";
import { imageInputSchema } from "../inputs/image-input";
import { resolveImage } from "../inputs/resolve-images";
import { imageFacts } from "../imaging/image-facts";
import { MAX_OPERATIONS, MAX_OUTPUT_EDGE, MAX_SLICES, Operations, OUTPUT_FORMATS } from "../imaging/operations";
import { processImage, ProcessResultOut } from "../jobs/image-processing";
import { ReturnMode } from "../schemas/asset-view";

/** The example the README and description show; tests run it, so it never goes stale. */
export const PROCESS_IMAGE_EXAMPLE = {
  image: "<asset id>",
  operations: [
    { op: "crop", left: 0, top: 0, width: 64, height: 32 },
    { op: "resize", width: 64, height: 64, fit: "pad", background: "#00000000" },
    { op: "slice", columns: 2, rows: 2 },
  ],
  format: "webp",
};

export const processImageTool = defineTool({
  name: "process_image",
  title: "Process an image",
  description: [
    "Applies image operations in order through Cloudflare Images (no OpenAI, no cost) and stores each result as a new asset with lineage to its input and the operations recorded; an identical request is answered from the cache.",
    "Operations (field `op`): resize {width, height, fit: scale-down|contain|cover|crop|pad|squeeze, gravity, background for pad}; crop {left, top, width, height}; trim {top, right, bottom, left} (pixels cut from each edge); rotate {degrees: 90|180|270}; flip {direction}; blur {radius}; sharpen {amount}; brightness/contrast/gamma {value, 1 = unchanged}; overlay {image, position, margin, opacity, repeat} (watermarks); pad_to_power_of_two {background, align} (texture sizes, never scales); slice {columns, rows} (a sprite sheet into one asset per cell; must be last).",
    `Output: format png (default), jpeg, webp or avif, with quality 1–100. Limits: ${MAX_OPERATIONS} operations, ${MAX_SLICES} slices, ${MAX_OUTPUT_EDGE} px per side.`,
    "Where the server runs without an operation (server_status lists them: locally blur, sharpen, flip, brightness, contrast, gamma, overlay and quality are unavailable) it is refused, never silently skipped. For a file on the user's computer call create_upload first.",
    `Example: ${JSON.stringify(PROCESS_IMAGE_EXAMPLE)}`,
  ].join("\n"),
  input: z.object({
    image: imageInputSchema,
    operations: Operations,
    format: z.enum(OUTPUT_FORMATS).default("png").describe("Format of every output."),
    quality: z.number().int().min(1).max(100).optional().describe("Encoder quality for jpeg, webp and avif, 1–100."),
    fresh: z.boolean().default(false).describe("Process again instead of answering from the cache."),
    return: ReturnMode.default("preview"),
  }),
  output: ProcessResultOut,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, ctx) {
    return processImage(ctx.services, ctx.signal, {
      image: args.image,
      operations: args.operations,
      format: args.format,
      quality: args.quality,
      fresh: args.fresh,
      returnMode: args.return,
    });
  },
});

export const imageInfo = defineTool({
  name: "image_info",
  title: "Image info",
  description:
    "Reads an image without storing anything: format, width and height, bytes, whether it can carry transparency, animation frames where the format says, its SHA-256, and whether it is already stored here (then its asset id). For a file on the user's computer call create_upload first.",
  input: z.object({ image: imageInputSchema }),
  output: z.object({
    format: z.string().describe("MIME type, judged by the bytes."),
    width: z.number().int(),
    height: z.number().int(),
    bytes: z.number().int(),
    alpha: z
      .boolean()
      .optional()
      .describe("Whether the file can carry transparency; absent when the format does not say without decoding (AVIF)."),
    frames: z.number().int().optional().describe("Animation frames (1 for a still); absent when unknown."),
    sha256: z.string(),
    stored: z.boolean(),
    assetId: z.string().optional().describe("The asset id when these bytes are already stored."),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, ctx) {
    const image = await resolveImage(args.image, ctx.services, ctx.signal, "image");
    const facts = imageFacts(image.bytes, image.mime);
    const structured = {
      format: image.mime,
      width: image.width,
      height: image.height,
      bytes: image.bytes.length,
      ...facts,
      sha256: image.sha256,
      stored: image.record !== undefined,
      ...(image.record ? { assetId: image.record.sha256 } : {}),
    };
    const alpha = facts.alpha === undefined ? "" : facts.alpha ? ", with alpha" : ", no alpha";
    const frames = facts.frames && facts.frames > 1 ? `, ${facts.frames} frames` : "";
    return {
      structured,
      summary: `${image.mime} ${image.width}x${image.height}, ${image.bytes.length} bytes${alpha}${frames}; sha256 ${image.sha256}; ${image.record ? `stored as asset ${image.record.sha256}` : "not stored here"}.`,
    };
  },
});
