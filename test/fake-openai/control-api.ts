// The fake's own API under /__fake/: reset, faults, scripts, settings, recorded requests, stats.

import type { ServerResponse } from "node:http";
import { invalidEnumValue, invalidRequestBody, invalidType, invalidUrl, invalidValue, missingParameter } from "./errors.ts";
import { sendJson } from "./http-io.ts";
import { FAULT_KINDS, RATE_LIMIT_HINTS, type FaultKind, type FaultSpec, type RateLimitHint, type ScriptSpec } from "./protocol.ts";
import type { FakeState } from "./state.ts";

function asRecord(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw invalidType("body", "an object", body);
  return body as Record<string, unknown>;
}

function optionalNumber(body: Record<string, unknown>, name: string, min: number): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    throw invalidValue(name, `'${name}' must be a number >= ${min}.`);
  }
  return value;
}

function parseFault(input: unknown): FaultSpec {
  const body = asRecord(input);
  const kind = body["kind"];
  if (kind === undefined) throw missingParameter("kind");
  if (typeof kind !== "string" || !(FAULT_KINDS as readonly string[]).includes(kind)) {
    throw invalidEnumValue("kind", kind, FAULT_KINDS);
  }
  const path = body["path"];
  if (path !== undefined && (typeof path !== "string" || !path.startsWith("/v1/"))) {
    throw invalidValue("path", "'path' must be an API path such as '/v1/images/generations'.");
  }
  const spec: FaultSpec = { kind: kind as FaultKind };
  if (path !== undefined) spec.path = path;
  const times = optionalNumber(body, "times", 1);
  const retryAfter = optionalNumber(body, "retryAfter", 0);
  const delayMs = optionalNumber(body, "delayMs", 0);
  const status = optionalNumber(body, "status", 500);
  if (times !== undefined) spec.times = Math.floor(times);
  if (retryAfter !== undefined) spec.retryAfter = retryAfter;
  if (delayMs !== undefined) spec.delayMs = delayMs;
  if (status !== undefined) spec.status = Math.floor(status);
  const hint = body["hint"];
  if (hint !== undefined) {
    if (typeof hint !== "string" || !(RATE_LIMIT_HINTS as readonly string[]).includes(hint)) {
      throw invalidEnumValue("hint", hint, RATE_LIMIT_HINTS);
    }
    spec.hint = hint as RateLimitHint;
  }
  return spec;
}

function parseScript(input: unknown): ScriptSpec {
  const body = asRecord(input);
  if (body["path"] !== "/v1/responses") throw invalidValue("path", "Only '/v1/responses' can be scripted.");
  const outputText = body["outputText"];
  if (typeof outputText !== "string") throw invalidType("outputText", "a string", outputText);
  const spec: ScriptSpec = { path: "/v1/responses", outputText };
  const times = optionalNumber(body, "times", 1);
  if (times !== undefined) spec.times = Math.floor(times);
  return spec;
}

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return {};
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    throw invalidRequestBody("The control API expects a JSON body.");
  }
}

/** Handles one /__fake/ request; throws ApiError for bad input. */
export function handleControl(state: FakeState, method: string, path: string, raw: Buffer, res: ServerResponse): void {
  const ok = (body: unknown) => sendJson(res, 200, body, {});
  const route = `${method} ${path}`;
  switch (route) {
    case "POST /__fake/reset":
      state.reset();
      return ok({ ok: true });
    case "POST /__fake/faults": {
      const body = parseJson(raw);
      // An array queues several faults in order.
      const specs = Array.isArray(body) ? body.map(parseFault) : [parseFault(body)];
      for (const spec of specs) state.addFault(spec);
      return ok({ ok: true, faultsPending: state.stats().faultsPending });
    }
    case "POST /__fake/script":
      state.addScript(parseScript(parseJson(raw)));
      return ok({ ok: true, scriptsPending: state.stats().scriptsPending });
    case "GET /__fake/requests":
      return ok(state.recordedRequests());
    case "GET /__fake/stats":
      return ok(state.stats());
    case "GET /__fake/settings":
      return ok(state.settings);
    case "POST /__fake/settings": {
      const body = asRecord(parseJson(raw));
      const delayMs = optionalNumber(body, "delayMs", 0);
      if (delayMs !== undefined) state.settings = { ...state.settings, delayMs };
      const specSeed = body["specSeed"];
      if (specSeed !== undefined) {
        if (specSeed !== null && (typeof specSeed !== "number" || !Number.isInteger(specSeed) || specSeed < 0)) {
          throw invalidValue("specSeed", "'specSeed' must be a non-negative integer, or null for deterministic answers.");
        }
        state.settings = { ...state.settings, specSeed };
        state.designer.seed = specSeed;
      }
      return ok(state.settings);
    }
    default:
      throw invalidUrl(method, path);
  }
}
