import { MAX_REQUEST_BODY_BYTES } from "../config";
import { readAtMost } from "../streams";

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
  const body = await readAtMost(request.body, limit);
  if (body === "too large") return bodyTooLarge(limit);
  return new Request(request, { body });
}
