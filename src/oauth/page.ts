import type { ConsentDescription } from "@cloudflare/workers-oauth-provider";
import { SERVER_NAME } from "../version";
import type { SignedInUser } from "./user";

/** What each scope lets a client do, as the consent page says it. */
export const SCOPE_DESCRIPTIONS: Record<string, string> = {
  mcp: "use this server's tools as you: generate, edit and analyse images, build 3D models, read and delete your assets (paid work is billed to the team's OpenAI account)",
  offline_access: "stay connected without signing in again, until the sign-in expires or what allowed it is withdrawn",
};

/** Every string may come from a client (its registration or metadata document): escape all of it. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** The ways in the page offers. */
export interface SignInOptions {
  /** The built-in form: a team access token (or the sign-in secret) and a name. */
  team: boolean;
  /** Upstream providers, by form value and button label. */
  upstream: { method: "oidc" | "github"; label: string }[];
}

export interface PageState {
  consent: ConsentDescription;
  handle: string;
  /** Already signed in on this browser: only consent is asked. */
  user?: SignedInUser;
  options: SignInOptions;
  /** Why the last attempt failed, shown above the form. */
  error?: string;
  /** The name typed last time, kept after a wrong token. */
  name?: string;
}

function whoAsks(consent: ConsentDescription): string {
  const name = `<strong>${escapeHtml(consent.clientName)}</strong>`;
  const origin = consent.clientDomain
    ? `published by <strong>${escapeHtml(consent.clientDomain)}</strong>`
    : "an app that registered itself: its name is not verified";
  const loopback = consent.redirectIsLoopback
    ? `<p class="warn">Access goes to an app on this computer (${escapeHtml(consent.redirectHost)}). Continue only if you just started signing in from it.</p>`
    : "";
  const scopes = consent.scope
    .map(
      (scope) =>
        `<li><code>${escapeHtml(scope)}</code>: ${escapeHtml(SCOPE_DESCRIPTIONS[scope] ?? "a permission this server does not describe")}</li>`,
    )
    .join("");
  return `<p>${name} (${origin}) asks to connect to ${escapeHtml(SERVER_NAME)}.</p>
<p>Access will be sent to <strong>${escapeHtml(consent.redirectHost)}</strong>.</p>
${loopback}<p>It asks to:</p><ul>${scopes}</ul>`;
}

function signInFields(state: PageState): string {
  if (state.user) {
    return `<p>Signed in as <strong>${escapeHtml(state.user.name)}</strong> (${escapeHtml(state.user.provider)}).
<button name="action" value="switch" class="link">Sign in as someone else</button></p>
<p><button name="action" value="approve" class="primary">Allow</button> <button name="action" value="deny">Deny</button></p>`;
  }
  const team = state.options.team
    ? `<fieldset><legend>Sign in with the team's access token</legend>
<label>Team access token <input type="password" name="token" autocomplete="current-password" required minlength="16"></label>
<label>Your name <input type="text" name="name" autocomplete="name" required maxlength="64" value="${escapeHtml(state.name ?? "")}"></label>
<p><button name="action" value="approve" class="primary">Sign in and allow</button></p></fieldset>`
    : "";
  const upstream = state.options.upstream
    .map(({ method, label }) => `<p><button name="action" value="${method}" formnovalidate>${escapeHtml(label)} and allow</button></p>`)
    .join("");
  return `${team}${upstream}<p><button name="action" value="deny" formnovalidate>Deny</button></p>`;
}

/** The sign-in and consent page: plain HTML, one form, no JavaScript. */
export function renderPage(state: PageState): string {
  const error = state.error ? `<p class="error" role="alert">${escapeHtml(state.error)}</p>` : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in to ${escapeHtml(SERVER_NAME)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem}label{display:block;margin:.5rem 0}
input{display:block;width:100%;padding:.4rem;font:inherit}button{font:inherit;padding:.4rem 1rem}.primary{font-weight:bold}
.error{color:#a00}.warn{background:#fff4d6;padding:.5rem}.link{border:0;background:none;text-decoration:underline;padding:0;cursor:pointer}
fieldset{border:1px solid #ccc;margin:1rem 0}</style></head>
<body><h1>Sign in to ${escapeHtml(SERVER_NAME)}</h1>
${whoAsks(state.consent)}${error}
<form method="post"><input type="hidden" name="handle" value="${escapeHtml(state.handle)}">
${signInFields(state)}</form></body></html>`;
}

/** A page for what cannot go back to the client: an invalid request, an expired form, too many attempts. */
export function renderProblem(title: string, message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>
<p>Start again from your app (claude.ai, ChatGPT, …): connect or reconnect this server there.</p></body></html>`;
}
