// `npm run dev`: starts `wrangler dev` (extra arguments pass through, e.g. `npm run dev -- --port 9000`)
// and, once it is ready, prints how to connect: the URL on the port wrangler really took,
// and the header to send when .dev.vars sets tokens.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

/** `NAME=value` lines of .dev.vars (dotenv style; quotes around a value are dropped). */
export function readDevVars(text) {
  const vars = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (match) vars[match[1]] = match[2].replace(/^(["'])(.*)\1$/, "$2");
  }
  return vars;
}

/** The connection help for a server ready at `origin` (e.g. http://localhost:8787). */
export function banner(origin, vars) {
  const url = `${origin}/mcp`;
  const token = (vars.MCP_AUTH_TOKENS ?? "")
    .split(",")
    .map((t) => t.trim())
    .find(Boolean);
  const header = token ? `Authorization: Bearer ${token}` : undefined;
  // Any way to sign in closes the open local server (src/config.ts, openAccess).
  const signIn = Boolean(token || vars.SIGN_IN_SECRET || vars.OIDC_ISSUER);
  const auth = header
    ? `send the header  ${header}  (the first of MCP_AUTH_TOKENS in .dev.vars)`
    : signIn
      ? "OAuth sign-in only (SIGN_IN_SECRET or OIDC_ISSUER in .dev.vars)"
      : "none: open to this machine only (set MCP_AUTH_TOKENS in .dev.vars to require a token)";
  const oauth = signIn
    ? `\n    Sign-in: OAuth clients discover ${origin}/authorize by themselves (a team token or SIGN_IN_SECRET, and a name).`
    : "";
  return `
  MCP server (local): ${url}
    Streamable HTTP at /mcp, legacy SSE at /sse, health at ${origin}/health.
    Auth: ${auth}${oauth}
    OpenAI: ${vars.OPENAI_API_KEY ? `key from .dev.vars${vars.OPENAI_BASE_URL ? `, endpoint ${vars.OPENAI_BASE_URL}` : ""}` : "no OPENAI_API_KEY: asset tools work; image tools say how to configure it (or run the fake: see README, Quick start)"}

  Connect:
    MCP Inspector:  npx @modelcontextprotocol/inspector  → Streamable HTTP, ${url}${header ? `, header ${header}` : ""}
    Claude Code:    claude mcp add --transport http images ${url}${header ? ` --header "${header}"` : ""}
    Claude Desktop: npx mcp-remote ${url}${header ? ` --header "${header}"` : ""}
`;
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const vars = existsSync(".dev.vars") ? readDevVars(readFileSync(".dev.vars", "utf8")) : {};
  const wrangler = spawn("npx", ["wrangler", "dev", "--var", "DEPLOY_ENV:development", ...process.argv.slice(2)], {
    stdio: ["inherit", "pipe", "pipe"],
  });
  let printed = false;
  const watch = (chunk, out) => {
    out.write(chunk);
    // wrangler prints "Ready on http://localhost:PORT" once it listens (on the port it really got).
    const ready = /Ready on (https?:\/\/[^\s/]+)/.exec(chunk.toString().replace(/\x1b\[[0-9;]*m/g, ""));
    if (ready && !printed) {
      printed = true;
      process.stdout.write(banner(ready[1].replace("127.0.0.1", "localhost"), vars));
    }
  };
  wrangler.stdout.on("data", (chunk) => watch(chunk, process.stdout));
  wrangler.stderr.on("data", (chunk) => watch(chunk, process.stderr));
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => wrangler.kill(signal));
  wrangler.on("exit", (code) => process.exit(code ?? 0));
}
