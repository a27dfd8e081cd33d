import type { z } from "zod";

/**
 * Both SDKs validate tool arguments before the handler and word failures their own way (a
 * dump of zod issues, prefixed differently per SDK). The runner validates instead, so a bad
 * argument reads the same in both eras; this switches the SDK's own pass off on one server.
 * The published JSON Schema (tools/list) is unchanged.
 */
export function letRunnerValidateArguments(server: object): void {
  const target = server as { validateToolInput?: unknown };
  if (typeof target.validateToolInput !== "function") {
    throw new Error("MCP SDK changed: validateToolInput is gone; update src/mcp/input-validation.ts");
  }
  target.validateToolInput = async (_tool: unknown, args: unknown) => args ?? {};
}

/** One line per bad argument, each starting with the argument's path: what is wrong and what it takes. */
export function describeInvalidArguments(toolName: string, error: z.ZodError): string {
  const problems = error.issues.map((issue) => {
    const path = issue.path
      .map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`))
      .join("")
      .replace(/^\./, "");
    const field = path || "arguments";
    // Messages a schema wrote itself often name the field already, and end a sentence.
    const message = plainMessage(issue)
      .replace(new RegExp(`^${escapeRegExp(String(issue.path.at(-1) ?? field))}: `), "")
      .replace(/\.$/, "");
    return `${field}: ${message}`;
  });
  return `Invalid arguments for ${toolName}: ${problems.join("; ")}. Fix ${problems.length === 1 ? "it" : "them"} and call again.`;
}

const UNITS: Record<string, string> = { string: " characters", array: " items", set: " items", file: " bytes" };

/**
 * zod's default messages ("Too big: expected number to be <=10") in plain words; a message a
 * schema wrote itself (it names the fix already) is kept as it is.
 */
function plainMessage(issue: z.core.$ZodIssue): string {
  const isDefault = /^(Too big|Too small|Invalid input|Invalid option):/.test(issue.message);
  if (!isDefault) return issue.message;
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined
        ? `required: give ${withArticle(issue.expected)}`
        : `must be ${withArticle(issue.expected)}, not ${describeValue(issue.input)}`;
    case "too_big":
      return `must be at most ${String(issue.maximum)}${UNITS[issue.origin] ?? ""}${issue.inclusive === false ? " (exclusive)" : ""}`;
    case "too_small":
      return `must be at least ${String(issue.minimum)}${UNITS[issue.origin] ?? ""}${issue.inclusive === false ? " (exclusive)" : ""}`;
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    default:
      return issue.message;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  const shown = JSON.stringify(value) ?? String(value);
  return `${typeof value} ${shown.length > 40 ? `${shown.slice(0, 37)}...` : shown}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** "an array", "a string": the article English wants before a type name. */
function withArticle(noun: string): string {
  return `${/^[aeiou]/i.test(noun) ? "an" : "a"} ${noun}`;
}
