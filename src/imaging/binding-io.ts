/**
 * Bytes in, bytes out around the Images binding, which speaks ReadableStreams. Every call sends the
 * whole image and reads the whole result: our images are at most a few MB and are hashed and
 * stored as a unit anyway.
 */

export type OutputMime = "image/png" | "image/jpeg" | "image/webp" | "image/avif" | "image/gif";

export interface TransformedImage {
  bytes: Uint8Array;
  /** As the binding reports it; locally and in production it matches the requested format. */
  mime: string;
}

/** How much of the input the binding is handed at a time when someone waits for it to take all of it. */
const HANDOVER_CHUNK_BYTES = 256 * 1024;

/**
 * The bytes as a stream for the binding. With `onTaken`, the stream hands them over in chunks
 * only as the binding reads (no buffering ahead) and calls `onTaken` once it has read the last:
 * the input is then on its way and the binding's work is mostly elsewhere.
 */
export function bytesToStream(bytes: Uint8Array, onTaken?: () => void): ReadableStream<Uint8Array> {
  if (!onTaken) {
    return new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    });
  }
  let offset = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (offset >= bytes.byteLength) {
          controller.close();
          onTaken();
          return;
        }
        controller.enqueue(bytes.subarray(offset, offset + HANDOVER_CHUNK_BYTES));
        offset += HANDOVER_CHUNK_BYTES;
      },
      cancel: () => onTaken(),
    },
    { highWaterMark: 0 },
  );
}

export async function streamToBytes(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function transformImage(
  binding: ImagesBinding,
  bytes: Uint8Array,
  transforms: readonly ImageTransform[],
  output: ImageOutputOptions,
  onInputTaken?: () => void,
): Promise<TransformedImage> {
  let transformer = binding.input(bytesToStream(bytes, onInputTaken));
  for (const transform of transforms) transformer = transformer.transform(transform);
  const result = await transformer.output(output);
  return { bytes: await streamToBytes(result.image()), mime: result.contentType() };
}

export async function drawOnImage(
  binding: ImagesBinding,
  base: Uint8Array,
  overlay: Uint8Array,
  options: ImageDrawOptions,
  output: ImageOutputOptions,
): Promise<TransformedImage> {
  const result = await binding.input(bytesToStream(base)).draw(bytesToStream(overlay), options).output(output);
  return { bytes: await streamToBytes(result.image()), mime: result.contentType() };
}

/**
 * The binding's error text without the local shim's stack trace and wrapper, short enough for a
 * tool error. Locally: "Unexpected error response 500: Error: Input buffer contains unsupported
 * image format\n    at Sharp…"; in production: "IMAGES_INFO_ERROR 9412: …".
 */
export function bindingErrorText(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  const firstLine = raw.split("\n", 1)[0] ?? "";
  return firstLine
    .replace(/^Unexpected error response \d+:\s*/, "")
    .replace(/^Error:\s*/, "")
    .trim()
    .slice(0, 200);
}
