// Printed by `npm run dev` before wrangler starts: how to connect, and what is configured.
import { existsSync, readFileSync } from "node:fs";

const vars = existsSync(".dev.vars") ? readFileSync(".dev.vars", "utf8") : "";
const has = (name) => new RegExp(`^\\s*${name}\\s*=\\s*\\S`, "m").test(vars);
const url = "http://localhost:8787/mcp";

console.log(`
  MCP server (local): ${url}
    Streamable HTTP at /mcp, legacy SSE at /sse, health at /health.
    Auth: ${has("MCP_AUTH_TOKENS") ? "bearer token from .dev.vars (MCP_AUTH_TOKENS)" : "none — open to this machine only (set MCP_AUTH_TOKENS in .dev.vars to require one)"}
    OpenAI: ${has("OPENAI_API_KEY") ? "key from .dev.vars" : "no OPENAI_API_KEY — asset tools work; image tools say how to configure (or run `npm run fake-openai`)"}

  Connect:
    MCP Inspector:   npx @modelcontextprotocol/inspector   → Streamable HTTP, ${url}
    Claude Desktop:  npx mcp-remote ${url}
    Any client:      POST ${url} (Streamable HTTP)
`);
