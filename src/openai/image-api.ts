import type OpenAI from "openai";
import { toFile } from "openai";
import type {
  ImageEditParamsBase,
  ImageEditParamsNonStreaming,
  ImageGenerateParamsNonStreaming,
  ImageEditStreamEvent,
  ImageGenerateParamsBase,
  ImageGenStreamEvent,
  ImagesResponse,
} from "openai/resources/images";
import { base64ToBytes } from "../encoding";
import { callOpenAI } from "./errors";
import { imageRequestFields, type NormalizedImageParams } from "./image-params";
import { sseJson } from "./sse";

export interface UpstreamImageFile {
  bytes: Uint8Array;
  mime: string;
  name: string;
}

export type ImageUsage = NonNullable<ImagesResponse["usage"]>;

export interface ImageCallResult {
  images: Uint8Array[];
  usage?: ImageUsage;
  /** What the API says it produced (it resolves `auto`). */
  size?: string;
  quality?: string;
  background?: string;
  outputFormat: string;
}

export interface ImageCallOptions {
  signal: AbortSignal;
  /** Partial previews to ask for (0–3); only worth their cost when someone watches progress. */
  partialImages: number;
  onEvent?: (event: { type: "partial" | "completed"; index: number }) => void | Promise<void>;
  /** Who is asking, as a pseudonym, for OpenAI's abuse monitoring; never part of the request hash. */
  safetyIdentifier: string | null;
}

/** OpenAI's base64 image; the shared decoder uses the runtime's native codec (a loop took seconds on 2.7 MB). */
const decode = base64ToBytes;

/** Adds usage from several `completed` events (one per image when n > 1). */
function addUsage(total: ImageUsage | undefined, next: ImageUsage | undefined): ImageUsage | undefined {
  if (!next) return total;
  if (!total) return structuredClone(next);
  return {
    ...total,
    input_tokens: total.input_tokens + next.input_tokens,
    output_tokens: total.output_tokens + next.output_tokens,
    total_tokens: total.total_tokens + next.total_tokens,
    input_tokens_details: {
      image_tokens: total.input_tokens_details.image_tokens + next.input_tokens_details.image_tokens,
      text_tokens: total.input_tokens_details.text_tokens + next.input_tokens_details.text_tokens,
    },
  };
}

/**
 * Reads an image event stream to the end (parsed by `sseJson`: the SDK's own stream parser is
 * slow on the multi-megabyte event that carries a final image). Each `completed` event carries one final
 * image and the usage for it; partial images only report progress and are dropped.
 */
async function collect(
  stream: AsyncIterable<ImageGenStreamEvent | ImageEditStreamEvent>,
  options: ImageCallOptions,
  fallbackFormat: string,
): Promise<ImageCallResult> {
  const result: ImageCallResult = { images: [], outputFormat: fallbackFormat };
  let completed = 0;
  let usageFromEvents: ImageUsage | undefined;
  for await (const event of stream) {
    if (event.type === "image_generation.partial_image" || event.type === "image_edit.partial_image") {
      await options.onEvent?.({ type: "partial", index: event.partial_image_index });
      continue;
    }
    if (event.type === "image_generation.completed" || event.type === "image_edit.completed") {
      result.images.push(decode(event.b64_json));
      usageFromEvents = addUsage(usageFromEvents, event.usage as ImageUsage);
      result.size = event.size;
      result.quality = event.quality;
      result.background = event.background;
      result.outputFormat = event.output_format;
      await options.onEvent?.({ type: "completed", index: completed++ });
    }
  }
  result.usage = usageFromEvents;
  return result;
}

/** A plain (non-streamed) answer: every image at once in `data`, usage for the whole request. */
async function fromResponse(response: ImagesResponse, options: ImageCallOptions, fallbackFormat: string): Promise<ImageCallResult> {
  const images = (response.data ?? []).flatMap((image) => (image.b64_json ? [decode(image.b64_json)] : []));
  for (let index = 0; index < images.length; index++) await options.onEvent?.({ type: "completed", index });
  return {
    images,
    usage: response.usage,
    size: response.size,
    quality: response.quality,
    background: response.background,
    outputFormat: response.output_format ?? fallbackFormat,
  };
}

/**
 * Streaming (with partial previews) is used for single images; several images come as
 * one plain answer, the form every OpenAI-compatible endpoint supports for n > 1.
 */
function streams(params: NormalizedImageParams): boolean {
  return params.n === 1;
}

/** The JSON fields both endpoints share: the prompt, every parameter that is set, and who is asking. */
function requestBody(params: NormalizedImageParams, prompt: string, options: ImageCallOptions) {
  const caller = options.safetyIdentifier ? { safety_identifier: options.safetyIdentifier } : {};
  // Values were validated against the catalog; the SDK's literal unions are narrower than our record type.
  return { prompt, ...imageRequestFields(params), ...caller } as unknown as ImageGenerateParamsBase & { model: string };
}

export async function generateImages(
  client: OpenAI,
  params: NormalizedImageParams,
  prompt: string,
  options: ImageCallOptions,
): Promise<ImageCallResult> {
  return callOpenAI(async () => {
    const body = requestBody(params, prompt, options);
    if (!streams(params))
      return fromResponse(
        await client.images.generate(body as ImageGenerateParamsNonStreaming, { signal: options.signal }),
        options,
        params.output_format,
      );
    const response = await client.images
      .generate({ ...body, stream: true, partial_images: options.partialImages }, { signal: options.signal })
      .asResponse();
    return collect(sseJson<ImageGenStreamEvent>(response), options, params.output_format);
  });
}

export async function editImages(
  client: OpenAI,
  params: NormalizedImageParams,
  prompt: string,
  inputs: { images: UpstreamImageFile[]; mask?: UpstreamImageFile; markup?: UpstreamImageFile },
  options: ImageCallOptions,
): Promise<ImageCallResult> {
  return callOpenAI(async () => {
    const upload = (file: UpstreamImageFile) => toFile(file.bytes, file.name, { type: file.mime });
    const images = await Promise.all(inputs.images.map(upload));
    const mask = inputs.mask ? await upload(inputs.mask) : undefined;
    const markup = inputs.markup ? await upload(inputs.markup) : undefined;
    const { moderation: _generateOnly, ...editParams } = requestBody(params, prompt, options);
    const body: ImageEditParamsBase = {
      ...(editParams as ImageEditParamsBase),
      image: images,
      ...(mask ? { mask } : {}),
      ...(markup ? { markup } : {}),
    };
    if (!streams(params))
      return fromResponse(
        await client.images.edit(body as ImageEditParamsNonStreaming, { signal: options.signal }),
        options,
        params.output_format,
      );
    const response = await client.images
      .edit({ ...body, stream: true, partial_images: options.partialImages }, { signal: options.signal })
      .asResponse();
    return collect(sseJson<ImageEditStreamEvent>(response), options, params.output_format);
  });
}
