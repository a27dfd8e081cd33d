/** Jobs are listed for 7 days, as long as Workflows keeps a finished instance's state by default. */
const LISTING_TTL_SECONDS = 7 * 24 * 3600;
const NEWEST_FIRST = 10_000_000_000_000;

export interface ListedJob {
  id: string;
  tool: string;
}

/**
 * `jobs:<caller>:<newest-first time>:<job id>` in KV: the jobs each caller started or
 * joined, newest first, for list_jobs. The job's state itself lives in its tracker.
 */
export class JobIndex {
  constructor(private readonly kv: KVNamespace) {}

  async add(caller: string, job: ListedJob, atMs: number): Promise<void> {
    const key = `jobs:${caller}:${String(NEWEST_FIRST - atMs).padStart(14, "0")}:${job.id}`;
    await this.kv.put(key, "", { metadata: job, expirationTtl: LISTING_TTL_SECONDS });
  }

  async recent(caller: string, limit: number): Promise<ListedJob[]> {
    const page = await this.kv.list<ListedJob>({ prefix: `jobs:${caller}:`, limit });
    return page.keys.flatMap((key) => (key.metadata ? [key.metadata] : []));
  }
}
