// Builds the record of one upstream request for GET /__fake/requests: redacted headers, the
// parsed body, and multipart fields and file digests.

import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { MultipartBody } from "./multipart.ts";
import type { RecordedRequest } from "./protocol.ts";

const MAX_RECORDED_STRING = 4096;

/** Long strings (base64 images) become head + length + digest, so logs stay small but comparable. */
export function shortenLongStrings(value: unknown): unknown {
  if (typeof value === "string") {
    if (value.length <= MAX_RECORDED_STRING) return value;
    const digest = createHash("sha256").update(value).digest("hex");
    return `${value.slice(0, 100)}…[${value.length} chars, sha256=${digest}]`;
  }
  if (Array.isArray(value)) return value.map(shortenLongStrings);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, shortenLongStrings(child)]));
  }
  return value;
}

export function recordedHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  if (headers["authorization"] !== undefined) headers["authorization"] = "Bearer ***";
  return headers;
}

export function newRecord(req: IncomingMessage, path: string, requestId: string): RecordedRequest {
  return { requestId, method: req.method ?? "GET", path, headers: recordedHeaders(req), at: Date.now() };
}

export function recordJson(record: RecordedRequest, json: unknown): void {
  record.json = shortenLongStrings(json);
}

export function recordMultipart(record: RecordedRequest, form: MultipartBody): void {
  record.fields = { ...form.fields };
  record.files = form.files.map((file) => ({
    field: file.field,
    filename: file.filename,
    contentType: file.contentType,
    bytes: file.bytes.byteLength,
    sha256: file.sha256,
  }));
}
