import type { ContentBlock } from "../results";
import { text } from "../results";
import type { ToolContext, ToolDefinition } from "./definitions";
import { ToolError } from "../errors";
import { describeInvalidArguments } from "./input-validation";

export interface CallToolResultJson {
  [key: string]: unknown;
  content: ContentBlock[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/**
 * Thrown (through `confirm`) when a stateless client must answer a question before the
 * call can go on; the 2026 adapter turns it into an `input_required` result.
 */
export class AskClientFirst extends Error {
  constructor(readonly question: string) {
    super(question);
    this.name = "AskClientFirst";
  }
}

export function errorResult(message: string): CallToolResultJson {
  return { content: [text(message)], isError: true };
}

/**
 * Runs one tool call for either adapter: applies the tool deadline, and turns every
 * failure into an `isError` result with a message the model can act on. Handlers only
 * throw; they never build error results themselves.
 */
export async function runTool(
  tool: ToolDefinition,
  args: unknown,
  context: Omit<ToolContext, "signal">,
  clientSignal: AbortSignal,
): Promise<CallToolResultJson> {
  const deadlineMs = context.services.config.toolDeadlineMs;
  const deadline = AbortSignal.timeout(deadlineMs);
  const signal = AbortSignal.any([clientSignal, deadline]);
  const parsed = tool.input.safeParse(args ?? {}, { reportInput: true });
  if (!parsed.success) return errorResult(describeInvalidArguments(tool.name, parsed.error));
  try {
    const output = await tool.run(parsed.data as never, { ...context, signal });
    return {
      content: [text(output.summary), text(JSON.stringify(output.structured)), ...(output.content ?? [])],
      structuredContent: output.structured as Record<string, unknown>,
    };
  } catch (error) {
    if (error instanceof AskClientFirst) throw error;
    if (deadline.aborted) {
      return errorResult(
        `${tool.name} took longer than the ${Math.round(deadlineMs / 1000)} s tool deadline and was stopped; nothing was stored. Try a smaller or lower-quality request, or raise TOOL_DEADLINE_SECONDS.`,
      );
    }
    if (clientSignal.aborted) return errorResult(`${tool.name} was cancelled by the client; nothing was stored.`);
    if (error instanceof ToolError) return errorResult(error.message);
    const incident = crypto.randomUUID();
    console.error(JSON.stringify({ event: "tool_failed", tool: tool.name, incident, error: describe(error) }));
    return errorResult(
      `${tool.name} failed with an internal error (incident ${incident}). Nothing was stored; try again, and report the incident id if it persists.`,
    );
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
