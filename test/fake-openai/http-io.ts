// Socket-level helpers: reading a bounded body, the headers every OpenAI answer carries, and
// writing JSON, errors and SSE streams.

import type { IncomingMessage, ServerResponse } from "node:http";
import { formatSseEvent, type Answer, type SseEvent } from "./answer.ts";
import { ApiError, bodyTooLarge, envelope } from "./errors.ts";

export const MAX_BODY_BYTES = 128 * 1024 * 1024;

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      // Keep draining an oversized body so the client can read our 413.
      if (!tooLarge) chunks.push(chunk);
    });
    req.on("end", () => (tooLarge ? reject(bodyTooLarge(limit)) : resolve(Buffer.concat(chunks))));
    req.on("error", reject);
  });
}

/** Headers the real API sends on every answer, success or error. */
export function openAIHeaders(requestId: string, startedAt: number): Record<string, string> {
  return {
    "x-request-id": requestId,
    "openai-version": "2020-10-01",
    "openai-organization": "org-fake",
    "openai-processing-ms": String(Date.now() - startedAt),
    "x-ratelimit-limit-requests": "5000",
    "x-ratelimit-remaining-requests": "4999",
    "x-ratelimit-reset-requests": "12ms",
    "x-ratelimit-limit-tokens": "4000000",
    "x-ratelimit-remaining-tokens": "3999000",
    "x-ratelimit-reset-tokens": "15ms",
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: ApiError, headers: Record<string, string>): void {
  sendJson(res, error.status, envelope(error.body), { ...headers, ...error.headers });
}

export function startSse(res: ServerResponse, headers: Record<string, string>): void {
  res.writeHead(200, {
    ...headers,
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
}

/** Resolves once the chunk is handed to the socket (respects backpressure). */
export function writeChunk(res: ServerResponse, chunk: string): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) return resolve();
    if (res.write(chunk)) return resolve();
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.once("drain", done);
    res.once("close", done);
  });
}

async function streamEvents(res: ServerResponse, events: AsyncIterable<SseEvent>, headers: Record<string, string>): Promise<void> {
  startSse(res, headers);
  const iterator = events[Symbol.asyncIterator]();
  try {
    while (!res.destroyed) {
      const next = await iterator.next();
      if (next.done) break;
      await writeChunk(res, formatSseEvent(next.value));
    }
  } catch (error) {
    // Failures after the headers went out travel as an `error` event, as the real API does.
    const body = error instanceof ApiError ? error.body : { message: String(error), type: "server_error", param: null, code: null };
    await writeChunk(
      res,
      formatSseEvent({
        event: "error",
        data: { type: "error", code: body.code, message: body.message, param: body.param, sequence_number: 0 },
      }),
    );
  } finally {
    await iterator.return?.();
    res.end();
  }
}

/** Writes an answer; resolves with the status sent once the last byte is queued. */
export async function writeAnswer(res: ServerResponse, answer: Answer, headers: Record<string, string>): Promise<number> {
  if (answer.kind === "json") {
    sendJson(res, answer.status, answer.body, headers);
    return answer.status;
  }
  await streamEvents(res, answer.events, headers);
  return 200;
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
