import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without type declarations
import { banner, readDevVars } from "../../scripts/dev-banner.mjs";

describe("npm run dev banner", () => {
  it("reads .dev.vars lines, quoted or not, ignoring comments", () => {
    expect(readDevVars('# local\nMCP_AUTH_TOKENS="tok-a-0123456789abcdef,tok-b"\nOPENAI_API_KEY=sk-fake\n')).toEqual({
      MCP_AUTH_TOKENS: "tok-a-0123456789abcdef,tok-b",
      OPENAI_API_KEY: "sk-fake",
    });
  });

  it("names the port wrangler really took and the header to send when tokens are set", () => {
    const text: string = banner("http://localhost:8790", { MCP_AUTH_TOKENS: "tok-a-0123456789abcdef,tok-b" });
    expect(text).toContain("MCP server (local): http://localhost:8790/mcp\n");
    expect(text).toContain(
      "Auth: send the header  Authorization: Bearer tok-a-0123456789abcdef  (the first of MCP_AUTH_TOKENS in .dev.vars)",
    );
    expect(text).toContain(
      'claude mcp add --transport http images http://localhost:8790/mcp --header "Authorization: Bearer tok-a-0123456789abcdef"',
    );
    expect(text).toContain(
      "Sign-in: OAuth clients discover http://localhost:8790/authorize by themselves (a team token or SIGN_IN_SECRET, and a name).",
    );
  });

  it("says when only OAuth sign-in is configured", () => {
    const text: string = banner("http://localhost:8787", { SIGN_IN_SECRET: "sign-in-secret-0123456789" });
    expect(text).toContain("Auth: OAuth sign-in only (SIGN_IN_SECRET or OIDC_ISSUER in .dev.vars)");
    expect(text).not.toContain("Authorization");
  });

  it("says the server is open to this machine when no token is set", () => {
    const text: string = banner("http://localhost:8787", {});
    expect(text).toContain("Auth: none: open to this machine only (set MCP_AUTH_TOKENS in .dev.vars to require a token)");
    expect(text).not.toContain("Authorization");
  });
});
