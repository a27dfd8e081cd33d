/** Byte-stream helpers shared by the routes and the input fetcher (bottom layer: no imports). */

/** One buffer holding `chunks` in order; `total` is their summed length. */
export function concatBytes(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * The whole stream, or "too large" as soon as it passes `max` bytes: the rest is never read
 * (the stream is cancelled), so an oversized body costs at most `max` bytes of memory.
 */
export async function readAtMost(stream: ReadableStream<Uint8Array> | null, max: number): Promise<Uint8Array | "too large"> {
  if (!stream) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      return "too large";
    }
    chunks.push(value);
  }
  return concatBytes(chunks, total);
}
