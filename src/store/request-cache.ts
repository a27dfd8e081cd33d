import { ENTRY_MEMO, type EntryMemo } from "./entry-memo";

/** What a cached request resolves to: the assets it made and the result fields that don't change on replay. */
export interface CachedResult<T = unknown> {
  assetIds: string[];
  result: T;
  createdAt: string;
}

/** `req:<hash>` for the team's shared entry; `req:<owner>:<hash>` for one caller's own (private library). */
function keyFor(hash: string, scope: string | null): string {
  return scope === null ? `req:${hash}` : `req:${scope}:${hash}`;
}

/**
 * `req:<hash>` in KV points at the result of a request. The hash covers everything that
 * decides the result (see `requestHash`), so a hit can be served without calling OpenAI.
 * In a private library each caller has its own entries, `req:<owner>:<hash>`, so a hit
 * (`cached: true`) never reveals that someone else asked the same thing.
 */
export class RequestCache {
  constructor(
    private readonly kv: KVNamespace,
    /** The caller whose entries these are (private library); undefined: the team's shared entries. */
    private readonly scope?: string,
    /** What this isolate read or wrote lately (see EntryMemo for when it may be trusted). */
    private readonly memo: EntryMemo = ENTRY_MEMO,
  ) {}

  private key(hash: string): string {
    return keyFor(hash, this.scope ?? null);
  }

  /** The entry as this isolate last read or wrote it within the last minute, without a KV read; the records it names must be checked. */
  remembered<T>(hash: string): CachedResult<T> | undefined {
    return this.memo.get<T>(this.key(hash), Date.now());
  }

  /** Drops the remembered entry (a record it names is gone or hidden): the next read asks KV. */
  forget(hash: string): void {
    this.memo.delete(this.key(hash));
  }

  async get<T>(hash: string): Promise<CachedResult<T> | undefined> {
    const key = this.key(hash);
    const text = await this.kv.get(key, "text");
    if (text === null) {
      this.memo.delete(key);
      return undefined;
    }
    const entry = JSON.parse(text) as CachedResult<T>;
    this.memo.set(key, entry, Date.now(), text.length);
    return entry;
  }

  async put<T>(hash: string, entry: CachedResult<T>): Promise<void> {
    const key = this.key(hash);
    const text = JSON.stringify(entry);
    await this.kv.put(key, text);
    this.memo.set(key, entry, Date.now(), text.length);
  }

  /** This caller's entry (or the shared one in a team library). */
  async delete(hash: string): Promise<boolean> {
    return this.deleteKey(this.key(hash));
  }

  /** The shared entry and every named owner's own entry: what goes when an asset goes for everyone. Returns how many existed. */
  async deleteEverywhere(hash: string, owners: readonly string[]): Promise<number> {
    const keys = new Set([keyFor(hash, null), ...owners.map((owner) => keyFor(hash, owner))]);
    const removed = await Promise.all([...keys].map((key) => this.deleteKey(key)));
    return removed.filter(Boolean).length;
  }

  private async deleteKey(key: string): Promise<boolean> {
    this.memo.delete(key);
    const existed = (await this.kv.get(key)) !== null;
    if (existed) await this.kv.delete(key);
    return existed;
  }
}
