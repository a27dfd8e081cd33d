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

export type OutputFormat = "png" | "jpeg" | "webp" | "avif" | "gif";

export interface ImagingCapabilities {
  resize: boolean;
  rotate: boolean;
  /** Output formats the binding can write here. */
  convert: OutputFormat[];
  /** Operations (transform option names, "draw", "<format> output") that fail or change nothing here. */
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

  const overlay = await encodePng({ width: 4, height: 4, alpha: true, rgba: () => [0, 0, 0, 255] });
  const [resized, rotated, formatResults, effectResults, draws] = await Promise.all([
    sizeAfter({ width: PROBE_WIDTH / 2, fit: "scale-down" }),
    sizeAfter({ rotate: 90 }),
    Promise.all(OUTPUT_FORMATS.map(writes)),
    Promise.all(EFFECT_PROBES.map(([, transform]) => changesImage(() => transformImage(binding, probe, [transform], COMPARISON_FORMAT)))),
    changesImage(() => drawOnImage(binding, probe, overlay, { top: 0, left: 0 }, COMPARISON_FORMAT)),
  ]);

  const resize = resized?.width === PROBE_WIDTH / 2 && resized.height === PROBE_HEIGHT / 2;
  const rotate = rotated?.width === PROBE_HEIGHT && rotated.height === PROBE_WIDTH;
  const convert = OUTPUT_FORMATS.filter((_, i) => formatResults[i]);
  const unavailable = [
    ...(resize ? [] : ["resize"]),
    ...(rotate ? [] : ["rotate"]),
    ...EFFECT_PROBES.filter((_, i) => !effectResults[i]).map(([name]) => name),
    ...(draws ? [] : ["draw"]),
    ...OUTPUT_FORMATS.filter((_, i) => !formatResults[i]).map((format) => `${format} output`),
  ];
  return { resize, rotate, convert, unavailable };
}

function nothingKnownToWork(error: unknown): ImagingCapabilities {
  return {
    resize: false,
    rotate: false,
    convert: [],
    unavailable: ["resize", "rotate", ...EFFECT_PROBES.map(([name]) => name), "draw", ...OUTPUT_FORMATS.map((f) => `${f} output`)],
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

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
