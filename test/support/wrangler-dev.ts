// Starts the real bundle under `wrangler dev` (Node side: e2e tests, bench, load runs).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface WranglerDev {
  url: string;
  /** The `--persist-to` folder holding this run's local R2, KV and Durable Object state (removed by stop()). */
  stateDir: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Runs `wrangler dev` on free ports with its own state folder, and waits until it answers /health.
 * Given `stateDir`, it runs on that folder instead and leaves it in place on stop (restart tests).
 */
export async function startWranglerDev(
  vars: Record<string, string>,
  options: { timeoutMs?: number; stateDir?: string } = {},
): Promise<WranglerDev> {
  const port = await freePort();
  const inspectorPort = await freePort();
  const state = options.stateDir ?? mkdtempSync(join(tmpdir(), "wrangler-state-"));
  const args = [
    "wrangler",
    "dev",
    "--port",
    String(port),
    "--ip",
    "127.0.0.1",
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    state,
    "--log-level",
    "warn",
  ];
  for (const [name, value] of Object.entries(vars)) args.push("--var", `${name}:${value}`);
  const child: ChildProcess = spawn("npx", args, {
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", FORCE_COLOR: "0" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
      await new Promise((resolve) => {
        const timer = setTimeout(() => {
          // Still running after SIGTERM: make sure no workerd outlives the run.
          try {
            process.kill(-child.pid!, "SIGKILL");
          } catch {
            // already gone
          }
          resolve(undefined);
        }, 5000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve(undefined);
        });
      });
    }
    if (!options.stateDir) rmSync(state, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) return { url, stateDir: state, stop };
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  await stop();
  throw new Error(`wrangler dev did not start:\n${output.slice(-4000)}`);
}
