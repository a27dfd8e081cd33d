// The fake OpenAI API as a Node http request handler: records each request, applies queued
// faults and the global delay, checks the API key, then routes to the endpoint.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Answer } from "./answer.ts";
import { handleControl } from "./control-api.ts";
import {
  ApiError,
  envelope,
  invalidApiKey,
  invalidContentType,
  invalidJsonBody,
  invalidUrl,
  missingApiKey,
  serverError,
} from "./errors.ts";
import { applyFault } from "./faults.ts";
import { delay, openAIHeaders, readBody, sendError, sendJson, writeAnswer } from "./http-io.ts";
import { handleImageEdit, handleImageGeneration } from "./images.ts";
import { listModels, retrieveModel } from "./models.ts";
import { parseMultipart, type MultipartBody } from "./multipart.ts";
import type { AnswerChange, RecordedRequest } from "./protocol.ts";
import { newRecord, recordJson, recordMultipart } from "./recording.ts";
import { handleResponses } from "./responses.ts";
import { FakeState } from "./state.ts";

export interface FakeOpenAI {
  handle(req: IncomingMessage, res: ServerResponse): void;
  state: FakeState;
}

export interface FakeOptions {
  /** The fake's calendar date (YYYY-MM-DD): models whose shutdown date is on or before it are gone. */
  today: string;
}

/** What an endpoint needs beyond the request: the date, and a queued change to its answer. */
export interface EndpointContext {
  today: string;
  change: AnswerChange | undefined;
}

/** The key that the real API would refuse (401 invalid_api_key). */
export const INVALID_API_KEY = "sk-invalid";

type ParsedBody =
  { kind: "json"; value: unknown } | { kind: "multipart"; form: MultipartBody } | { kind: "invalid"; error: ApiError } | { kind: "empty" };

async function parseBody(req: IncomingMessage, raw: Buffer): Promise<ParsedBody> {
  const contentType = req.headers["content-type"] ?? "";
  if (contentType.toLowerCase().startsWith("multipart/form-data")) {
    try {
      return { kind: "multipart", form: await parseMultipart(raw, contentType) };
    } catch (error) {
      if (error instanceof ApiError) return { kind: "invalid", error };
      throw error;
    }
  }
  if (raw.length === 0) return { kind: "empty" };
  try {
    return { kind: "json", value: JSON.parse(raw.toString("utf8")) };
  } catch {
    return { kind: "invalid", error: invalidJsonBody() };
  }
}

function checkApiKey(req: IncomingMessage): void {
  const header = req.headers.authorization ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match || !match[1]) throw missingApiKey();
  if (match[1] === INVALID_API_KEY) throw invalidApiKey(match[1]);
}

function jsonBody(body: ParsedBody, req: IncomingMessage): unknown {
  if (body.kind === "json") return body.value;
  if (body.kind === "invalid") throw body.error;
  if (body.kind === "multipart") throw invalidContentType(req.headers["content-type"] ?? "", "application/json");
  return {};
}

function route(state: FakeState, req: IncomingMessage, path: string, body: ParsedBody, context: EndpointContext): Promise<Answer> | Answer {
  const method = req.method ?? "GET";
  if (method === "POST" && path === "/v1/images/generations") return handleImageGeneration(jsonBody(body, req), context);
  if (method === "POST" && path === "/v1/images/edits") {
    if (body.kind === "invalid") throw body.error;
    if (body.kind !== "multipart") throw invalidContentType(req.headers["content-type"] ?? "", "multipart/form-data");
    return handleImageEdit(body.form, context);
  }
  if (method === "POST" && path === "/v1/responses") {
    return handleResponses(jsonBody(body, req), context, () => state.takeScript(path), state.designer);
  }
  if (method === "GET" && path === "/v1/models") return listModels(context.today);
  const modelMatch = /^\/v1\/models\/(.+)$/.exec(path);
  if (method === "GET" && modelMatch?.[1]) return retrieveModel(decodeURIComponent(modelMatch[1]), context.today);
  throw invalidUrl(method, path);
}

function requestedModel(body: ParsedBody): string | undefined {
  if (body.kind === "json" && typeof body.value === "object" && body.value !== null) {
    const model = (body.value as Record<string, unknown>)["model"];
    return typeof model === "string" ? model : undefined;
  }
  return body.kind === "multipart" ? body.form.fields["model"] : undefined;
}

function wantsStream(body: ParsedBody): boolean {
  if (body.kind === "json" && typeof body.value === "object" && body.value !== null) {
    return (body.value as Record<string, unknown>)["stream"] === true;
  }
  return body.kind === "multipart" && body.form.fields["stream"] === "true";
}

async function handleApi(state: FakeState, options: FakeOptions, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const requestId = state.nextRequestId();
  const startedAt = Date.now();
  const record: RecordedRequest = newRecord(req, path, requestId);
  let statusSent: number | undefined;
  state.requestStarted(record);
  res.once("close", () => {
    if (!res.writableFinished) record.closedEarly = true;
    state.requestFinished(record, statusSent);
  });
  const headers = () => openAIHeaders(requestId, startedAt);
  const fail = (error: ApiError) => {
    if (res.destroyed || res.headersSent) return;
    statusSent = error.status;
    sendError(res, error, headers());
  };

  try {
    const body = await parseBody(req, await readBody(req));
    if (body.kind === "json") recordJson(record, body.value);
    if (body.kind === "multipart") recordMultipart(record, body.form);

    checkApiKey(req);
    const fault = state.takeFault(path);
    let change: AnswerChange | undefined;
    if (fault) {
      record.fault = fault.kind;
      const outcome = applyFault(fault, { res, requestId, headers: headers(), model: requestedModel(body), stream: wantsStream(body) });
      if (outcome.kind === "error") throw outcome.error;
      if (outcome.kind === "handled") {
        statusSent = outcome.status;
        return;
      }
      if (outcome.kind === "change") change = outcome.change;
      else await delay(outcome.ms);
    }
    if (state.settings.delayMs > 0) await delay(state.settings.delayMs);
    if (res.destroyed) return;

    const answer = await route(state, req, path, body, { today: options.today, change });
    if (res.destroyed) return;
    // Set before writing: a stream's status is final once its headers are out.
    statusSent = answer.kind === "json" ? answer.status : 200;
    await writeAnswer(res, answer, headers());
  } catch (error) {
    if (error instanceof ApiError) return fail(error);
    console.error("[fake-openai] unexpected error:", error);
    fail(serverError(500));
  }
}

async function handleControlRequest(state: FakeState, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  try {
    handleControl(state, req.method ?? "GET", path, await readBody(req), res);
  } catch (error) {
    const apiError = error instanceof ApiError ? error : serverError(500);
    if (!(error instanceof ApiError)) console.error("[fake-openai] control error:", error);
    if (!res.headersSent) sendJson(res, apiError.status, envelope(apiError.body), {});
  }
}

export function createFakeOpenAI(options: FakeOptions): FakeOpenAI {
  const state = new FakeState();
  return {
    state,
    handle(req, res) {
      const path = new URL(req.url ?? "/", "http://fake.invalid").pathname;
      const work = path.startsWith("/__fake/") ? handleControlRequest(state, req, res, path) : handleApi(state, options, req, res, path);
      // Never let one bad request take the server down.
      work.catch((error: unknown) => {
        console.error("[fake-openai] handler crashed:", error);
        if (!res.headersSent) sendJson(res, 500, envelope(serverError(500).body), {});
        else res.destroy();
      });
    },
  };
}
