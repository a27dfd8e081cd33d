// A caller of its own for spending-budget tests in the workers pool: tools run through the tool
// runner (as either MCP adapter runs them), cost questions are answered by the test, and its
// ledger is read once every reservation is closed.
import type { LedgerAudit } from "../../src/budget/ledger-state";
import { runTool } from "../../src/mcp/run-tool";
import { REGISTRY } from "../../src/registry";
import type { Services } from "../../src/services";

export type ToolResult = {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content: Array<{ type: string; text?: string }>;
};

/** The `quote` an `estimate: true` call returns. */
export type Quote = {
  worstCaseUsd: number;
  typicalUsd: number;
  basis: string[];
  ceilings: { dailyBudgetUsd: number; maxCallCostUsd: number; confirmAboveUsd: number };
  today: { day: string; spentUsd: number; reservedUsd: number; leftUsd: number; resetsAt: string };
  verdict: string;
};

/** When the suite's day (SUITE_DATE) ends: where every quote says the budget resets. */
export const NEXT_MIDNIGHT = "2026-11-26T00:00:00.000Z";

/** How a test answers cost questions: each question is kept, and answered by `answer()`. */
export type CostAnswers = { answer: () => "accept" | "decline"; questions: string[] };

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const TOOLS = new Map(REGISTRY.tools.map((tool) => [tool.name, tool]));

export const resultText = (result: ToolResult) => result.content.map((block) => block.text ?? `[${block.type}]`).join("\n");

/** The quote of an `estimate: true` result; a refusal or a result without one fails the test with its text. */
export function quoteOf(result: ToolResult): Quote {
  const quote = result.structuredContent?.["quote"];
  if (result.isError || !quote) throw new Error(`no quote in the result: ${resultText(result)}`);
  return quote as Quote;
}

/** One tool call as `services`' caller; without `answers` the client cannot be asked (no elicitation). */
export async function runAs(services: Services, name: string, args: Record<string, unknown>, answers?: CostAnswers): Promise<ToolResult> {
  const tool = TOOLS.get(name);
  if (!tool) throw new Error(`no tool ${name}`);
  const context = {
    services,
    era: "2026-stateless" as const,
    wantsProgress: false,
    reportProgress: async () => undefined,
    confirm: async (question: string) => {
      if (!answers) return "unavailable" as const;
      answers.questions.push(question);
      return answers.answer() === "accept" ? ("confirmed" as const) : ("declined" as const);
    },
  };
  return (await runTool(tool, args, context, new AbortController().signal)) as ToolResult;
}

/** The ledger once every reservation has been settled or released (a job closes its own as it ends). */
export async function settledAudit(audit: () => Promise<LedgerAudit>): Promise<LedgerAudit> {
  for (let round = 0; round < 40; round++) {
    const current = await audit();
    if (current.open.length === 0) return current;
    await sleep(250);
  }
  return audit();
}
