// Every tool's JSON Schemas, as clients receive them in both eras, stay in the portable subset
// the MCP Inspector's `--strict` check asks for: no `type` arrays, no schema that constrains
// nothing. New tools are covered as soon as they are in the registry.
import { Validator } from "@cfworker/json-schema";
import { describe, expect, it } from "vitest";
import { REGISTRY } from "../../src/registry";
import { portableJsonSchema, type JsonSchema } from "../../src/schemas/portable";
import { connect, connectModern } from "../support/mcp";

const NON_CONSTRAINING = new Set(["title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly", "$comment"]);

/** Every portability problem in a schema, by JSON path. */
function problems(schema: unknown, path: string, found: string[] = []): string[] {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return found;
  const node = schema as JsonSchema;
  if (Array.isArray(node.type)) found.push(`${path}: type is an array ${JSON.stringify(node.type)}`);
  if (Object.keys(node).every((key) => NON_CONSTRAINING.has(key))) found.push(`${path}: schema constrains nothing ${JSON.stringify(node)}`);
  for (const [key, value] of Object.entries(node)) {
    if (
      ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"].includes(key) &&
      value &&
      typeof value === "object"
    ) {
      for (const [name, sub] of Object.entries(value)) problems(sub, `${path}.${key}.${name}`, found);
    } else if (["anyOf", "oneOf", "allOf", "prefixItems"].includes(key) && Array.isArray(value)) {
      value.forEach((sub, i) => problems(sub, `${path}.${key}[${i}]`, found));
    } else if (["items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else"].includes(key)) {
      problems(value, `${path}.${key}`, found);
    }
  }
  return found;
}

describe("tool schemas as clients see them", () => {
  it("have no type arrays and no empty schemas, for every tool, in both eras", async () => {
    const legacy = await connect();
    const modern = await connectModern();
    const eras = { "2025": (await legacy.listTools()).tools, "2026": (await modern.listTools()).tools };
    for (const [era, tools] of Object.entries(eras)) {
      expect(tools.map((t) => t.name).sort(), era).toEqual(REGISTRY.tools.map((t) => t.name).sort());
      const found = tools.flatMap((tool) => [
        ...problems(tool.inputSchema, `${era} ${tool.name}.inputSchema`),
        ...problems(tool.outputSchema, `${era} ${tool.name}.outputSchema`),
      ]);
      expect(found).toEqual([]);
    }
    await Promise.all([legacy.close(), modern.close()]);
  });

  it("spell nullable fields as anyOf (server_status's shutdownDate) and free-form objects with additionalProperties: true", async () => {
    const client = await connect();
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    const status = byName.get("server_status")!.outputSchema as JsonSchema;
    const imageModel = ((status.properties as JsonSchema).models as { properties: { image: { items: { properties: JsonSchema } } } })
      .properties.image.items.properties;
    expect(imageModel.shutdownDate).toEqual({ anyOf: [{ type: "string" }, { type: "null" }] });
    const analyze = byName.get("analyze_image")!.inputSchema as unknown as { properties: { schema: JsonSchema } };
    expect(analyze.properties.schema.additionalProperties).toBe(true);
    await client.close();
  });
});

describe("portableJsonSchema", () => {
  const original: JsonSchema = {
    type: "object",
    properties: {
      name: { type: ["string", "null"], minLength: 2, description: "a name" },
      size: { type: ["integer", "null"], anyOf: [{ minimum: 1 }, { type: "null" }] },
      tags: { type: "array", items: { type: ["string", "number"] } },
      extra: { type: "object", additionalProperties: {} },
    },
    required: ["name"],
    additionalProperties: false,
  };
  const rewritten = portableJsonSchema(original);

  it("rewrites type arrays and empty additionalProperties at any depth, keeping the other keywords", () => {
    expect(rewritten.properties).toEqual({
      name: { minLength: 2, description: "a name", anyOf: [{ type: "string" }, { type: "null" }] },
      size: { allOf: [{ anyOf: [{ minimum: 1 }, { type: "null" }] }, { anyOf: [{ type: "integer" }, { type: "null" }] }] },
      tags: { type: "array", items: { anyOf: [{ type: "string" }, { type: "number" }] } },
      extra: { type: "object", additionalProperties: true },
    });
    expect(problems(rewritten, "rewritten")).toEqual([]);
  });

  it("accepts and refuses exactly the values the original did", () => {
    const before = new Validator(original as never, "2020-12", false);
    const after = new Validator(rewritten as never, "2020-12", false);
    const samples: unknown[] = [
      { name: "ab" },
      { name: null },
      { name: "a" },
      { name: 3 },
      {},
      { name: "ab", size: 0 },
      { name: "ab", size: 2 },
      { name: "ab", size: null },
      { name: "ab", size: 1.5 },
      { name: "ab", tags: ["x", 1] },
      { name: "ab", tags: [true] },
      { name: "ab", extra: { anything: [1] } },
      { name: "ab", other: 1 },
    ];
    for (const sample of samples) {
      expect(after.validate(sample).valid, JSON.stringify(sample)).toBe(before.validate(sample).valid);
    }
    // The samples cover both verdicts, so the comparison means something.
    expect(new Set(samples.map((s) => before.validate(s).valid))).toEqual(new Set([true, false]));
  });
});
