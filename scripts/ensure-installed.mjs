// Runs before `npm run dev` and `npm test`: a fresh clone installs its pinned
// dependencies (including its own Node 22) on first use, so the quick start is two commands.
import { execSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";

const marker = "node_modules/.package-lock.json";
const stale = !existsSync(marker) || statSync("package-lock.json").mtimeMs > statSync(marker).mtimeMs + 1000;
if (stale) {
  console.log("Installing the pinned dependencies (first run)…");
  execSync("npm ci --no-audit --no-fund", { stdio: "inherit" });
}
