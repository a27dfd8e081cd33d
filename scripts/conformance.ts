// `npm run conformance`: the official MCP conformance suite (pinned) against the real bundle
// under `wrangler dev`, with the nine server scenarios that apply to a product server.
// The server runs as `npm run dev` does (no tokens: open to this machine only), since the
// suite sends no credentials. Exits non-zero when any check fails or warns.
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import { startWranglerDev } from "../test/support/wrangler-dev.ts";
import { SUITE_DATE } from "../test/support/suite-date.ts";
import { stopOnSignal } from "./lib/stack.ts";

export const CONFORMANCE_PACKAGE = "@modelcontextprotocol/conformance@0.1.16";

export const SCENARIOS = [
  "server-initialize",
  "ping",
  "tools-list",
  "logging-set-level",
  "completion-complete",
  "resources-list",
  "prompts-list",
  "server-sse-multiple-streams",
  "dns-rebinding-protection",
] as const;

interface ScenarioResult {
  scenario: string;
  exitCode: number | null;
  /** The suite's own tally line, e.g. "Passed: 2/2, 0 failed, 0 warnings". */
  tally: string;
  ok: boolean;
  output: string;
}

const TALLY = /Passed: (\d+)\/(\d+), (\d+) failed, (\d+) warnings/;

function runScenario(url: string, scenario: string): Promise<ScenarioResult> {
  return new Promise((resolve, reject) => {
    // npx resolves to this project's Node 22 when run through npm (the suite needs Node 22).
    const child = spawn("npx", ["--yes", CONFORMANCE_PACKAGE, "server", "--url", url, "--scenario", scenario], {
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.once("error", reject);
    child.once("close", (exitCode) => {
      // Colour codes stay in some lines even with NO_COLOR.
      const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
      const match = TALLY.exec(plain);
      const ok = exitCode === 0 && match !== null && match[1] === match[2] && match[3] === "0" && match[4] === "0";
      resolve({ scenario, exitCode, tally: match?.[0] ?? "no tally printed", ok, output: plain });
    });
  });
}

async function main(): Promise<void> {
  const started = performance.now();
  const server = await startWranglerDev({ DEPLOY_ENV: "development", CLOCK_DATE: SUITE_DATE }, { timeoutMs: 120_000 });
  stopOnSignal(server.stop);
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of SCENARIOS) {
      const result = await runScenario(`${server.url}/mcp`, scenario);
      results.push(result);
      console.log(`${result.ok ? "pass" : "FAIL"}  ${scenario.padEnd(30)} ${result.tally}`);
      if (!result.ok) console.log(result.output.slice(-3000));
    }
  } finally {
    await server.stop();
  }
  const failed = results.filter((r) => !r.ok);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`${CONFORMANCE_PACKAGE}: ${results.length - failed.length}/${results.length} scenarios passed in ${seconds} s`);
  if (failed.length > 0) process.exitCode = 1;
}

await main();
