/**
 * The 3D compiler pipeline: spec → scene → GLB → checks and Khronos validation → report →
 * labelled montage (PNG here, WebP through the Images binding). Deterministic, no OpenAI,
 * nothing stored: the caller stores the result. Takes its services as plain arguments, so a
 * tool call, a Workflow step or the benchmark can all run it.
 */
import { ToolError } from "../errors";
import { encodePng } from "../imaging/png-encoder";
import type { ImageService } from "../imaging/image-service";
import { buildScene } from "./build-scene";
import { writeGlb } from "./glb";
import { renderMontage, renderView, VIEW_NAMES, type RgbaImage, type ViewName } from "./render";
import { modelReport, type ModelReport } from "./report";
import type { Scene } from "./scene";
import { SPEC_LIMITS, type ModelSpec } from "./spec";
import {
  DEFAULT_MAX_GLB_BYTES,
  khronosValidate,
  requireSaneGeometry,
  requireSizeWithin,
  requireValidatorClean,
  requireWithinTriangleBudget,
} from "./validate";

/** The montage shown in results; the issue caps the preview at 1024 px. */
export const MONTAGE_MAX_EDGE = 1024;
/** Each view asked for on its own (`views: true`). */
export const VIEW_SIZE = 512;

export interface CompileDeps {
  images: ImageService;
  signal: AbortSignal;
  /** Told when rendering starts, after the GLB passed every check (the 3D loop reports it as a stage). */
  onRender?: () => Promise<void>;
}

export interface CompileOptions {
  /** Also render each view as its own PNG. */
  views: boolean;
  maxBytes?: number;
  /** Side of each montage view in pixels; the renderer's default when absent (the fuzz test asks for small ones). */
  montageTile?: number;
}

export interface RenderedPicture {
  bytes: Uint8Array;
  mime: "image/png" | "image/webp";
  width: number;
  height: number;
}

export interface CompiledModel {
  glb: Uint8Array;
  scene: Scene;
  report: ModelReport;
  /** The labelled six-view montage as WebP, at most 1024 px. */
  montage: RenderedPicture;
  views: Array<{ view: ViewName; picture: RenderedPicture }>;
}

function checkCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new ToolError("The call was cancelled; nothing was stored.", "cancelled");
}

async function pngOf(image: RgbaImage): Promise<RenderedPicture> {
  const bytes = await encodePng({ width: image.width, height: image.height, rgba: image.rgba, alpha: false });
  return { bytes, mime: "image/png", width: image.width, height: image.height };
}

/** Builds and checks the GLB; throws a ToolError naming the part path or the limit when it cannot. */
export async function compileModel(spec: ModelSpec, deps: CompileDeps, options: CompileOptions): Promise<CompiledModel> {
  const started = performance.now();
  const { scene, warnings } = buildScene(spec);
  checkCancelled(deps.signal);
  requireSaneGeometry(scene);
  requireWithinTriangleBudget(scene, spec.options?.triangle_budget ?? SPEC_LIMITS.triangleBudget.default);
  const glb = await writeGlb(scene);
  requireSizeWithin(glb, options.maxBytes ?? DEFAULT_MAX_GLB_BYTES);
  const compiled = performance.now();

  const validator = await khronosValidate(glb);
  requireValidatorClean(validator);
  const validated = performance.now();
  checkCancelled(deps.signal);
  await deps.onRender?.();

  const montagePng = await pngOf(renderMontage(scene, options.montageTile ? { tile: options.montageTile } : {}));
  const views = options.views
    ? await Promise.all(VIEW_NAMES.map(async (view) => ({ view, picture: await pngOf(renderView(scene, view, VIEW_SIZE)) })))
    : [];
  const rendered = performance.now();
  // WebP encoding runs in the Images binding, outside this isolate: timed apart from our own CPU.
  const webp = await deps.images.renderPreview(montagePng.bytes, { maxEdge: MONTAGE_MAX_EDGE });
  const montage: RenderedPicture = { bytes: webp.bytes, mime: webp.mime, width: webp.width, height: webp.height };
  const encoded = performance.now();
  checkCancelled(deps.signal);

  const report = modelReport({
    scene,
    glbBytes: glb.byteLength,
    validator,
    timings: {
      compileMs: compiled - started,
      validateMs: validated - compiled,
      renderMs: rendered - validated,
      previewMs: encoded - rendered,
    },
    warnings,
  });
  return { glb, scene, report, montage, views };
}
