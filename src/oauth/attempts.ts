/**
 * A bound on failed sign-ins, so the team secret cannot be guessed through the form: per client
 * address and per OAuth client, counted in OAUTH_KV for a window. KV is eventually consistent
 * across locations, so the bound is approximate there, but one attacker hits one location.
 */
export const ATTEMPT_WINDOW_SECONDS = 15 * 60;
export const MAX_FAILURES_PER_ADDRESS = 10;
export const MAX_FAILURES_PER_CLIENT = 30;

interface Counter {
  key: string;
  limit: number;
}

function counters(request: Request, clientId: string): Counter[] {
  const address = request.headers.get("cf-connecting-ip") ?? "unknown";
  return [
    { key: `sign-in-failures:address:${address}`, limit: MAX_FAILURES_PER_ADDRESS },
    { key: `sign-in-failures:client:${clientId}`, limit: MAX_FAILURES_PER_CLIENT },
  ];
}

async function count(kv: KVNamespace, key: string): Promise<number> {
  const value = Number(await kv.get(key));
  return Number.isInteger(value) && value > 0 ? value : 0;
}

/** Whether this address or client has used up its failed attempts for now. */
export async function tooManyFailures(kv: KVNamespace, request: Request, clientId: string): Promise<boolean> {
  for (const { key, limit } of counters(request, clientId)) if ((await count(kv, key)) >= limit) return true;
  return false;
}

/** Counts one failed attempt against the address and the client. */
export async function recordFailure(kv: KVNamespace, request: Request, clientId: string): Promise<void> {
  for (const { key } of counters(request, clientId)) {
    await kv.put(key, String((await count(kv, key)) + 1), { expirationTtl: ATTEMPT_WINDOW_SECONDS });
  }
}
