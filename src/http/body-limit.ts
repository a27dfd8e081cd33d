import { MAX_REQUEST_BODY_BYTES } from "../config";

export function bodyTooLarge(limit = MAX_REQUEST_BODY_BYTES): Response {
  return Response.json(
    {
      jsonrpc: "2.0",
      id: null,
      error: {
        code: -32600,
        message: `Request body is larger than ${limit} bytes. Send large images as an https URL or an asset id instead of inline base64.`,
      },
    },
    { status: 413 },
  );
}

/**
 * Refuses bodies over the limit before they reach a route. A declared Content-Length
 * is checked at once; a body without one is read up to the limit and passed on as a
 * buffered copy.
 */
export async function limitBody(request: Request, limit = MAX_REQUEST_BODY_BYTES): Promise<Request | Response> {
  if (!request.body) return request;
  const declared = request.headers.get("content-length");
  if (declared !== null) return Number(declared) > limit ? bodyTooLarge(limit) : request;
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      return bodyTooLarge(limit);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new Request(request, { body });
}
