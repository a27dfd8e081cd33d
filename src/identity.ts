/**
 * Who is calling, as every layer below the Worker's gate sees it. The gate learns it from a
 * team bearer token or a signed-in user; services, pipelines and tools only read it.
 */
export interface Caller {
  /** Stable keyed pseudonym: OpenAI's `safety_identifier`, and the owner of sessions, jobs and assets. */
  id: string;
  /** A display name where one is known (a signed-in user); null for a bearer token. */
  name: string | null;
  /** May act on every caller's assets (an admin token or user). */
  admin: boolean;
}

/** A caller known only by a team token's pseudonym. */
export function tokenCaller(id: string): Caller {
  return { id, name: null, admin: false };
}
