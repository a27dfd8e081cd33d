// A real browser as the MCP client: a page on another origin (as the MCP Inspector's direct mode
// is) calls the real bundle under `wrangler dev` with fetch, so CORS pre-flights, exposed
// headers and the Origin check are judged by Chromium itself, in both protocol eras; the page also
// uploads a file to a create_upload link with fetch PUT, as a web client of the server would.
// Needs Chromium (Debian's `apt-get install chromium`); without it the suite is skipped and says
// so, unless REQUIRE_CHROMIUM=1 (CI installs Chromium and sets it), where a missing browser fails.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodePng } from "../../src/imaging/png-encoder";
import { authorizeUrl, exchangeCode, pkce, register, type Tokens } from "../support/oauth-flow";
import { startWranglerDev, type WranglerDev } from "../support/wrangler-dev";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const TOKEN = "e2e-browser-token-0123456789abcdef";
const SIGNING_KEY = "e2e-browser-signing-key-0123456789abcdefghij";
/**
 * Headless flags for a machine with a closed network: without the background-networking ones
 * Chromium keeps trying Google's hosts, and those refused connections slow every start.
 */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

if (!existsSync(CHROMIUM)) {
  if (process.env.REQUIRE_CHROMIUM === "1") throw new Error(`REQUIRE_CHROMIUM=1 but there is no Chromium at ${CHROMIUM}`);
  console.warn(`browser e2e skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
}

/** What the page reports back from one fetch. */
interface Fetched {
  status: number;
  sessionId: string | null;
  challenge: string | null;
  body: string;
}

describe.skipIf(!existsSync(CHROMIUM))("a browser page as the client", () => {
  let server: WranglerDev | undefined;
  /** The page that may call the server, and another that may not. */
  let pages: Server | undefined;
  let other: Server | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const origin = (server: Server) => `http://localhost:${(server.address() as AddressInfo).port}`;

  beforeAll(async () => {
    // Two local pages; as in production, only the one in ALLOWED_ORIGINS may call the server.
    [pages, other] = await Promise.all([servePage(), servePage()]);
    // A production configuration, so only ALLOWED_ORIGINS may call (locally every localhost
    // origin may). No pinned clock (production refuses one) and no OpenAI: no call here pays.
    server = await startWranglerDev(
      { DEPLOY_ENV: "production", MCP_AUTH_TOKENS: TOKEN, SIGNING_KEY, ALLOWED_ORIGINS: origin(pages) },
      { timeoutMs: 100_000 },
    );
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage();
    await page.goto(`${origin(pages)}/`);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([pages, other].map((server) => new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)))));
    await server?.stop();
  }, 30_000);

  /** One fetch from the page: Chromium applies CORS exactly as it would for a web client. */
  const post = (headers: Record<string, string>, body: unknown): Promise<Fetched> =>
    page.evaluate(
      async ({ url, headers, body }) => {
        const response = await fetch(url, { method: "POST", headers, body: JSON.stringify(body) });
        return {
          status: response.status,
          sessionId: response.headers.get("mcp-session-id"),
          challenge: response.headers.get("www-authenticate"),
          body: await response.text(),
        };
      },
      {
        url: `${server!.url}/mcp`,
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
        body,
      },
    );

  const auth = { authorization: `Bearer ${TOKEN}` };
  const meta = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {},
    "io.modelcontextprotocol/clientInfo": { name: "browser", version: "1.0.0" },
  };
  const modern = (method: string, name?: string) => ({
    ...auth,
    "mcp-protocol-version": "2026-07-28",
    "mcp-method": method,
    ...(name ? { "mcp-name": name } : {}),
  });

  it("speaks 2026-07-28: discover, then a tool call with Mcp-Method and Mcp-Name", async () => {
    const discover = await post(modern("server/discover"), { jsonrpc: "2.0", id: 1, method: "server/discover", params: { _meta: meta } });
    expect(discover.status).toBe(200);
    expect(JSON.parse(discover.body).result.supportedVersions).toContain("2026-07-28");
    const call = await post(modern("tools/call", "count_tokens"), {
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "count_tokens", arguments: { text: "hello from a browser" }, _meta: meta },
    });
    expect(call.status).toBe(200);
    expect(JSON.parse(call.body).result.structuredContent).toMatchObject({ encoding: "o200k_base", characters: 20 });
  });

  it("speaks the 2025 session era: reads the session id header and lists tools in the session", async () => {
    const init = await post(auth, {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "browser", version: "1.0.0" } },
    });
    expect(init.status).toBe(200);
    expect(init.sessionId).toMatch(/^[0-9a-f]{16,}$/);
    const session = { ...auth, "mcp-session-id": init.sessionId!, "mcp-protocol-version": "2025-11-25" };
    expect((await post(session, { jsonrpc: "2.0", method: "notifications/initialized" })).status).toBe(202);
    const list = await post(session, { jsonrpc: "2.0", id: 2, method: "tools/list" });
    expect(list.status).toBe(200);
    expect(list.body).toContain('"name":"generate_image"');
  });

  it("can read why it was refused: 401 with the Bearer challenge naming where to sign in", async () => {
    const refused = await post({ authorization: "Bearer not-the-right-token-000" }, { jsonrpc: "2.0", id: 1, method: "tools/list" });
    expect(refused.status).toBe(401);
    expect(refused.challenge).toBe(
      `Bearer realm="OAuth", resource_metadata="${server!.url}/.well-known/oauth-protected-resource/mcp", error="invalid_token", scope="mcp"`,
    );
    expect(JSON.parse(refused.body)).toEqual({
      error: "invalid_token",
      error_description: "The access token is not valid for this server.",
    });
  });

  it("signs in through the real form: token and name typed, Allow clicked, back at the client with a code", async () => {
    const redirectUri = `${origin(pages!)}/callback`;
    const clientId = await register(fetch, server!.url, redirectUri, "Browser Connector");
    const { verifier, challenge } = await pkce();
    const signIn = await browser!.newPage();
    await signIn.goto(authorizeUrl(server!.url, { clientId, challenge, redirectUri, state: "browser-state" }));
    expect(await signIn.locator("h1").textContent()).toBe("Sign in to mcp-multimodal");
    expect(await signIn.locator("body").textContent()).toContain(
      "Browser Connector (an app that registered itself: its name is not verified)",
    );
    await signIn.fill('input[name="token"]', TOKEN);
    await signIn.fill('input[name="name"]', "Browser Person");
    await Promise.all([signIn.waitForURL(`${redirectUri}?**`), signIn.click('button[value="approve"]')]);
    const back = new URL(signIn.url());
    expect(back.searchParams.get("state")).toBe("browser-state");
    const exchanged = await exchangeCode(fetch, server!.url, { code: back.searchParams.get("code")!, verifier, clientId, redirectUri });
    expect(exchanged.status).toBe(200);
    const { access_token } = (await exchanged.json()) as Tokens;

    // The browser now remembers who signed in and that this client was approved: straight back.
    const again = await pkce();
    await Promise.all([
      signIn.waitForURL(`${redirectUri}?**`),
      signIn.goto(authorizeUrl(server!.url, { clientId, challenge: again.challenge, redirectUri, state: "second" })),
    ]);
    expect(new URL(signIn.url()).searchParams.get("code")).toBeTruthy();
    await signIn.close();

    const call = await post(
      { ...modern("tools/call", "count_tokens"), authorization: `Bearer ${access_token}` },
      { jsonrpc: "2.0", id: 4, method: "tools/call", params: { name: "count_tokens", arguments: { text: "signed in" }, _meta: meta } },
    );
    expect(call.status).toBe(200);
    expect(JSON.parse(call.body).result.structuredContent).toMatchObject({ characters: 9 });
  });

  it("uploads a file with fetch PUT to a create_upload link, and the uploaded id then works in a tool call", async () => {
    const png = await encodePng({ width: 20, height: 12, alpha: true, rgba: (x, y) => [x * 12, y * 20, 90, 255] });
    const made = await post(modern("tools/call", "create_upload"), {
      jsonrpc: "2.0",
      id: 5,
      method: "tools/call",
      params: {
        name: "create_upload",
        arguments: { filename: "from-browser.png", mime_type: "image/png", bytes: png.length },
        _meta: meta,
      },
    });
    expect(made.status).toBe(200);
    const { upload } = JSON.parse(made.body).result.structuredContent as { upload: { url: string } };
    // The page sends the bytes itself: Chromium pre-flights the PUT (Content-Type image/png is not
    // a simple request) and lets the page read the answer only if the server allows its origin.
    const uploaded = await page.evaluate(
      async ({ url, bytes }) => {
        const response = await fetch(url, { method: "PUT", headers: { "content-type": "image/png" }, body: new Uint8Array(bytes) });
        return { status: response.status, body: await response.text() };
      },
      { url: upload.url, bytes: [...png] },
    );
    expect(uploaded.status).toBe(201);
    const stored = JSON.parse(uploaded.body) as { id: string; created: boolean };
    expect(stored).toMatchObject({ id: createHash("sha256").update(png).digest("hex"), created: true });
    const info = await post(modern("tools/call", "image_info"), {
      jsonrpc: "2.0",
      id: 6,
      method: "tools/call",
      params: { name: "image_info", arguments: { image: stored.id }, _meta: meta },
    });
    expect(info.status).toBe(200);
    expect(JSON.parse(info.body).result.structuredContent).toMatchObject({ stored: true, assetId: stored.id, width: 20, height: 12 });
  });

  it("blocks an upload from a page whose origin is not allowed, and the link stays usable", async () => {
    const png = await encodePng({ width: 8, height: 8, alpha: true, rgba: (x, y) => [x * 30, 200, y * 30, 255] });
    const made = await post(modern("tools/call", "create_upload"), {
      jsonrpc: "2.0",
      id: 7,
      method: "tools/call",
      params: { name: "create_upload", arguments: { filename: "stranger.png", mime_type: "image/png", bytes: png.length }, _meta: meta },
    });
    const { upload } = JSON.parse(made.body).result.structuredContent as { upload: { url: string } };
    const stranger = await browser!.newPage();
    await stranger.goto(`${origin(other!)}/`);
    const outcome = await stranger.evaluate(
      async ({ url, bytes }) => {
        try {
          const response = await fetch(url, { method: "PUT", headers: { "content-type": "image/png" }, body: new Uint8Array(bytes) });
          return `answered ${response.status}`;
        } catch (error) {
          return `blocked: ${(error as Error).name}`;
        }
      },
      { url: upload.url, bytes: [...png] },
    );
    await stranger.close();
    expect(outcome).toBe("blocked: TypeError");
    // The pre-flight was refused, so no PUT was sent: the uploader can still use the link.
    const direct = await fetch(upload.url, { method: "PUT", headers: { "content-type": "image/png" }, body: png });
    expect(direct.status).toBe(201);
  });

  it("is refused from an origin that is not allowed, by a server that answers the allowed page meanwhile", async () => {
    const stranger = await browser!.newPage();
    const consoleErrors: string[] = [];
    stranger.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    await stranger.goto(`${origin(other!)}/`);
    const outcome = await stranger.evaluate(async (url) => {
      try {
        const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
        return `answered ${response.status}`;
      } catch (error) {
        return `blocked: ${(error as Error).name}`;
      }
    }, `${server!.url}/mcp`);
    await stranger.close();
    expect(outcome).toBe("blocked: TypeError");
    // Blocked because the server answered the pre-flight without allowing the origin, not
    // because nothing answered (a dead server shows as net::ERR_CONNECTION_REFUSED instead).
    expect(consoleErrors).toEqual([
      `Access to fetch at '${server!.url}/mcp' from origin '${origin(other!)}' has been blocked by CORS policy: ` +
        "Response to preflight request doesn't pass access control check: No 'Access-Control-Allow-Origin' header is present on the requested resource.",
      "Failed to load resource: net::ERR_FAILED",
    ]);
    // The same pre-flight outside the browser: the server's own 403 and reason.
    const preflight = await fetch(`${server!.url}/mcp`, {
      method: "OPTIONS",
      headers: { origin: origin(other!), "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    expect(preflight.status).toBe(403);
    expect(await preflight.text()).toBe(
      `Origin ${origin(other!)} is not allowed. Add it to ALLOWED_ORIGINS to let that web page connect.\n`,
    );
    // And the allowed page is still answered, so the refusal was the origin's, not the server's state.
    const call = await post(modern("tools/call", "count_tokens"), {
      jsonrpc: "2.0",
      id: 3,
      method: "tools/call",
      params: { name: "count_tokens", arguments: { text: "still here" }, _meta: meta },
    });
    expect(call.status).toBe(200);
    expect(JSON.parse(call.body).result.structuredContent).toMatchObject({ characters: 10 });
  });
});

/** A blank page on its own localhost port: an origin for the browser to call from. */
async function servePage(): Promise<Server> {
  const server = createServer((_, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>client</title>"));
  await new Promise<void>((resolve) => server.listen(0, resolve));
  return server;
}
