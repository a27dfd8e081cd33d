// Structured outputs for the fake: strict-mode checks the real API applies to a json_schema
// text format, and a generator of a value that satisfies the schema.

import { ApiError } from "./errors.ts";

type Schema = Record<string, unknown>;

function isSchema(value: unknown): value is Schema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalidSchema(name: string, context: string, detail: string): ApiError {
  return new ApiError(400, {
    message: `Invalid schema for response_format '${name}': In context=(${context}), ${detail}`,
    type: "invalid_request_error",
    param: "text.format.schema",
    code: "invalid_json_schema",
  });
}

function childSchemas(schema: Schema): Array<[string, Schema]> {
  const children: Array<[string, Schema]> = [];
  const properties = schema["properties"];
  if (isSchema(properties)) {
    for (const [key, child] of Object.entries(properties)) {
      if (isSchema(child)) children.push([`'properties', '${key}'`, child]);
    }
  }
  const items = schema["items"];
  if (isSchema(items)) children.push(["'items'", items]);
  for (const keyword of ["anyOf", "allOf", "oneOf"]) {
    const variants = schema[keyword];
    if (Array.isArray(variants)) {
      variants.forEach((variant, i) => {
        if (isSchema(variant)) children.push([`'${keyword}', '${i}'`, variant]);
      });
    }
  }
  for (const keyword of ["$defs", "definitions"]) {
    const defs = schema[keyword];
    if (isSchema(defs)) {
      for (const [key, def] of Object.entries(defs)) {
        if (isSchema(def)) children.push([`'${keyword}', '${key}'`, def]);
      }
    }
  }
  return children;
}

function typesOf(schema: Schema): string[] {
  const type = schema["type"];
  if (typeof type === "string") return [type];
  if (Array.isArray(type)) return type.filter((t): t is string => typeof t === "string");
  return [];
}

/** Keywords strict mode refuses anywhere in the schema (the real API's "'oneOf' is not permitted"). */
const NOT_PERMITTED = [
  "oneOf",
  "allOf",
  "not",
  "if",
  "then",
  "else",
  "dependentRequired",
  "dependentSchemas",
  "patternProperties",
  "unevaluatedProperties",
  "propertyNames",
];

/** Strict mode: no keyword outside the subset; every object lists all its properties as required and sets additionalProperties: false. */
function checkStrictNode(name: string, schema: Schema, context: string): void {
  const forbidden = NOT_PERMITTED.find((keyword) => keyword in schema);
  if (forbidden) throw invalidSchema(name, context, `'${forbidden}' is not permitted.`);
  const isObject = typesOf(schema).includes("object") || isSchema(schema["properties"]);
  if (isObject) {
    if (schema["additionalProperties"] !== false) {
      throw invalidSchema(name, context, "'additionalProperties' is required to be supplied and to be false.");
    }
    const properties = isSchema(schema["properties"]) ? Object.keys(schema["properties"]) : [];
    const required = Array.isArray(schema["required"]) ? schema["required"] : [];
    const missing = properties.filter((key) => !required.includes(key));
    if (missing.length > 0) {
      throw invalidSchema(
        name,
        context,
        `'required' is required to be supplied and to be an array including every key in properties. Missing '${missing[0]}'.`,
      );
    }
  }
  for (const [path, child] of childSchemas(schema)) {
    checkStrictNode(name, child, context ? `${context}, ${path}` : path);
  }
}

export function checkJsonSchemaFormat(name: string, schema: Schema, strict: boolean): void {
  if (!typesOf(schema).includes("object")) {
    const got = typesOf(schema)[0] ?? "None";
    throw new ApiError(400, {
      message: `Invalid schema for response_format '${name}': schema must be a JSON Schema of 'type: "object"', got 'type: "${got}"'.`,
      type: "invalid_request_error",
      param: "text.format.schema",
      code: "invalid_json_schema",
    });
  }
  if (strict) checkStrictNode(name, schema, "");
}

export interface ExampleHints {
  /** Text for description-like string fields. */
  description: string;
  /** Value for count-like integer fields. */
  imageCount: number;
}

const DESCRIPTIVE_KEY = /desc|summary|caption|reason|explan|text|answer|comment|note|rationale|analysis/i;
const COUNT_KEY = /count|num|images/i;

function resolveRef(root: Schema, ref: string): Schema | undefined {
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  if (!match) return ref === "#" ? root : undefined;
  const defs = root[match[1] ?? ""];
  const def = isSchema(defs) ? defs[match[2] ?? ""] : undefined;
  return isSchema(def) ? def : undefined;
}

function numberBetween(schema: Schema, integer: boolean, preferred: number): number {
  const num = (key: string) => (typeof schema[key] === "number" ? (schema[key] as number) : undefined);
  const step = integer ? 1 : 0.5;
  let low = num("minimum") ?? (num("exclusiveMinimum") !== undefined ? (num("exclusiveMinimum") as number) + step : undefined);
  let high = num("maximum") ?? (num("exclusiveMaximum") !== undefined ? (num("exclusiveMaximum") as number) - step : undefined);
  if (integer) {
    if (low !== undefined) low = Math.ceil(low);
    if (high !== undefined) high = Math.floor(high);
  }
  let value = preferred;
  if (low !== undefined && high !== undefined) value = Math.min(Math.max(preferred, low), high);
  else if (low !== undefined) value = Math.max(preferred, low);
  else if (high !== undefined) value = Math.min(preferred, high);
  const multipleOf = num("multipleOf");
  if (multipleOf && multipleOf > 0) {
    const snapped = Math.ceil(value / multipleOf) * multipleOf;
    value = high !== undefined && snapped > high ? Math.floor(value / multipleOf) * multipleOf : snapped;
  }
  return integer ? Math.round(value) : value;
}

function stringFor(schema: Schema, key: string, hints: ExampleHints): string {
  const format = schema["format"];
  if (format === "date-time") return "2026-11-24T12:00:00Z";
  if (format === "date") return "2026-11-24";
  if (format === "time") return "12:00:00";
  if (format === "email") return "fake@example.com";
  if (format === "uri" || format === "url") return "https://example.com/fake";
  if (format === "uuid") return "00000000-0000-4000-8000-000000000000";
  let text = DESCRIPTIVE_KEY.test(key) ? hints.description : `sample ${key || "text"}`;
  const minLength = typeof schema["minLength"] === "number" ? schema["minLength"] : 0;
  const maxLength = typeof schema["maxLength"] === "number" ? schema["maxLength"] : Infinity;
  while (text.length < minLength) text += ` ${text}`;
  return text.slice(0, Math.max(minLength, Math.min(maxLength, text.length)));
}

function exampleFor(root: Schema, schema: Schema, key: string, hints: ExampleHints, depth: number): unknown {
  if (depth > 12) return null;
  const ref = schema["$ref"];
  if (typeof ref === "string") {
    const target = resolveRef(root, ref);
    return target ? exampleFor(root, target, key, hints, depth + 1) : null;
  }
  if ("const" in schema) return schema["const"];
  const enumValues = schema["enum"];
  if (Array.isArray(enumValues) && enumValues.length > 0) return enumValues[0];
  for (const keyword of ["anyOf", "oneOf"]) {
    const variants = schema[keyword];
    if (Array.isArray(variants)) {
      const chosen = variants.find((v) => isSchema(v) && !typesOf(v).every((t) => t === "null")) ?? variants[0];
      return isSchema(chosen) ? exampleFor(root, chosen, key, hints, depth + 1) : null;
    }
  }
  const allOf = schema["allOf"];
  if (Array.isArray(allOf)) {
    const merged: Schema = { ...schema, allOf: undefined };
    for (const part of allOf) if (isSchema(part)) Object.assign(merged, part);
    delete merged["allOf"];
    return exampleFor(root, merged, key, hints, depth + 1);
  }

  const types = typesOf(schema);
  const type = types.find((t) => t !== "null") ?? types[0] ?? (isSchema(schema["properties"]) ? "object" : "string");
  switch (type) {
    case "object": {
      const result: Record<string, unknown> = {};
      const properties = isSchema(schema["properties"]) ? schema["properties"] : {};
      for (const [name, child] of Object.entries(properties)) {
        if (isSchema(child)) result[name] = exampleFor(root, child, name, hints, depth + 1);
      }
      return result;
    }
    case "array": {
      const minItems = typeof schema["minItems"] === "number" ? schema["minItems"] : 0;
      const maxItems = typeof schema["maxItems"] === "number" ? schema["maxItems"] : Infinity;
      const count = Math.min(Math.max(1, minItems), maxItems);
      const items = isSchema(schema["items"]) ? schema["items"] : {};
      return Array.from({ length: count }, () => exampleFor(root, items, key, hints, depth + 1));
    }
    case "integer":
      return numberBetween(schema, true, COUNT_KEY.test(key) ? hints.imageCount : 1);
    case "number":
      return numberBetween(schema, false, COUNT_KEY.test(key) ? hints.imageCount : 0.5);
    case "boolean":
      return true;
    case "null":
      return null;
    default:
      return stringFor(schema, key, hints);
  }
}

export function exampleForSchema(schema: Schema, hints: ExampleHints): unknown {
  return exampleFor(schema, schema, "", hints, 0);
}
