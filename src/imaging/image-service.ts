/**
 * All pixel work the server does, through the Cloudflare Images binding (no image libraries in
 * the bundle). Every method reads the image's real size and format with `info()` first, so bytes
 * that are not an image fail with a clear tool error before any transform runs.
 */
import { ToolError } from "../errors";
import { bindingCapabilities, type ImagingCapabilities } from "./binding-capabilities";
import { bindingErrorText, bytesToStream, transformImage } from "./binding-io";
import { describeColorType, isPng, pngHasAlpha, readPngHeader } from "./png-header";
import { ImageProcessor } from "./processor";
import { readWebpSize } from "./webp-header";

export type { ImagingCapabilities, OutputFormat } from "./binding-capabilities";

export interface ImageInfo {
  /** MIME type as the binding reports it: image/png, image/jpeg, image/webp, image/gif or image/avif. */
  format: string;
  width: number;
  height: number;
  bytes: number;
}

export type WebImageFormat = "png" | "jpeg" | "webp";
export type WebImageMime = `image/${WebImageFormat}`;

export interface RenderedImage<Mime extends string> {
  bytes: Uint8Array;
  mime: Mime;
  width: number;
  height: number;
}

export interface FittedImage extends RenderedImage<WebImageMime> {
  /** false when the image already fitted: then `bytes` may be the input itself. */
  resized: boolean;
}

export const PREVIEW_MAX_EDGE = 512;
const PREVIEW_QUALITY = 80;
const WEB_IMAGE_MIMES: ReadonlySet<string> = new Set<WebImageMime>(["image/png", "image/jpeg", "image/webp"]);

export interface PreviewOptions {
  /** The long side's limit in pixels (default 512). */
  maxEdge?: number;
  /** The source's size when the caller already read it: skips asking the binding (one round trip of the whole file). */
  known?: { width: number; height: number };
  /** Called once the binding has taken the whole input, or gave up reading it (see bytesToStream). */
  onInputTaken?: () => void;
}

export class ImageService {
  constructor(private readonly binding: ImagesBinding) {}

  async info(bytes: Uint8Array): Promise<ImageInfo> {
    if (bytes.length === 0) throw new ToolError("the image is empty (0 bytes).", "invalid_input");
    let response: ImageInfoResponse;
    try {
      response = await this.binding.info(bytesToStream(bytes));
    } catch (error) {
      throw notAnImage(bytes, error);
    }
    if (!("width" in response)) {
      throw new ToolError("the image is an SVG, a vector document: rasterize it to PNG first, then pass the PNG.", "unsupported");
    }
    return { format: response.format, width: response.width, height: response.height, bytes: bytes.length };
  }

  /**
   * A WebP no larger than `maxEdge` on its long side, never upscaled: what tool results show inline.
   * The preview's own size comes from its WebP header (no second round trip).
   */
  async renderPreview(bytes: Uint8Array, options: PreviewOptions = {}): Promise<RenderedImage<"image/webp">> {
    const { maxEdge = PREVIEW_MAX_EDGE, known, onInputTaken } = options;
    requirePositiveInteger("maxEdge", maxEdge);
    const source = known ?? (await this.info(bytes));
    const shrink = Math.max(source.width, source.height) > maxEdge;
    const transforms: ImageTransform[] = shrink ? [{ width: maxEdge, height: maxEdge, fit: "scale-down" }] : [];
    // anim: false keeps one frame: a preview is a still.
    const output = await this.transform(bytes, transforms, { format: "image/webp", quality: PREVIEW_QUALITY, anim: false }, onInputTaken);
    const size = shrink ? (readWebpSize(output) ?? (await this.info(output))) : source;
    return { bytes: output, mime: "image/webp", width: size.width, height: size.height };
  }

  /**
   * Downscales to fit within maxWidth x maxHeight (aspect kept) when the image is larger. An image
   * that already fits comes back untouched if it is PNG, JPEG or WebP, and is converted to
   * `format` otherwise (GIF, AVIF), so callers always get a format vision models accept.
   */
  async fitWithin(bytes: Uint8Array, maxWidth: number, maxHeight: number, format: WebImageFormat): Promise<FittedImage> {
    requirePositiveInteger("maxWidth", maxWidth);
    requirePositiveInteger("maxHeight", maxHeight);
    const source = await this.info(bytes);
    const fits = source.width <= maxWidth && source.height <= maxHeight;
    if (fits && isWebImageMime(source.format)) {
      return { bytes, mime: source.format, width: source.width, height: source.height, resized: false };
    }
    const mime: WebImageMime = `image/${format}`;
    const transforms: ImageTransform[] = fits ? [] : [{ width: maxWidth, height: maxHeight, fit: "scale-down" }];
    const output = await this.transform(bytes, transforms, { format: mime, anim: false });
    const size = fits ? source : await this.info(output);
    return { bytes: output, mime, width: size.width, height: size.height, resized: !fits };
  }

  /** The image as PNG; a PNG comes back as is. */
  async toPng(bytes: Uint8Array): Promise<Uint8Array> {
    if (isPng(bytes)) return bytes;
    await this.info(bytes); // a clear error for bytes that are not an image
    return this.transform(bytes, [], { format: "image/png", anim: false });
  }

  /**
   * A mask or markup overlay as OpenAI wants it: a PNG with an alpha channel and exactly the first
   * input image's size. Other formats are converted to PNG. One without an alpha channel is refused
   * rather than converted: deriving alpha from brightness is pixel work the binding cannot do, and
   * an opaque mask would change nothing (an opaque markup would hide the image). One of another
   * size is refused too, never resized: stretching it would move the area it marks.
   */
  async prepareOverlay(bytes: Uint8Array, expected: { width: number; height: number }, role: OverlayRole): Promise<Uint8Array> {
    const overlay = await this.info(bytes);
    requireSameSize(overlay, expected, role);
    const png = await this.toPng(bytes);
    const header = readPngHeader(png);
    if (!header) {
      throw new ToolError(
        `the ${role} (${overlay.format}) could not be converted to a readable PNG; export it as a PNG with an alpha channel.`,
        "invalid_input",
      );
    }
    requireSameSize(header, expected, role); // a conversion may apply EXIF orientation
    if (!pngHasAlpha(header)) throw overlayWithoutAlpha(role, overlay.format, describeColorType(header.colorType));
    return png;
  }

  /** process_image's operations over this binding. */
  processor(): ImageProcessor {
    return new ImageProcessor(this.binding);
  }

  /** What the binding really does where this isolate runs; probed once per isolate. */
  capabilities(): Promise<ImagingCapabilities> {
    return bindingCapabilities(this.binding);
  }

  private async transform(
    bytes: Uint8Array,
    transforms: ImageTransform[],
    output: ImageOutputOptions,
    onInputTaken?: () => void,
  ): Promise<Uint8Array> {
    try {
      return (await transformImage(this.binding, bytes, transforms, output, onInputTaken)).bytes;
    } catch (error) {
      throw new ToolError(`the Images binding could not produce ${output.format}: ${bindingErrorText(error)}`, "upstream_error");
    }
  }
}

function isWebImageMime(mime: string): mime is WebImageMime {
  return WEB_IMAGE_MIMES.has(mime);
}

function notAnImage(bytes: Uint8Array, error: unknown): ToolError {
  const leading = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join(" ");
  return new ToolError(
    `the ${bytes.length} bytes given are not an image the Images binding can read (leading bytes ${leading}; ` +
      `binding says: ${bindingErrorText(error)}). Pass a PNG, JPEG, WebP, GIF or AVIF file.`,
    "invalid_input",
  );
}

/** The two PNG overlays an edit takes: a mask (where to edit) or markup (marks drawn on the image). */
export type OverlayRole = "mask" | "markup";

const OVERLAY_PURPOSE: Record<OverlayRole, { moves: string; alpha: string; fix: string }> = {
  mask: {
    moves: "the area to edit",
    alpha: "An edit mask marks the area to change with fully transparent pixels (alpha 0), so this one would change nothing.",
    fix: "transparent where the image should change, opaque elsewhere",
  },
  markup: {
    moves: "the marks",
    alpha: "Markup is laid over the first image, so without transparency it would hide the image.",
    fix: "your marks opaque, transparent everywhere else",
  },
};

function requireSameSize(overlay: { width: number; height: number }, expected: { width: number; height: number }, role: OverlayRole): void {
  if (overlay.width === expected.width && overlay.height === expected.height) return;
  const want = `${expected.width}x${expected.height}`;
  throw new ToolError(
    `the ${role} is ${overlay.width}x${overlay.height} but the first input image is ${want}: a ${role} must have exactly the image's size. ` +
      `Export the ${role} at ${want} and try again (it is not resized here, since stretching it would move ${OVERLAY_PURPOSE[role].moves}).`,
    "invalid_input",
  );
}

function overlayWithoutAlpha(role: OverlayRole, format: string, colorType: string): ToolError {
  const what =
    format === "image/jpeg"
      ? `the ${role} is a JPEG, which cannot carry transparency`
      : format === "image/png"
        ? `the ${role} is a PNG without an alpha channel (${colorType})`
        : `the ${role} (${format}, converted to PNG) has no alpha channel`;
  const purpose = OVERLAY_PURPOSE[role];
  return new ToolError(`${what}. ${purpose.alpha} Export the ${role} as a PNG with an alpha channel: ${purpose.fix}.`, "invalid_input");
}

function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1)
    throw new ToolError(`${name} must be a positive whole number of pixels, got ${value}.`, "invalid_input");
}
