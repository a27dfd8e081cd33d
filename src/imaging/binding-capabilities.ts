/**
 * What the Images binding really does where this isolate runs. The local binding (wrangler dev,
 * the test pool) silently ignores most effects and cannot write GIF, so instead of trusting the
 * API surface we apply each operation to a tiny generated image and look at the result: an
 * operation whose output equals the untouched image is unavailable here.
 *
 * Probing costs one binding call per operation (about 15, run in parallel), so it runs once per
 * isolate and binding, and only when someone asks.
 */
import { bindingErrorText, bytesToStream, drawOnImage, transformImage, type OutputMime } from "./binding-io";
import { encodePng, type Rgba } from "./png-encoder";
import { decodePngToRgba } from "./png-decoder";
import { FITS, type Fit } from "./operations";
import { ImageProcessor } from "./processor";

export type OutputFormat = "png" | "jpeg" | "webp" | "avif" | "gif";

export interface ImagingCapabilities {
  resize: boolean;
  rotate: boolean;
  /** Output formats the binding can write here. */
  convert: OutputFormat[];
  /** Resize fits that give the size (and, for pad, the background) they promise here. */
  fits: Fit[];
  /** Whether a box can be cut out exactly (crop, trim, slice), checked pixel by pixel. */
  crop: boolean;
  /** Whether the output quality changes what the binding writes. */
  quality: boolean;
  /** Operations (transform option names, "fit <name>", "crop", "quality", "draw", "<format> output") that fail or change nothing here. */
  unavailable: string[];
  /** Set when the probe itself could not run; then nothing is known to work and the result is not cached. */
  probeError?: string;
}

const OUTPUT_FORMATS: readonly OutputFormat[] = ["png", "jpeg", "webp", "avif", "gif"];

/** Effects that must visibly change the probe image; each is tried on its own. */
const EFFECT_PROBES: ReadonlyArray<readonly [name: string, transform: ImageTransform]> = [
  ["blur", { blur: 5 }],
  ["sharpen", { sharpen: 5 }],
  ["flip", { flip: "h" }],
  ["brightness", { brightness: 1.8 }],
  ["contrast", { contrast: 1.8 }],
  ["gamma", { gamma: 2 }],
  ["saturation", { saturation: 0 }],
  ["trim", { trim: { top: 2, bottom: 2, left: 2, right: 2 } }],
  ["border", { border: { color: "#ff0000", width: 2 } }],
];

const PROBE_WIDTH = 16;
const PROBE_HEIGHT = 12;
const COMPARISON_FORMAT: ImageOutputOptions = { format: "image/png" }; // lossless and deterministic

/** Each fit resizing the 16x12 probe into an 8x8 box, and the size it must give. */
const FIT_EXPECTATIONS: Record<Fit, readonly [number, number]> = {
  "scale-down": [8, 6],
  contain: [8, 6],
  cover: [8, 8],
  crop: [8, 8],
  pad: [8, 8],
  squeeze: [8, 8],
};
const PAD_PROBE_BACKGROUND = "#ff0000";
const CROP_PROBE_BOX = { left: 3, top: 2, width: 5, height: 4 };

const probes = new WeakMap<ImagesBinding, Promise<ImagingCapabilities>>();

export function bindingCapabilities(binding: ImagesBinding): Promise<ImagingCapabilities> {
  const cached = probes.get(binding);
  if (cached) return cached;
  const probing = probeCapabilities(binding).catch((error: unknown) => {
    probes.delete(binding); // a failed probe may be transient: try again next time
    return nothingKnownToWork(error);
  });
  probes.set(binding, probing);
  return probing;
}

async function probeCapabilities(binding: ImagesBinding): Promise<ImagingCapabilities> {
  const probe = await probeImage();
  const baseline = (await transformImage(binding, probe, [], COMPARISON_FORMAT)).bytes;
  const changesImage = async (run: () => Promise<{ bytes: Uint8Array }>) => {
    try {
      return !sameBytes((await run()).bytes, baseline);
    } catch {
      return false;
    }
  };
  const sizeAfter = async (transform: ImageTransform) => {
    try {
      const output = await transformImage(binding, probe, [transform], COMPARISON_FORMAT);
      const info = await binding.info(bytesToStream(output.bytes));
      return "width" in info ? { width: info.width, height: info.height } : undefined;
    } catch {
      return undefined;
    }
  };
  const writes = async (format: OutputFormat) => {
    try {
      const mime: OutputMime = `image/${format}`;
      const output = await transformImage(binding, probe, [], { format: mime });
      return (await binding.info(bytesToStream(output.bytes))).format === mime;
    } catch {
      return false;
    }
  };

  const fitGives = async (fit: Fit) => {
    const [width, height] = FIT_EXPECTATIONS[fit];
    const transform: ImageTransform = { width: 8, height: 8, fit, ...(fit === "pad" ? { background: PAD_PROBE_BACKGROUND } : {}) };
    const size = await sizeAfter(transform);
    if (size?.width !== width || size.height !== height) return false;
    if (fit !== "pad") return true;
    // 16x12 padded into 8x8 leaves a background row at the top.
    const padded = await transformImage(binding, probe, [transform], COMPARISON_FORMAT).then((o) => decodePngToRgba(o.bytes));
    return samePixel(padded.rgba, 0, [255, 0, 0, 255]);
  };
  const cropsExactly = async () => {
    try {
      const cut = await new ImageProcessor(binding).crop(
        { bytes: probe, width: PROBE_WIDTH, height: PROBE_HEIGHT },
        CROP_PROBE_BOX,
        "probe",
      );
      const pixels = await decodePngToRgba(cut.bytes);
      const source = await decodePngToRgba(probe);
      const { left, top, width, height } = CROP_PROBE_BOX;
      if (pixels.width !== width || pixels.height !== height) return false;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const from = ((top + y) * PROBE_WIDTH + left + x) * 4;
          if (!samePixel(pixels.rgba, (y * width + x) * 4, Array.from(source.rgba.subarray(from, from + 4)))) return false;
        }
      }
      return true;
    } catch {
      return false;
    }
  };
  const qualityMatters = async () => {
    try {
      const [low, high] = await Promise.all(
        [10, 95].map((quality) => transformImage(binding, probe, [], { format: "image/jpeg", quality })),
      );
      return !sameBytes(low!.bytes, high!.bytes);
    } catch {
      return false;
    }
  };

  const overlay = await encodePng({ width: 4, height: 4, alpha: true, rgba: () => [0, 0, 0, 255] });
  const [resized, rotated, formatResults, effectResults, draws, fitResults, crop, quality] = await Promise.all([
    sizeAfter({ width: PROBE_WIDTH / 2, fit: "scale-down" }),
    sizeAfter({ rotate: 90 }),
    Promise.all(OUTPUT_FORMATS.map(writes)),
    Promise.all(EFFECT_PROBES.map(([, transform]) => changesImage(() => transformImage(binding, probe, [transform], COMPARISON_FORMAT)))),
    changesImage(() => drawOnImage(binding, probe, overlay, { top: 0, left: 0 }, COMPARISON_FORMAT)),
    Promise.all(FITS.map((fit) => fitGives(fit).catch(() => false))),
    cropsExactly(),
    qualityMatters(),
  ]);
  const fits = FITS.filter((_, i) => fitResults[i]);

  const resize = resized?.width === PROBE_WIDTH / 2 && resized.height === PROBE_HEIGHT / 2;
  const rotate = rotated?.width === PROBE_HEIGHT && rotated.height === PROBE_WIDTH;
  const convert = OUTPUT_FORMATS.filter((_, i) => formatResults[i]);
  const unavailable = [
    ...(resize ? [] : ["resize"]),
    ...(rotate ? [] : ["rotate"]),
    ...EFFECT_PROBES.filter((_, i) => !effectResults[i]).map(([name]) => name),
    ...(draws ? [] : ["draw"]),
    ...FITS.filter((fit) => !fits.includes(fit)).map((fit) => `fit ${fit}`),
    ...(crop ? [] : ["crop"]),
    ...(quality ? [] : ["quality"]),
    ...OUTPUT_FORMATS.filter((_, i) => !formatResults[i]).map((format) => `${format} output`),
  ];
  return { resize, rotate, convert, fits, crop, quality, unavailable };
}

function nothingKnownToWork(error: unknown): ImagingCapabilities {
  return {
    resize: false,
    rotate: false,
    convert: [],
    fits: [],
    crop: false,
    quality: false,
    unavailable: [
      "resize",
      "rotate",
      ...EFFECT_PROBES.map(([name]) => name),
      "draw",
      ...FITS.map((fit) => `fit ${fit}`),
      "crop",
      "quality",
      ...OUTPUT_FORMATS.map((f) => `${f} output`),
    ],
    probeError: `the Images binding could not process a generated 16x12 PNG: ${bindingErrorText(error)}`,
  };
}

/** Opaque pixels that differ from every neighbour, so any blur, flip or tone change shows. */
function probeImage(): Promise<Uint8Array> {
  const channel = (x: number, y: number, salt: number) => ((x * 73 + y * 151 + salt) * 2654435761) >>> 24;
  return encodePng({
    width: PROBE_WIDTH,
    height: PROBE_HEIGHT,
    alpha: true,
    rgba: (x, y): Rgba => [channel(x, y, 1), channel(x, y, 2), channel(x, y, 3), 255],
  });
}

function samePixel(rgba: Uint8Array, offset: number, expected: readonly number[]): boolean {
  return expected.every((value, c) => rgba[offset + c] === value);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
