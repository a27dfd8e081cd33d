/**
 * Runs process_image's operations through the Images binding, one binding call per step with a
 * lossless PNG between steps: the local binding keeps only the last resize of a chained call, and
 * separate calls give every binding the same ordered meaning. Checks against the measured
 * capabilities happen before this runs (see `refuseUnavailable`); here each step's size is read
 * back and bounded.
 */
import { ToolError } from "../errors";
import { bindingErrorText, bytesToStream, drawOnImage, transformImage } from "./binding-io";
import type { ImagingCapabilities } from "./binding-capabilities";
import { encodePng } from "./png-encoder";
import { decodePngToRgba } from "./png-decoder";
import {
  capabilitiesFor,
  MAX_OUTPUT_BYTES,
  MAX_OUTPUT_EDGE,
  MAX_POWER_OF_TWO_EDGE,
  MAX_SLICES,
  nextPowerOfTwo,
  type Operation,
  type ProcessFormat,
} from "./operations";

export interface Picture {
  bytes: Uint8Array;
  width: number;
  height: number;
}

export interface ProcessedOutput extends Picture {
  mime: `image/${ProcessFormat}`;
  /** Set on the cells of a slice: which cell, counted from 0 at the top left. */
  cell?: { row: number; column: number };
}

/** Overlay images, already read and checked, in the order of the overlay operations. */
export type OverlayBytes = Uint8Array[];

const PNG: ImageOutputOptions = { format: "image/png" };

/**
 * Refuses, before any work, an operation (or output option) the binding here does not really
 * apply: returning an unchanged image as if it had been processed would be a lie.
 */
export function refuseUnavailable(
  operations: readonly Operation[],
  output: { format: ProcessFormat; quality?: number },
  capabilities: ImagingCapabilities,
): void {
  const missing = (name: string) => capabilities.unavailable.includes(name);
  const where = capabilities.probeError ? ` (the binding could not be probed: ${capabilities.probeError})` : "";
  operations.forEach((op, i) => {
    const lacking = capabilitiesFor(op).filter(missing);
    if (lacking.length > 0) {
      throw new ToolError(
        `operations[${i}] (${op.op}): unavailable here, works when deployed — the Images binding where this server runs does not apply ${lacking.join(", ")}${where} (measured, see server_status). ` +
          "Remove this operation, or run it on the deployed server.",
        "unsupported",
      );
    }
  });
  if (missing(`${output.format} output`)) {
    throw new ToolError(
      `format: ${output.format} output is unavailable here, works when deployed — the Images binding where this server runs cannot write it${where}. Choose png, jpeg or webp.`,
      "unsupported",
    );
  }
  if (output.quality !== undefined && missing("quality")) {
    throw new ToolError(
      "quality: unavailable here, works when deployed — the Images binding where this server runs ignores the output quality (measured, see server_status). Leave quality out.",
      "unsupported",
    );
  }
}

export class ImageProcessor {
  constructor(private readonly binding: ImagesBinding) {}

  /** Applies every operation in order; a final slice turns the picture into its cells. */
  async run(
    source: Picture,
    operations: readonly Operation[],
    overlays: OverlayBytes,
    signal?: AbortSignal,
  ): Promise<Array<Picture & { cell?: ProcessedOutput["cell"] }>> {
    let picture = source;
    let overlayIndex = 0;
    for (const [i, op] of operations.entries()) {
      stopIfAborted(signal);
      const field = `operations[${i}] (${op.op})`;
      if (op.op === "slice") return this.slice(picture, op.columns, op.rows, field, signal);
      const overlay = op.op === "overlay" ? overlays[overlayIndex++] : undefined;
      picture = await this.apply(picture, op, field, overlay);
      requireWithinBounds(picture, field);
    }
    return [picture];
  }

  /** The final encoding in the requested format, with its bound on size. */
  async encode(
    picture: Picture,
    format: ProcessFormat,
    quality: number | undefined,
  ): Promise<Picture & { mime: `image/${ProcessFormat}` }> {
    const mime = `image/${format}` as const;
    const output: ImageOutputOptions = { format: mime, anim: false, ...(quality !== undefined ? { quality } : {}) };
    const bytes = await this.call(`format (${format})`, () => transformImage(this.binding, picture.bytes, [], output));
    if (bytes.length > MAX_OUTPUT_BYTES) {
      throw new ToolError(
        `the ${format} output is ${bytes.length} bytes, over the ${MAX_OUTPUT_BYTES} byte limit for one output: make it smaller (resize) or choose a compressed format (webp, jpeg).`,
      );
    }
    return { bytes, width: picture.width, height: picture.height, mime };
  }

  private async apply(picture: Picture, op: Exclude<Operation, { op: "slice" }>, field: string, overlay?: Uint8Array): Promise<Picture> {
    switch (op.op) {
      case "resize":
        return this.transform(picture, field, {
          ...(op.width !== undefined ? { width: op.width } : {}),
          ...(op.height !== undefined ? { height: op.height } : {}),
          fit: op.fit,
          gravity: op.gravity,
          ...(op.fit === "pad" ? { background: op.background ?? "#ffffff" } : {}),
        });
      case "crop":
        return this.crop(picture, op, field);
      case "trim": {
        const width = picture.width - op.left - op.right;
        const height = picture.height - op.top - op.bottom;
        if (width < 1 || height < 1) {
          throw new ToolError(
            `${field}: trimming ${op.left}+${op.right} px across and ${op.top}+${op.bottom} px down leaves nothing of a ${picture.width}x${picture.height} image: cut less.`,
          );
        }
        return this.crop(picture, { left: op.left, top: op.top, width, height }, field);
      }
      case "rotate":
        return this.transform(picture, field, { rotate: op.degrees });
      case "flip":
        return this.transform(picture, field, { flip: op.direction === "horizontal" ? "h" : op.direction === "vertical" ? "v" : "hv" });
      case "blur":
        return this.transform(picture, field, { blur: op.radius });
      case "sharpen":
        return this.transform(picture, field, { sharpen: op.amount });
      case "brightness":
        return this.transform(picture, field, { brightness: op.value });
      case "contrast":
        return this.transform(picture, field, { contrast: op.value });
      case "gamma":
        return this.transform(picture, field, { gamma: op.value });
      case "overlay": {
        if (!overlay) throw new ToolError(`${field}: its image was not read.`, "integrity");
        const options: ImageDrawOptions = { opacity: op.opacity, ...placement(op.position, op.margin) };
        if (op.repeat !== "none") options.repeat = op.repeat === "both" ? true : op.repeat;
        const bytes = await this.call(field, () => drawOnImage(this.binding, picture.bytes, overlay, options, PNG));
        return this.measured(bytes, field);
      }
      case "pad_to_power_of_two":
        return this.padToPowerOfTwo(picture, op.background, op.align, field);
    }
  }

  /**
   * A box cut out exactly, without scaling, using only what every binding does: `cover` at a size
   * no larger than the image scales by 1 and drops the overflow on the side opposite `gravity`.
   * Up to four steps: keep the rows down to the box's bottom, then its last rows; the same across.
   */
  async crop(picture: Picture, box: { left: number; top: number; width: number; height: number }, field: string): Promise<Picture> {
    if (box.left + box.width > picture.width || box.top + box.height > picture.height) {
      throw new ToolError(
        `${field}: the box ${box.width}x${box.height} at (${box.left}, ${box.top}) reaches past the ${picture.width}x${picture.height} image: keep left + width ≤ ${picture.width} and top + height ≤ ${picture.height}.`,
      );
    }
    let current = picture;
    const bottom = box.top + box.height;
    const right = box.left + box.width;
    if (bottom < current.height) current = await this.cover(current, current.width, bottom, "top", field);
    if (box.top > 0) current = await this.cover(current, current.width, box.height, "bottom", field);
    if (right < current.width) current = await this.cover(current, right, current.height, "left", field);
    if (box.left > 0) current = await this.cover(current, box.width, current.height, "right", field);
    if (current === picture) return picture;
    if (current.width !== box.width || current.height !== box.height) {
      throw new ToolError(
        `${field}: the Images binding cut ${current.width}x${current.height} instead of ${box.width}x${box.height}; nothing was stored.`,
        "upstream_error",
      );
    }
    return current;
  }

  private async slice(
    picture: Picture,
    columns: number,
    rows: number,
    field: string,
    signal?: AbortSignal,
  ): Promise<Array<Picture & { cell: { row: number; column: number } }>> {
    if (columns * rows > MAX_SLICES) {
      throw new ToolError(
        `${field}: ${columns} x ${rows} = ${columns * rows} cells, over the limit of ${MAX_SLICES} slices per call: slice fewer cells, or a part of the sheet at a time (crop first).`,
      );
    }
    if (picture.width % columns !== 0 || picture.height % rows !== 0) {
      throw new ToolError(
        `${field}: a ${picture.width}x${picture.height} image does not divide into ${columns} columns and ${rows} rows of whole pixels: crop or resize it to a multiple first (e.g. ${Math.floor(picture.width / columns) * columns}x${Math.floor(picture.height / rows) * rows}).`,
      );
    }
    const width = picture.width / columns;
    const height = picture.height / rows;
    const cells: Array<Picture & { cell: { row: number; column: number } }> = [];
    for (let row = 0; row < rows; row++) {
      // A row strip first, then its cells: each cell's cut then reads a strip, not the whole sheet.
      const strip = await this.crop(picture, { left: 0, top: row * height, width: picture.width, height }, `${field} row ${row}`);
      for (let column = 0; column < columns; column++) {
        stopIfAborted(signal);
        const cell = await this.crop(strip, { left: column * width, top: 0, width, height }, `${field} cell ${row},${column}`);
        cells.push({ ...cell, cell: { row, column } });
      }
    }
    return cells;
  }

  /**
   * The picture on the smallest power-of-two canvas that holds it, unscaled. Composed here: the
   * binding's pad fit scales the picture to the canvas, which a texture atlas must not do.
   */
  private async padToPowerOfTwo(picture: Picture, background: string, align: "center" | "top-left", field: string): Promise<Picture> {
    const width = nextPowerOfTwo(picture.width);
    const height = nextPowerOfTwo(picture.height);
    if (width > MAX_POWER_OF_TWO_EDGE || height > MAX_POWER_OF_TWO_EDGE) {
      throw new ToolError(
        `${field}: the canvas would be ${width}x${height}, over the ${MAX_POWER_OF_TWO_EDGE} px limit per side for padding: resize the image to at most ${MAX_POWER_OF_TWO_EDGE} px first.`,
      );
    }
    if (width === picture.width && height === picture.height) return picture;
    const source = await decodePngToRgba(picture.bytes).catch((error: unknown) => {
      throw new ToolError(`${field}: the intermediate PNG could not be read (${String(error)}).`, "upstream_error");
    });
    const fill = parseHexColor(background);
    const dx = align === "center" ? Math.floor((width - source.width) / 2) : 0;
    const dy = align === "center" ? Math.floor((height - source.height) / 2) : 0;
    const canvas = new Uint8Array(width * height * 4);
    for (let i = 0; i < canvas.length; i += 4) canvas.set(fill, i);
    for (let y = 0; y < source.height; y++) {
      canvas.set(source.rgba.subarray(y * source.width * 4, (y + 1) * source.width * 4), ((y + dy) * width + dx) * 4);
    }
    return { bytes: await encodePng({ width, height, alpha: true, rgba: canvas }), width, height };
  }

  private cover(
    picture: Picture,
    width: number,
    height: number,
    gravity: "top" | "bottom" | "left" | "right",
    field: string,
  ): Promise<Picture> {
    return this.transform(picture, field, { width, height, fit: "cover", gravity });
  }

  private async transform(picture: Picture, field: string, transform: ImageTransform): Promise<Picture> {
    const bytes = await this.call(field, () => transformImage(this.binding, picture.bytes, [transform], PNG));
    return this.measured(bytes, field);
  }

  private async measured(bytes: Uint8Array, field: string): Promise<Picture> {
    const info = await this.binding.info(bytesToStream(bytes)).catch((error: unknown) => {
      throw new ToolError(`${field}: the Images binding's output could not be read back: ${bindingErrorText(error)}`, "upstream_error");
    });
    if (!("width" in info)) throw new ToolError(`${field}: the Images binding returned a vector image.`, "upstream_error");
    return { bytes, width: info.width, height: info.height };
  }

  private async call(field: string, run: () => Promise<{ bytes: Uint8Array }>): Promise<Uint8Array> {
    try {
      return (await run()).bytes;
    } catch (error) {
      throw new ToolError(
        `${field}: the Images binding could not process the image (${bindingErrorText(error)}); a truncated or corrupt input file causes this: export it again and retry.`,
        "upstream_error",
      );
    }
  }
}

/** A cancelled or timed-out call stops between binding calls; nothing has been stored yet. */
function stopIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ToolError("The call was cancelled or ran out of time; nothing was stored.", "cancelled");
}

function requireWithinBounds(picture: Picture, field: string): void {
  if (picture.width > MAX_OUTPUT_EDGE || picture.height > MAX_OUTPUT_EDGE) {
    throw new ToolError(
      `${field}: the result would be ${picture.width}x${picture.height}, over the ${MAX_OUTPUT_EDGE} px limit per side: use smaller sizes.`,
    );
  }
}

function placement(position: string, margin: number): ImageDrawOptions {
  switch (position) {
    case "top-left":
      return { top: margin, left: margin };
    case "top-right":
      return { top: margin, right: margin };
    case "bottom-left":
      return { bottom: margin, left: margin };
    case "bottom-right":
      return { bottom: margin, right: margin };
    default:
      return {}; // the binding centres an overlay given no edges
  }
}

/** "#rrggbb" or "#rrggbbaa" (checked by the schema) as RGBA bytes. */
export function parseHexColor(hex: string): Uint8Array {
  const value = hex.slice(1);
  const channel = (i: number) => parseInt(value.slice(i * 2, i * 2 + 2), 16);
  return Uint8Array.of(channel(0), channel(1), channel(2), value.length === 8 ? channel(3) : 255);
}
