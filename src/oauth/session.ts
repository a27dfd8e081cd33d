import { fromBase64, toBase64Url } from "../encoding";
import { signValue, verifiedValue } from "../http/signing";
import { SignedInUser } from "./user";

/**
 * Who signed in on this browser, so a second client (or the same one after its grant ends)
 * asks only for consent. A signed cookie: `__Host-` keeps it Secure, host-only and Path=/;
 * HttpOnly keeps page scripts away; SameSite=Lax lets the top-level redirect from a client carry it.
 */
export const SESSION_COOKIE = "__Host-mcp-sign-in";
const PURPOSE = "sign-in session";
export const SESSION_SECONDS = 30 * 86_400;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function readCookie(request: Request, name: string): string | undefined {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return rest.join("=");
  }
  return undefined;
}

/** The signed-in user this browser carries, when the cookie is ours, intact and unexpired. */
export async function sessionUser(request: Request, secret: string, nowSeconds: number): Promise<SignedInUser | undefined> {
  const cookie = readCookie(request, SESSION_COOKIE);
  if (!cookie) return undefined;
  const value = await verifiedValue(cookie, PURPOSE, secret);
  const bytes = value === undefined ? undefined : fromBase64(value);
  if (!bytes) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(decoder.decode(bytes));
  } catch {
    return undefined;
  }
  const session = (payload ?? {}) as { user?: unknown; exp?: unknown };
  if (typeof session.exp !== "number" || session.exp < nowSeconds) return undefined;
  const user = SignedInUser.safeParse(session.user);
  return user.success ? user.data : undefined;
}

/** The Set-Cookie value that remembers `user` on this browser. */
export async function sessionCookie(user: SignedInUser, secret: string, nowSeconds: number): Promise<string> {
  const value = toBase64Url(encoder.encode(JSON.stringify({ user, exp: nowSeconds + SESSION_SECONDS })));
  return `${SESSION_COOKIE}=${await signValue(value, PURPOSE, secret)}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=${SESSION_SECONDS}`;
}

/** The Set-Cookie value that forgets the signed-in user ("sign in as someone else"). */
export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0`;
}
