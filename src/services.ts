import type { Config } from "./config";
import type { Caller } from "./identity";
import { SILENT_LOGGER, type Logger } from "./log";
import { ImageService } from "./imaging/image-service";
import { AssetIndex } from "./store/asset-index";
import { AssetLibrary } from "./store/asset-library";
import { BlobStore } from "./store/blob-store";
import { RequestCache } from "./store/request-cache";
import { JobIndex } from "./store/job-index";
import { StagingArea } from "./store/staging";
import { Budget } from "./budget/budget";
import { ownerIdOf, viewerOf } from "./store/owners";

/** The services a tool handler uses, built from bindings per request (no global state). */
export interface Services {
  config: Config;
  library: AssetLibrary;
  index: AssetIndex;
  cache: RequestCache;
  images: ImageService;
  /** One Durable Object per request hash, so identical requests anywhere call OpenAI once. */
  coordinator: Env["REQUEST_COORDINATOR"];
  /** Paid work that outlives a call: the Workflow that runs jobs, the per-job state, staged inputs. */
  jobs: { workflow: Env["JOBS"]; trackers: Env["JOB_TRACKER"]; staging: StagingArea; index: JobIndex };
  /** The caller's spending ledger: today's totals, reservations against DAILY_BUDGET_USD and MAX_CALL_COST_USD. */
  budget: Budget;
  ledgers: Env["SPENDING_LEDGER"];
  /** Public origin of this Worker, for signed download links. */
  baseUrl: string;
  /** Who made this request (their pseudonym goes to OpenAI as `safety_identifier`); null on an open local server. */
  caller: Caller | null;
  /** Messages for the connected client (upstream calls, cache decisions); the adapters bind it per call. */
  log: Logger;
  /** The fetch used for image inputs given as URLs; the global one unless a test injects another. */
  fetchInput?: typeof fetch;
}

/** Where a request came in and who made it: what the Worker's gate learned, handed to the routes. */
export interface RequestScope {
  baseUrl: string;
  caller: Caller | null;
}

export function createServices(env: Env, config: Config, baseUrl: string, caller: Caller | null = null): Services {
  const index = new AssetIndex(env.INDEX);
  const viewer = viewerOf(caller, config.library);
  // A private library keeps each caller's request cache apart; a team shares one.
  const cache = new RequestCache(env.INDEX, config.library === "private" ? viewer.owner.id : undefined);
  return {
    config,
    library: new AssetLibrary(new BlobStore(env.ASSETS), index, cache, env.REQUEST_COORDINATOR, config.clock, viewer),
    index,
    cache,
    images: new ImageService(env.IMAGES),
    coordinator: env.REQUEST_COORDINATOR,
    jobs: { workflow: env.JOBS, trackers: env.JOB_TRACKER, staging: new StagingArea(env.ASSETS), index: new JobIndex(env.INDEX) },
    budget: new Budget(env.SPENDING_LEDGER, config, ownerIdOf(caller)),
    ledgers: env.SPENDING_LEDGER,
    baseUrl,
    caller,
    log: SILENT_LOGGER,
  };
}
