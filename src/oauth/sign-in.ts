import {
  AuthorizationError,
  CimdFetchError,
  authorizationErrorRedirect,
  type AuthRequest,
  type OAuthHelpers,
} from "@cloudflare/workers-oauth-provider";
import type { Config } from "../config";
import { matchesAnyToken } from "../http/auth";
import { limitBody } from "../http/body-limit";
import { keyedPseudonym } from "../http/signing";
import { recordFailure, tooManyFailures, ATTEMPT_WINDOW_SECONDS } from "./attempts";
import { githubAuthorizeUrl, githubUser } from "./github";
import { discover, oidcAuthorizeUrl, oidcUser, randomToken, UpstreamSignInError, type UpstreamData } from "./oidc";
import { renderPage, renderProblem, type SignInOptions } from "./page";
import { clearedSessionCookie, sessionCookie, sessionUser } from "./session";
import { callerOfUser, credentialHash, stillSignedIn, type AuthProps, type SignedInUser } from "./user";

export const AUTHORIZE_PATH = "/authorize";
export const CALLBACK_PATH = "/oauth/callback";
/** What a token may do here: one scope, everything the tools offer. */
export const MCP_SCOPE = "mcp";
export const SCOPES_SUPPORTED = [MCP_SCOPE, "offline_access"];
/** A sign-in form is a few short fields; anything larger is refused before it is parsed. */
const MAX_FORM_BYTES = 16 * 1024;
const MAX_NAME_LENGTH = 64;

function nowSeconds(config: Config): number {
  return Math.floor(config.clock().getTime() / 1000);
}

function html(status: number, body: string, headers = new Headers()): Response {
  headers.set("content-type", "text/html; charset=utf-8");
  headers.set("cache-control", "no-store");
  // The page must never be framed: a framed consent button is a click-jacking target.
  headers.set("content-security-policy", "frame-ancestors 'none'");
  headers.set("x-frame-options", "DENY");
  return new Response(body, { status, headers });
}

function redirect(location: string, headers = new Headers()): Response {
  headers.set("location", location);
  headers.set("cache-control", "no-store");
  return new Response(null, { status: 302, headers });
}

function problem(status: number, title: string, message: string, headers?: Headers): Response {
  return html(status, renderProblem(title, message), headers);
}

/** What the page offers, from the configuration. */
function signInOptions(config: Config): SignInOptions {
  const upstream: SignInOptions["upstream"] = [];
  if (config.signIn.github) upstream.push({ method: "github", label: "Sign in with GitHub" });
  if (config.signIn.oidc) upstream.push({ method: "oidc", label: `Sign in with ${config.signIn.oidc.name}` });
  return { team: config.authTokens.length > 0 || config.signIn.secret !== undefined, upstream };
}

/** The scopes a grant gets: what the client asked for that this server knows, and always `mcp`. */
function grantedScopes(request: AuthRequest): string[] {
  return [...new Set([MCP_SCOPE, ...request.scope.filter((scope) => SCOPES_SUPPORTED.includes(scope))])];
}

/** A remembered approval is bound to the user, so another person on the same browser is asked again. */
async function remembering(config: Config, user: SignedInUser) {
  return {
    secret: await keyedPseudonym("consent approvals", config.signingKey),
    subject: (await callerOfUser(user, config)).id,
  };
}

/** The user this browser remembers, while that sign-in still holds (its token configured, still on the allow-list). */
async function rememberedUser(request: Request, config: Config): Promise<SignedInUser | undefined> {
  const found = await sessionUser(request, config.signingKey, nowSeconds(config));
  return found && (await stillSignedIn(found, config)) ? found : undefined;
}

/** Errors from parsing a request: back to the client when its redirect URI is trusted, else shown here. */
function refusedRequest(error: unknown): Response {
  if (error instanceof AuthorizationError && error.redirectTo) return redirect(error.redirectTo);
  if (error instanceof AuthorizationError) return problem(400, "This sign-in request is not valid", error.description);
  if (error instanceof CimdFetchError) {
    return problem(400, "This app could not be verified", "Its client metadata document could not be fetched or is not valid.");
  }
  throw error;
}

/** Errors from the consent handle: the form expired, was used, or came from another browser. */
function refusedForm(error: unknown): Response {
  if (error instanceof AuthorizationError) {
    return problem(
      400,
      "This sign-in page has expired",
      `${error.description}. Pages work once, for ten minutes, in the browser that opened them.`,
    );
  }
  throw error;
}

async function complete(
  oauth: OAuthHelpers,
  request: AuthRequest,
  scope: string[],
  user: SignedInUser,
  config: Config,
  headers: Headers,
): Promise<Response> {
  const caller = await callerOfUser(user, config);
  const props: AuthProps = { via: "sign-in", user };
  const { redirectTo } = await oauth.completeAuthorization({
    request,
    userId: caller.id,
    metadata: { provider: user.provider, name: user.name },
    scope,
    props,
    // One user on two devices with the same app keeps both sign-ins.
    revokeExistingGrants: false,
  });
  headers.append("set-cookie", await sessionCookie(user, config.signingKey, nowSeconds(config)));
  return redirect(redirectTo, headers);
}

async function showPage(
  oauth: OAuthHelpers,
  request: AuthRequest,
  config: Config,
  state: { user?: SignedInUser; handle?: string; error?: string; name?: string; status?: number; headers?: Headers },
): Promise<Response> {
  const consent = { ...(await oauth.describeConsent(request)), scope: grantedScopes(request) };
  let handle = state.handle;
  const headers = state.headers ?? new Headers();
  if (!handle) {
    const transaction = await oauth.beginConsent(request);
    handle = transaction.handle;
    transaction.headers.forEach((value, name) => headers.append(name, value));
  }
  return html(
    state.status ?? 200,
    renderPage({ consent, handle, user: state.user, options: signInOptions(config), error: state.error, name: state.name }),
    headers,
  );
}

/** GET /authorize: straight back to the client when this user already approved it here, else the page. */
async function authorizePage(request: Request, oauth: OAuthHelpers, config: Config): Promise<Response> {
  let authRequest: AuthRequest;
  try {
    authRequest = await oauth.parseAuthRequest(request);
  } catch (error) {
    return refusedRequest(error);
  }
  const user = await rememberedUser(request, config);
  if (user && (await oauth.isConsentRemembered(request, authRequest, await remembering(config, user)))) {
    return complete(oauth, authRequest, grantedScopes(authRequest), user, config, new Headers());
  }
  return showPage(oauth, authRequest, config, { user });
}

function formText(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === "string" ? value : "";
}

/** The user the team form names, or why not. Subject: the name, normalised, so it is the same on every device. */
function teamUser(name: string, credential: string): SignedInUser | string {
  const display = name.trim().replace(/\s+/g, " ");
  if (display.length === 0) return "name: enter your name, so your work is yours on every device.";
  // Control characters would garble logs and pages; they never belong in a name.
  if (display.length > MAX_NAME_LENGTH || /\p{Cc}/u.test(display)) return `name: use at most ${MAX_NAME_LENGTH} printable characters.`;
  return { provider: "team", subject: display.toLowerCase(), name: display, email: null, login: null, credential, groups: [] };
}

/** POST /authorize: the form's answer. */
async function authorizeAnswer(request: Request, oauth: OAuthHelpers, config: Config, env: Env): Promise<Response> {
  const limited = await limitBody(request, MAX_FORM_BYTES);
  if (limited instanceof Response) return problem(413, "The form is too large", "A sign-in form is a few short fields.");
  request = limited;
  let authRequest: AuthRequest;
  try {
    authRequest = await oauth.parseAuthRequest(request);
  } catch (error) {
    return refusedRequest(error);
  }
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    return problem(400, "The form could not be read", "Send the sign-in page's own form.");
  }
  const handle = formText(form, "handle");
  const action = formText(form, "action");
  const scope = grantedScopes(authRequest);
  try {
    if (action === "deny") {
      const denied = await oauth.denyConsent(request, handle);
      return new Response(null, { status: 302, headers: denied.headers });
    }
    const signedIn = await rememberedUser(request, config);
    if (action === "switch") {
      const headers = new Headers({ "set-cookie": clearedSessionCookie() });
      return showPage(oauth, authRequest, config, { handle, headers });
    }
    if (action === "oidc" && config.signIn.oidc) {
      const settings = config.signIn.oidc;
      const discovery = await discover(settings);
      const approved = await oauth.approveConsent(request, handle, { scope });
      const data: UpstreamData = { method: "oidc", verifier: randomToken(), nonce: randomToken() };
      const upstream = await oauth.beginUpstream(approved.request, { data, headers: approved.headers });
      const callback = new URL(CALLBACK_PATH, request.url).toString();
      return redirect(await oidcAuthorizeUrl(discovery, settings, callback, upstream.state, data), upstream.headers);
    }
    if (action === "github" && config.signIn.github) {
      const approved = await oauth.approveConsent(request, handle, { scope });
      const data: UpstreamData = { method: "github", verifier: randomToken(), nonce: randomToken() };
      const upstream = await oauth.beginUpstream(approved.request, { data, headers: approved.headers });
      const callback = new URL(CALLBACK_PATH, request.url).toString();
      const to = await githubAuthorizeUrl(config.signIn.github, config.signIn.allowedUsers, callback, upstream.state, data);
      return redirect(to, upstream.headers);
    }
    if (action !== "approve")
      return showPage(oauth, authRequest, config, { handle, user: signedIn, status: 400, error: "Choose Allow or Deny." });
    if (signedIn && !form.has("token")) {
      const approved = await oauth.approveConsent(request, handle, { scope, remember: await remembering(config, signedIn) });
      return complete(oauth, approved.request, scope, signedIn, config, approved.headers);
    }
    return await teamSignIn(request, form, handle, authRequest, oauth, config, env);
  } catch (error) {
    if (error instanceof UpstreamSignInError) return problem(502, "Sign-in failed", error.message);
    return refusedForm(error);
  }
}

async function teamSignIn(
  request: Request,
  form: FormData,
  handle: string,
  authRequest: AuthRequest,
  oauth: OAuthHelpers,
  config: Config,
  env: Env,
): Promise<Response> {
  const name = formText(form, "name");
  const again = (status: number, error: string) => showPage(oauth, authRequest, config, { handle, status, error, name });
  if (!signInOptions(config).team) return again(400, "This server signs in only through the provider below.");
  if (await tooManyFailures(env.OAUTH_KV, request, authRequest.clientId)) {
    const minutes = ATTEMPT_WINDOW_SECONDS / 60;
    return problem(
      429,
      "Too many failed sign-ins",
      `Too many wrong access tokens were tried. Wait ${minutes} minutes, then try again.`,
      new Headers({ "retry-after": String(ATTEMPT_WINDOW_SECONDS) }),
    );
  }
  const token = formText(form, "token");
  const user = teamUser(name, await credentialHash(token, config.signingKey));
  if (typeof user === "string") return again(400, user);
  const accepted = [...config.authTokens, ...(config.signIn.secret ? [config.signIn.secret] : [])];
  if (!(await matchesAnyToken(token, accepted))) {
    await recordFailure(env.OAUTH_KV, request, authRequest.clientId);
    return again(401, "token: this is not the team's access token. Ask whoever runs this server for it.");
  }
  const approved = await oauth.approveConsent(request, handle, {
    scope: grantedScopes(authRequest),
    remember: await remembering(config, user),
  });
  return complete(oauth, approved.request, grantedScopes(authRequest), user, config, approved.headers);
}

/** GET /oauth/callback: the upstream provider sends the browser back here. */
async function upstreamCallback(request: Request, oauth: OAuthHelpers, config: Config): Promise<Response> {
  let resumed;
  try {
    resumed = await oauth.finishUpstream<UpstreamData>(request);
  } catch (error) {
    return refusedForm(error);
  }
  const url = new URL(request.url);
  const code = url.searchParams.get("code");
  if (url.searchParams.get("error") || !code) {
    return redirect(
      authorizationErrorRedirect(resumed.request, "access_denied", "Sign-in at the provider was declined or failed."),
      resumed.headers,
    );
  }
  const callback = new URL(CALLBACK_PATH, request.url).toString();
  const { oidc, github } = config.signIn;
  let user: SignedInUser;
  try {
    if (resumed.data.method === "oidc" && oidc) {
      user = await oidcUser(await discover(oidc), oidc, code, callback, resumed.data, nowSeconds(config));
    } else if (resumed.data.method === "github" && github) {
      user = await githubUser(github, config.signIn.allowedUsers, code, callback, resumed.data);
    } else {
      return problem(400, "Sign-in failed", "This sign-in method is no longer configured.", resumed.headers);
    }
  } catch (error) {
    if (error instanceof UpstreamSignInError) return problem(502, "Sign-in failed", error.message, resumed.headers);
    throw error;
  }
  if (!(await stillSignedIn(user, config))) {
    const who = user.email ?? `${user.provider}:${user.login ?? user.subject}`;
    return problem(
      403,
      "Not allowed",
      `${who} is not on this server's list of users (ALLOWED_USERS). Ask whoever runs it to add you.`,
      resumed.headers,
    );
  }
  const scope = grantedScopes(resumed.request);
  return complete(oauth, resumed.request, scope, user, config, resumed.headers);
}

/** The sign-in routes: /authorize (GET page, POST answer) and the upstream callback. Undefined for other paths. */
export async function serveSignIn(request: Request, env: Env, config: Config): Promise<Response | undefined> {
  const path = new URL(request.url).pathname;
  if (path !== AUTHORIZE_PATH && path !== CALLBACK_PATH) return undefined;
  const oauth = env.OAUTH_PROVIDER;
  if (!oauth) throw new Error("the OAuth provider did not hand its helpers to the sign-in routes");
  if (path === CALLBACK_PATH)
    return request.method === "GET"
      ? upstreamCallback(request, oauth, config)
      : problem(405, "Method not allowed", "The provider sends the browser here with GET.");
  if (request.method === "GET") return authorizePage(request, oauth, config);
  if (request.method === "POST") return authorizeAnswer(request, oauth, config, env);
  return problem(405, "Method not allowed", "Open this page from your app; it answers GET and POST.");
}
