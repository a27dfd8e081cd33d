import { z } from "zod";
import type { GithubSettings } from "../config";
import { s256, UpstreamSignInError, type UpstreamData } from "./oidc";
import type { SignedInUser } from "./user";

/**
 * Sign-in with a GitHub OAuth app (github.com or GitHub Enterprise Server): code + PKCE, then the
 * user's id, login, name and verified primary e-mail from the API, and the organisations that
 * ALLOWED_USERS names (`github-org:<org>`), each asked once at sign-in.
 */

const TIMEOUT_MS = 10_000;
const USER_AGENT = "mcp-multimodal-sign-in";

/** Organisations ALLOWED_USERS names, which need the `read:org` scope to check. */
export function namedOrgs(allowedUsers: string[]): string[] {
  return allowedUsers.filter((entry) => entry.startsWith("github-org:")).map((entry) => entry.slice("github-org:".length));
}

export async function githubAuthorizeUrl(
  settings: GithubSettings,
  allowedUsers: string[],
  redirectUri: string,
  state: string,
  data: UpstreamData,
): Promise<string> {
  const url = new URL(`${settings.webUrl}/login/oauth/authorize`);
  url.searchParams.set("client_id", settings.clientId);
  url.searchParams.set("redirect_uri", redirectUri);
  url.searchParams.set("state", state);
  url.searchParams.set("scope", namedOrgs(allowedUsers).length > 0 ? "read:user user:email read:org" : "read:user user:email");
  url.searchParams.set("code_challenge", await s256(data.verifier));
  url.searchParams.set("code_challenge_method", "S256");
  url.searchParams.set("allow_signup", "false");
  return url.toString();
}

async function call(url: string, init: RequestInit, what: string): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch {
    throw new UpstreamSignInError(`GitHub could not be reached (${what}). Try again in a moment.`);
  }
}

async function json(response: Response, what: string): Promise<unknown> {
  if (!response.ok) {
    await response.body?.cancel();
    throw new UpstreamSignInError(`GitHub refused the ${what} request (HTTP ${response.status}).`);
  }
  try {
    return await response.json();
  } catch {
    throw new UpstreamSignInError(`GitHub's ${what} answer is not JSON.`);
  }
}

const TokenAnswer = z.object({ access_token: z.string().min(1) });
const GithubUser = z.object({ id: z.number().int(), login: z.string().min(1).max(100), name: z.string().max(256).nullable().optional() });
const GithubEmails = z.array(z.object({ email: z.string().max(320), primary: z.boolean(), verified: z.boolean() }));
const Membership = z.object({ state: z.string() });

export async function githubUser(
  settings: GithubSettings,
  allowedUsers: string[],
  code: string,
  redirectUri: string,
  data: UpstreamData,
): Promise<SignedInUser> {
  const form = new URLSearchParams({
    client_id: settings.clientId,
    client_secret: settings.clientSecret,
    code,
    redirect_uri: redirectUri,
    code_verifier: data.verifier,
  });
  const tokenResponse = await call(
    `${settings.webUrl}/login/oauth/access_token`,
    { method: "POST", body: form, headers: { accept: "application/json", "user-agent": USER_AGENT } },
    "token",
  );
  // GitHub answers a bad code with 200 and `{"error": …}`: no access_token means refused.
  const token = TokenAnswer.safeParse(await json(tokenResponse, "token"));
  if (!token.success) throw new UpstreamSignInError("GitHub did not accept the sign-in code. Sign in again.");
  const headers = { authorization: `Bearer ${token.data.access_token}`, accept: "application/vnd.github+json", "user-agent": USER_AGENT };
  const user = GithubUser.safeParse(await json(await call(`${settings.apiUrl}/user`, { headers }, "user"), "user"));
  if (!user.success) throw new UpstreamSignInError("GitHub's user answer lacks the id or login.");
  const emails = GithubEmails.safeParse(await json(await call(`${settings.apiUrl}/user/emails`, { headers }, "e-mail"), "e-mail"));
  const email = emails.success ? (emails.data.find((entry) => entry.primary && entry.verified)?.email ?? null) : null;
  const groups: string[] = [];
  for (const org of namedOrgs(allowedUsers)) {
    const response = await call(`${settings.apiUrl}/user/memberships/orgs/${encodeURIComponent(org)}`, { headers }, "organisation");
    if (response.status === 404 || response.status === 403) {
      await response.body?.cancel();
      continue;
    }
    const membership = Membership.safeParse(await json(response, "organisation"));
    if (membership.success && membership.data.state === "active") groups.push(`github-org:${org}`);
  }
  return {
    provider: "github",
    subject: String(user.data.id),
    name: user.data.name || user.data.login,
    email,
    login: user.data.login,
    credential: null,
    groups,
  };
}
