/**
 * The images the 3D loop generates (the concept render, seamless textures) go through the
 * image production pipeline like any generate_image call: cached by request, stored as image
 * assets, paid once. A later call (or a retried step) that asks for the same image pays nothing.
 */
import type { MaterialSpec } from "../mesh/spec";
import type { MaterialTexture } from "../mesh/textures";
import type { NormalizedImageParams } from "../openai/image-params";
import type { AssetRecord } from "../store/asset-record";
import { ToolError } from "../errors";
import { imageRequestHash, makeImages, NO_INPUTS, type ImageJobResult, type ImageSpec } from "./image-production";
import { cachedOutcome } from "./job-records";
import type { SpendTally } from "./model-cost";
import type { PipelineContext } from "./pipeline";

/** Textures are generated for at most this many materials (the first ones the model uses); the rest keep their colour. */
export const MAX_TEXTURES = 6;
/** Embedded texture edge: power of two, small enough that six stay well under the 5 MB GLB limit. */
export const TEXTURE_EDGE = 512;

export function conceptPrompt(description: string, style: string | null): string {
  return [
    `Concept render of a single 3D model: ${description}.`,
    style ? `Style: ${style}.` : "",
    "One object, whole and centred, three-quarter view from the front and slightly above, plain light grey background, even studio lighting, no text.",
  ]
    .filter(Boolean)
    .join(" ");
}

export function texturePrompt(material: Pick<MaterialSpec, "name" | "color">, description: string, style: string | null): string {
  return [
    `Seamless tileable texture of the material "${material.name}" (base colour ${material.color}) for a ${style ? `${style} ` : ""}3D model of ${description}.`,
    "Flat, seen straight on, evenly lit with no shadows or highlights, fills the whole frame, edges wrap seamlessly, no objects, no text.",
  ].join(" ");
}

/** The image, from the cache or generated now (its cost tallied). */
export async function cachedImage(
  pctx: PipelineContext,
  tally: SpendTally,
  label: string,
  params: NormalizedImageParams,
  prompt: string,
): Promise<{ record: AssetRecord; bytes: Uint8Array }> {
  const { services } = pctx;
  const spec: ImageSpec = {
    tool: "generate_image",
    params,
    prompt,
    inputs: NO_INPUTS,
    fresh: false,
    returnMode: "none",
    notices: [],
    partialImages: 0,
  };
  const hash = await imageRequestHash(spec);
  const hit = await cachedOutcome<ImageJobResult>(services, hash);
  let record = hit?.records[0];
  if (!record) {
    const inner: PipelineContext = {
      ...pctx,
      // "stored" marks a job's work as done; here it is only one image of several stages.
      progress: (stage) => pctx.progress(`${label}: ${stage === "stored" ? "image stored" : stage}`),
    };
    // makeImages charges the 3D job's reservation itself (inner keeps pctx.charge): tallied here, never charged twice.
    const made = await makeImages(inner, spec, hash);
    tally.image(made.result.usage, made.result.costUsd, made.result.pricesFrom.estimate);
    record = (await services.library.get(made.assetIds[0]!)) ?? undefined;
  }
  const bytes = record ? await services.library.readBytes(record) : undefined;
  if (!record || !bytes) throw new ToolError(`The ${label} image was deleted while the job ran; call again.`, "not_found");
  return { record, bytes };
}

/** A texture per material (at most MAX_TEXTURES), each fitted to TEXTURE_EDGE as JPEG or PNG for embedding. */
export async function makeTextures(
  pctx: PipelineContext,
  tally: SpendTally,
  request: { materials: MaterialSpec[]; description: string; style: string | null; params: NormalizedImageParams },
): Promise<{ records: AssetRecord[]; textures: MaterialTexture[] }> {
  const chosen = request.materials.slice(0, MAX_TEXTURES);
  let done = 0;
  // Side by side: a job step has one deadline for the whole loop, and each image takes seconds upstream.
  const made = await Promise.all(
    chosen.map(async (material) => {
      const { record, bytes } = await cachedImage(
        pctx,
        tally,
        `texture ${material.name}`,
        request.params,
        texturePrompt(material, request.description, request.style),
      );
      const fitted = await pctx.services.images.fitWithin(bytes, TEXTURE_EDGE, TEXTURE_EDGE, "jpeg");
      // glTF core takes PNG and JPEG only.
      const embedded =
        fitted.mime === "image/png" || fitted.mime === "image/jpeg"
          ? { bytes: fitted.bytes, mime: fitted.mime }
          : { bytes: await pctx.services.images.toPng(fitted.bytes), mime: "image/png" as const };
      done += 1;
      await pctx.progress(`textures: ${done} of ${chosen.length} ready`);
      return { record, texture: { material: material.name, ...embedded } satisfies MaterialTexture };
    }),
  );
  const records = made.map((m) => m.record);
  const textures = made.map((m) => m.texture);
  return { records, textures };
}
