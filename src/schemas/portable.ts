import { z } from "zod";

/**
 * Tool schemas as the least capable client reads them. Zod writes a nullable primitive as a
 * `type` array (`["string","null"]`) and a record of unknown values as `additionalProperties: {}`;
 * both are legal JSON Schema, but clients that map tool schemas onto a single-`type` dialect
 * (Gemini's function declarations, OpenAPI subsets) drop or refuse such tools, and the MCP
 * Inspector's `--strict` check warns about them. The adapters register every tool through
 * `portable`, so the fix lives here once, whatever new tools declare.
 */
export type JsonSchema = { [key: string]: unknown };

/** Keywords that describe a schema without constraining it. */
const ANNOTATIONS = new Set(["title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly", "$comment"]);

/** Keywords whose value is one subschema, or a map or list of subschemas. */
const SUBSCHEMA = new Set([
  "additionalProperties",
  "items",
  "not",
  "contains",
  "propertyNames",
  "if",
  "then",
  "else",
  "unevaluatedProperties",
]);
const SUBSCHEMA_MAPS = new Set(["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"]);
const SUBSCHEMA_LISTS = new Set(["anyOf", "oneOf", "allOf", "prefixItems"]);

function isSchemaObject(value: unknown): value is JsonSchema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A schema object that constrains nothing: no keys, or annotations only. */
export function constrainsNothing(schema: JsonSchema): boolean {
  return Object.keys(schema).every((key) => ANNOTATIONS.has(key));
}

/** Rewrites one JSON Schema (recursively) into the portable spelling described above. */
export function portableJsonSchema(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (SUBSCHEMA.has(key) && isSchemaObject(value)) {
      // `additionalProperties: {}` says "any value": `true` says it plainly.
      out[key] = key === "additionalProperties" && constrainsNothing(value) ? true : portableJsonSchema(value);
    } else if (SUBSCHEMA_MAPS.has(key) && isSchemaObject(value)) {
      out[key] = Object.fromEntries(
        Object.entries(value).map(([name, sub]) => [name, isSchemaObject(sub) ? portableJsonSchema(sub) : sub]),
      );
    } else if (SUBSCHEMA_LISTS.has(key) && Array.isArray(value)) {
      out[key] = value.map((sub) => (isSchemaObject(sub) ? portableJsonSchema(sub) : sub));
    } else {
      out[key] = value;
    }
  }
  if (!Array.isArray(out.type)) return out;
  // `type: [a, b]` becomes `anyOf: [{type: a}, {type: b}]`; other keywords stay beside it and
  // still apply only to values of their own type, so the schema accepts exactly what it did.
  const { type, ...rest } = out;
  const branches = (type as unknown[]).map((t) => ({ type: t }));
  if (rest.anyOf === undefined) return { ...rest, anyOf: branches };
  const { anyOf, allOf, ...others } = rest;
  return { ...others, allOf: [...(Array.isArray(allOf) ? allOf : []), { anyOf }, { anyOf: branches }] };
}

/**
 * The same zod schema (it parses exactly as before) whose JSON Schema, as both SDKs emit it
 * for `tools/list`, is the portable spelling. `io` is how the SDKs read it: a tool's input as
 * what a client may send (defaults optional), its output as what the server returns.
 */
export function portable<T extends z.ZodObject>(schema: T, io: "input" | "output"): T {
  // Made once per schema: the stateless era builds a server for every request.
  const made = PORTABLE[io].get(schema);
  if (made) return made as T;
  const copy = schema.clone() as T;
  // A clone points back at its original, which the override below leaves unconverted.
  copy._zod.parent = undefined;
  const json = deepFreeze(portableJsonSchema(z.toJSONSchema(schema, { io, target: "draft-2020-12" }) as JsonSchema));
  // A new top level over the same frozen insides (zod edits the top level): the stateless era converts a tool's schemas on every request.
  copy._zod.toJSONSchema = () => ({ ...json });
  PORTABLE[io].set(schema, copy);
  return copy;
}

const PORTABLE = { input: new WeakMap<z.ZodObject, z.ZodObject>(), output: new WeakMap<z.ZodObject, z.ZodObject>() };

/** Frozen all the way down: a consumer that tried to change a shared schema would throw, not corrupt it for everyone. */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
