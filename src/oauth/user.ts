import { z } from "zod";
import type { Config } from "../config";
import type { Caller } from "../identity";
import { keyedPseudonym } from "../http/signing";

/**
 * Who signed in, as the grant records it (`completeAuthorization({ props })`, encrypted by the
 * OAuth library): the provider that vouched for them, their stable id there, a display name.
 * The caller pseudonym derives from provider + subject, so it is the same on every device and
 * every token the user is issued.
 */
export const SignedInUser = z.object({
  /** `team` (the built-in sign-in page), `github`, or `oidc` (an OpenID Connect provider). */
  provider: z.enum(["team", "github", "oidc"]),
  /** Stable id at that provider: a normalised name for `team`, the numeric user id for GitHub, `sub` for OIDC. */
  subject: z.string().min(1).max(256),
  name: z.string().min(1).max(256),
  email: z.string().max(320).nullable(),
  /** A login name where the provider has one (`provider:<login>` in the lists). */
  login: z.string().max(100).nullable(),
  /**
   * For `team`: the keyed hash of the team token or sign-in secret typed on the page, so that
   * withdrawing it (from MCP_AUTH_TOKENS, or a new SIGN_IN_SECRET) ends these sign-ins too.
   */
  credential: z.string().max(64).nullable(),
  /** Memberships proven at sign-in that ALLOWED_USERS may name (`github-org:<org>`). */
  groups: z.array(z.string().max(120)).max(50).default([]),
});
export type SignedInUser = z.infer<typeof SignedInUser>;

/** What the OAuth library hands the /mcp route in `ctx.props`: a signed-in user, or a team bearer token's caller. */
export const AuthProps = z.discriminatedUnion("via", [
  z.object({ via: z.literal("sign-in"), user: SignedInUser }),
  z.object({
    via: z.literal("team-token"),
    caller: z.object({ id: z.string().min(1), name: z.string().nullable(), admin: z.boolean() }),
  }),
]);
export type AuthProps = z.infer<typeof AuthProps>;

/** The names a user answers to in ADMIN_USERS and ALLOWED_USERS, lower-cased. */
export function userHandles(user: SignedInUser): string[] {
  const handles = [`${user.provider}:${user.subject}`.toLowerCase()];
  if (user.login) handles.push(`${user.provider}:${user.login}`.toLowerCase());
  if (user.email) handles.push(user.email.toLowerCase());
  return handles;
}

/**
 * Whether `list` names the user: by `provider:subject`, `provider:<login>`, e-mail address, or an
 * `@domain` entry matching their e-mail's domain. Only verified e-mails reach a SignedInUser.
 */
export function listNames(list: string[], user: SignedInUser): boolean {
  const handles = userHandles(user);
  const domain = user.email ? `@${user.email.toLowerCase().split("@").pop()}` : undefined;
  const groups = user.groups.map((group) => group.toLowerCase());
  return list.some((entry) => handles.includes(entry) || groups.includes(entry) || (domain !== undefined && entry === domain));
}

/**
 * The Caller a signed-in user is inside the server: keyed pseudonym, display name, and admin
 * rights from ADMIN_USERS, for identities a provider proved only. The team form trusts the
 * name typed, so a `team` user is never an admin (anyone with the team token could type it).
 */
export async function callerOfUser(user: SignedInUser, config: Pick<Config, "signingKey" | "signIn">): Promise<Caller> {
  return {
    id: await keyedPseudonym(`user\n${user.provider}\n${user.subject}`, config.signingKey),
    name: user.name,
    admin: user.provider !== "team" && listNames(config.signIn.adminUsers, user),
  };
}

/** The keyed hash a team sign-in records of the token or secret typed (never the secret itself). */
export function credentialHash(secret: string, signingKey: string): Promise<string> {
  return keyedPseudonym(`sign-in credential\n${secret}`, signingKey);
}

type SignInSettings = Pick<Config, "signingKey" | "signIn" | "authTokens">;

/**
 * Whether a sign-in still holds under today's configuration: a team user's token or secret is
 * still configured; an OIDC user is still on ALLOWED_USERS with OIDC still set up.
 */
export async function stillSignedIn(user: SignedInUser, config: SignInSettings): Promise<boolean> {
  if (user.provider === "oidc") return config.signIn.oidc !== undefined && listNames(config.signIn.allowedUsers, user);
  if (user.provider === "github") return config.signIn.github !== undefined && listNames(config.signIn.allowedUsers, user);
  const accepted = [...config.authTokens, ...(config.signIn.secret ? [config.signIn.secret] : [])];
  const hashes = await Promise.all(accepted.map((secret) => credentialHash(secret, config.signingKey)));
  return user.credential !== null && hashes.includes(user.credential);
}

/**
 * The Caller behind validated OAuth props, or null when the sign-in they record has been
 * withdrawn. Throws on props this server never wrote (a bug, not user input).
 */
export async function callerOfProps(props: unknown, config: SignInSettings): Promise<Caller | null> {
  const parsed = AuthProps.parse(props);
  if (parsed.via === "team-token") return parsed.caller;
  return (await stillSignedIn(parsed.user, config)) ? callerOfUser(parsed.user, config) : null;
}
