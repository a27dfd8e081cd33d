import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { SUITE_DATE } from "./test/support/suite-date.ts";

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                DEPLOY_ENV: "test",
                CLOCK_DATE: SUITE_DATE,
                OPENAI_API_KEY: "sk-test-key",
                OPENAI_BASE_URL: `${inject<string>("fakeOpenAIUrl")}/v1`,
                MCP_AUTH_TOKENS: "test-token-one-0123456789,test-token-two-0123456789",
                SIGNING_KEY: "test-signing-key-0123456789abcdef",
              },
            },
          })),
        ],
        test: {
          name: "workers",
          // Off for workerd: with the on-disk module cache, each new test file's runner asks Vitest
          // for a "warm modules" snapshot, and the pool inlines every cached module of that file's
          // import graph into ONE WebSocket message to workerd. Once earlier files have transformed
          // the Worker's graph, that message passes workerd's limit and the runner dies with
          // "WebSocket protocol error 1009, Message is too large" ("Worker exited unexpectedly").
          // Without it, modules travel one per message.
          fsModuleCache: false,
          include: ["test/workers/**/*.test.ts"],
          globalSetup: ["test/fake-openai/global-setup.ts"],
          setupFiles: ["test/support/real-clock-shift.ts"],
          provide: { realClockShiftMs: Number(process.env["SUITE_REAL_CLOCK_SHIFT_MS"] ?? 0) },
          testTimeout: 30_000,
          hookTimeout: 30_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "e2e",
          environment: "node",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
