/**
 * OpenAI's strict structured outputs accept a subset of JSON Schema (FACTS.md, 2026-11-29): every
 * object lists all its properties as required and sets `additionalProperties: false`, and none of
 * the keywords below appear (`anyOf` is allowed). Outside it the API answers 400
 * `invalid_json_schema`. Internal schemas (verdicts, the 3D spec) are written inside the subset;
 * a caller's schema goes strict only when it fits.
 */

export const STRICT_FORBIDDEN_KEYWORDS = [
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
] as const;

type Node = Record<string, unknown>;

const isNode = (value: unknown): value is Node => typeof value === "object" && value !== null && !Array.isArray(value);

function typesOf(node: Node): unknown[] {
  return Array.isArray(node.type) ? node.type : [node.type];
}

/** The subschemas strict mode looks into, with a JSON-pointer-like path for messages. */
function children(node: Node, path: string): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  if (isNode(node.properties)) for (const [key, child] of Object.entries(node.properties)) out.push([`${path}/properties/${key}`, child]);
  if (node.items !== undefined) out.push([`${path}/items`, node.items]);
  if (Array.isArray(node.anyOf)) node.anyOf.forEach((child, i) => out.push([`${path}/anyOf/${i}`, child]));
  for (const key of ["$defs", "definitions"]) {
    const defs = node[key];
    if (isNode(defs)) for (const [name, child] of Object.entries(defs)) out.push([`${path}/${key}/${name}`, child]);
  }
  return out;
}

function collect(node: unknown, path: string, problems: string[]): void {
  if (!isNode(node)) return;
  const where = path || "#";
  for (const keyword of STRICT_FORBIDDEN_KEYWORDS) {
    if (keyword in node) problems.push(`${where}: '${keyword}' is not permitted`);
  }
  const properties = isNode(node.properties) ? node.properties : undefined;
  if (typesOf(node).includes("object") || properties) {
    if (node.additionalProperties !== false) problems.push(`${where}: 'additionalProperties' must be false`);
    const required = new Set(Array.isArray(node.required) ? node.required : []);
    const missing = Object.keys(properties ?? {}).filter((key) => !required.has(key));
    if (missing.length > 0) problems.push(`${where}: every property must be required (missing ${missing.join(", ")})`);
  }
  for (const [childPath, child] of children(node, path)) collect(child, childPath, problems);
}

/** Every reason the schema falls outside the strict subset, each naming where; empty when it fits. */
export function strictSchemaProblems(schema: unknown): string[] {
  const problems: string[] = [];
  if (!isNode(schema) || schema.type !== "object") problems.push(`#: the root must be {"type": "object"}`);
  collect(schema, "", problems);
  return problems;
}

export function fitsStrictSubset(schema: unknown): boolean {
  return strictSchemaProblems(schema).length === 0;
}
