/** What a cached request resolves to: the assets it made and the result fields that don't change on replay. */
export interface CachedResult<T = unknown> {
  assetIds: string[];
  result: T;
  createdAt: string;
}

/**
 * `req:<hash>` in KV points at the result of a request. The hash covers everything that
 * decides the result (see `requestHash`), so a hit can be served without calling OpenAI.
 */
export class RequestCache {
  constructor(private readonly kv: KVNamespace) {}

  async get<T>(hash: string): Promise<CachedResult<T> | undefined> {
    return (await this.kv.get<CachedResult<T>>(`req:${hash}`, "json")) ?? undefined;
  }

  async put<T>(hash: string, entry: CachedResult<T>): Promise<void> {
    await this.kv.put(`req:${hash}`, JSON.stringify(entry));
  }

  async delete(hash: string): Promise<boolean> {
    const existed = (await this.kv.get(`req:${hash}`)) !== null;
    if (existed) await this.kv.delete(`req:${hash}`);
    return existed;
  }
}
