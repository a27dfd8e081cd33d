// `npm run test:on-date -- 2026-12-12 [vitest arguments]`: runs the suite with the real
// clock set to that date (10:00 UTC, ticking), to show no verdict depends on the day it runs.
// Node runs under libfaketime (apt-get install -y faketime); workerd, which libfaketime
// deadlocks, gets the same date through SUITE_REAL_CLOCK_SHIFT_MS (test/support/real-clock-shift.ts).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const [date, ...vitestArgs] = process.argv.slice(2);
if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(date)) {
  console.error("usage: npm run test:on-date -- YYYY-MM-DD [vitest arguments]");
  process.exit(2);
}
const target = Date.parse(`${date}T10:00:00Z`);
const preload = fileURLToPath(new URL("./lib/faketime-spares-workerd.mjs", import.meta.url));
const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  SUITE_REAL_CLOCK_SHIFT_MS: String(target - Date.now()),
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import ${preload}`.trim(),
};
console.log(`Running the suite with the real clock at ${date} 10:00 UTC (libfaketime for Node, a shifted clock for workerd).`);
const run = spawnSync("faketime", ["-f", `@${date} 10:00:00`, "npx", "vitest", "run", ...vitestArgs], { stdio: "inherit", env });
if (run.error) {
  console.error(`faketime could not start (${run.error.message}): apt-get install -y faketime`);
  process.exit(2);
}
process.exit(run.status ?? 1);
