import { Validator } from "@cfworker/json-schema";
import { ToolError } from "../errors";

export type JsonObjectSchema = Record<string, unknown> & { type: "object" };

/** A caller's answer schema must describe a JSON object, as structured outputs require. */
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
  return schema as JsonObjectSchema;
}

/**
 * OpenAI's strict mode accepts only schemas where every object lists all its properties
 * as required and forbids others; anything else goes non-strict and is checked here.
 * Objects hide in nullable types (`["object", "null"]`), combinators and definitions too.
 */
export function isStrictCompatible(schema: unknown): boolean {
  if (!schema || typeof schema !== "object" || Array.isArray(schema)) return true;
  const node = schema as Record<string, unknown>;
  const types = Array.isArray(node.type) ? node.type : [node.type];
  const properties = isPlainObject(node.properties) ? node.properties : undefined;
  if (types.includes("object") || properties) {
    const required = new Set(Array.isArray(node.required) ? node.required : []);
    if (node.additionalProperties !== false) return false;
    if (Object.keys(properties ?? {}).some((key) => !required.has(key))) return false;
  }
  const children = [
    ...Object.values(properties ?? {}),
    node.items,
    ...["anyOf", "oneOf", "allOf"].flatMap((key) => (Array.isArray(node[key]) ? (node[key] as unknown[]) : [])),
    ...["$defs", "definitions"].flatMap((key) => (isPlainObject(node[key]) ? Object.values(node[key]) : [])),
  ];
  return children.every(isStrictCompatible);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses the model's answer and checks it against the schema; a mismatch is a clear error, never a silent pass. */
export function parseAnswer(text: string, schema: JsonObjectSchema): Record<string, unknown> {
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
