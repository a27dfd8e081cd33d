// The fake OpenAI in this process plus the real bundle under `wrangler dev` pointed at it:
// what the end-to-end tests, the benchmark and the load run all start (Node side).
import { FakeOpenAIControl } from "../fake-openai/control.ts";
import { startFakeOpenAI, type RunningFakeOpenAI } from "../fake-openai/server.ts";
import { startWranglerDev, type WranglerDev } from "./wrangler-dev.ts";
import { SUITE_DATE } from "./suite-date.ts";

export interface LocalStack {
  base: string;
  fake: RunningFakeOpenAI;
  control: FakeOpenAIControl;
  server: WranglerDev;
  /** Stops both, each attempted even if the other fails, so no process outlives a run. */
  stop(): Promise<void>;
}

export async function startLocalStack(options: {
  token: string;
  signingKey: string;
  vars?: Record<string, string>;
  timeoutMs?: number;
}): Promise<LocalStack> {
  const fake = await startFakeOpenAI(0);
  const control = new FakeOpenAIControl(fake.url);
  const vars: Record<string, string> = {
    DEPLOY_ENV: "test",
    CLOCK_DATE: SUITE_DATE,
    MCP_AUTH_TOKENS: options.token,
    SIGNING_KEY: options.signingKey,
    OPENAI_API_KEY: "sk-local-stack",
    OPENAI_BASE_URL: control.apiBaseUrl,
    ...options.vars,
  };
  // A deployment refuses CLOCK_DATE (its /health would say so and the stack never start):
  // a stack run as production keeps the real clock, so its tests must make no date decisions.
  if (vars["DEPLOY_ENV"] === "production") delete vars["CLOCK_DATE"];
  let server: WranglerDev;
  try {
    server = await startWranglerDev(vars, { timeoutMs: options.timeoutMs ?? 100_000 });
  } catch (error) {
    await fake.close();
    throw error;
  }
  return {
    base: server.url,
    fake,
    control,
    server,
    async stop() {
      const results = await Promise.allSettled([server.stop(), fake.close()]);
      for (const r of results) if (r.status === "rejected") console.error("local stack stop:", r.reason);
    },
  };
}
