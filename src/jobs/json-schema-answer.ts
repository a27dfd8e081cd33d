import { Validator } from "@cfworker/json-schema";
import { ToolError } from "../errors";
import { fitsStrictSubset } from "../openai/strict-schema";

export type JsonObjectSchema = Record<string, unknown> & { type: "object" };

/** Longest answer text parsed and validated; the output budget keeps real answers far below it. */
export const MAX_ANSWER_CHARS = 200_000;
/** A longer regular expression is refused outright: validation cost grows with it. */
const MAX_PATTERN_CHARS = 256;

/** Keywords whose values are subschemas (or maps or lists of them): where `pattern` can hide. */
const SUBSCHEMA_KEYWORDS = ["items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames"];
const SUBSCHEMA_LISTS = ["anyOf", "oneOf", "allOf", "prefixItems"];
const SUBSCHEMA_MAPS = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"];

const isNode = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Why a regular expression could take exponential time on a crafted answer, or undefined.
 * Conservative: a repeated group that itself repeats or alternates (`(a+)+`, `(a|ab)*`) and
 * backreferences are refused, as is anything that is not a valid `u`-flag expression.
 */
export function riskyPatternReason(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN_CHARS) return `longer than ${MAX_PATTERN_CHARS} characters`;
  try {
    new RegExp(pattern, "u");
  } catch {
    return "not a valid regular expression";
  }
  if (/\\[1-9]|\\k</.test(pattern)) return "it uses a backreference";
  // Per open group: whether it contains a repetition or an alternation.
  const groups: Array<{ repeats: boolean; alternates: boolean }> = [];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === "\\") {
      i++;
      continue;
    }
    if (inClass) {
      if (char === "]") inClass = false;
      continue;
    }
    const top = groups.at(-1);
    if (char === "[") inClass = true;
    else if (char === "(") groups.push({ repeats: false, alternates: false });
    else if (char === "|" && top) top.alternates = true;
    else if ((char === "*" || char === "+" || char === "{") && top) top.repeats = true;
    else if (char === ")") {
      const closed = groups.pop();
      const next = pattern[i + 1];
      const repeated = next === "*" || next === "+" || next === "{";
      if (closed && repeated && (closed.repeats || closed.alternates)) {
        return "a repeated group contains another repetition or an alternation (catastrophic backtracking)";
      }
      // A group's repetition makes its enclosing group repeat too.
      if (groups.at(-1) && (closed?.repeats || repeated)) groups.at(-1)!.repeats = true;
    }
  }
  return undefined;
}

/** Every `pattern` and `patternProperties` key in the schema, with where it is. */
function patternsIn(node: unknown, path: string, out: Array<[string, string]>): void {
  if (!isNode(node)) return;
  if (typeof node.pattern === "string") out.push([`${path || "#"}/pattern`, node.pattern]);
  if (isNode(node.patternProperties)) {
    for (const key of Object.keys(node.patternProperties)) out.push([`${path || "#"}/patternProperties`, key]);
  }
  for (const key of SUBSCHEMA_KEYWORDS) patternsIn(node[key], `${path}/${key}`, out);
  for (const key of SUBSCHEMA_LISTS) {
    const list = node[key];
    if (Array.isArray(list)) list.forEach((child, i) => patternsIn(child, `${path}/${key}/${i}`, out));
  }
  for (const key of SUBSCHEMA_MAPS) {
    const map = node[key];
    if (isNode(map)) for (const [name, child] of Object.entries(map)) patternsIn(child, `${path}/${key}/${name}`, out);
  }
}

/** A caller's answer schema must describe a JSON object, as structured outputs require, and validate in bounded time. */
export function requireObjectSchema(schema: Record<string, unknown>): JsonObjectSchema {
  if (schema.type !== "object") {
    throw new ToolError(
      `schema: must be a JSON Schema for an object ({"type": "object", "properties": {...}}); got type ${JSON.stringify(schema.type ?? null)}. Wrap other answers in an object property.`,
    );
  }
  if (
    schema.properties !== undefined &&
    (typeof schema.properties !== "object" || schema.properties === null || Array.isArray(schema.properties))
  ) {
    throw new ToolError("schema: properties must be an object mapping names to schemas.");
  }
  if (JSON.stringify(schema).length > 20_000) throw new ToolError("schema: larger than 20,000 characters of JSON; simplify it.");
  const patterns: Array<[string, string]> = [];
  patternsIn(schema, "", patterns);
  for (const [where, pattern] of patterns) {
    const reason = riskyPatternReason(pattern);
    if (reason) {
      throw new ToolError(
        `schema: the regular expression at ${where} (${JSON.stringify(pattern.slice(0, 80))}) is refused: ${reason}. Simplify it (no nested repetition, alternation inside a repeated group or backreference), or drop it and describe the format in the question.`,
      );
    }
  }
  return schema as JsonObjectSchema;
}

/** Strict structured outputs only for schemas inside OpenAI's strict subset; the rest go non-strict and are checked here. */
export function isStrictCompatible(schema: unknown): boolean {
  return fitsStrictSubset(schema);
}

/** Parses the model's answer and checks it against the schema; a mismatch is a clear error, never a silent pass. */
export function parseAnswer(text: string, schema: JsonObjectSchema): Record<string, unknown> {
  if (text.length > MAX_ANSWER_CHARS) {
    throw new ToolError(
      `The model's answer is ${text.length.toLocaleString("en-US")} characters, over the ${MAX_ANSWER_CHARS.toLocaleString("en-US")} this server validates; ask for a shorter answer (a lower max_output_tokens or a tighter schema).`,
      "upstream_error",
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ToolError(
      `The model's answer is not valid JSON, so it cannot match the schema (it began: ${JSON.stringify(text.slice(0, 120))}). Try again with fresh: true, or simplify the schema.`,
      "upstream_error",
    );
  }
  const result = new Validator(schema as never, "2020-12", false).validate(value);
  if (!result.valid) {
    const problems = result.errors
      .filter((e) => e.keyword !== "properties" && e.keyword !== "items")
      .slice(0, 5)
      .map((e) => `${e.instanceLocation || "#"}: ${e.error}`);
    throw new ToolError(
      `The model's answer does not match the schema: ${problems.join("; ")}. Try again with fresh: true, or loosen the schema.`,
      "upstream_error",
    );
  }
  return value as Record<string, unknown>;
}
