import { McpAgent } from "agents/mcp";
import { readConfig } from "./config";
import { buildServerV1 } from "./mcp/adapter-v1";
import { CappedEventStore } from "./mcp/capped-event-store";
import { isLogLevel } from "./mcp/logging";
import { REGISTRY } from "./registry";
import { OPEN_CALLER, type OwnedSession } from "./http/session-owner";
import { createServices, type RequestScope, type Services } from "./services";

/** The caller that opened the session, kept in its storage. */
const OWNER_KEY = "owner";

/** What the Worker's gate hands the session: the public origin (for download links) and the caller. */
export type SessionProps = RequestScope & Record<string, unknown>;

/** The session's `logging/setLevel` choice, kept in the Durable Object's storage so it outlives eviction. */
const LOG_LEVEL_KEY = "mcp:log-level";

/** One Durable Object per MCP session (2025-era clients): the SDK v1 server over the shared definitions. */
export class MediaMcpAgent extends McpAgent<Env, unknown, SessionProps> implements OwnedSession {
  server = buildServerV1(REGISTRY, () => this.services(), {
    get: async () => {
      const level = await this.ctx.storage.get(LOG_LEVEL_KEY);
      return isLogLevel(level) ? level : undefined;
    },
    set: (level) => this.ctx.storage.put(LOG_LEVEL_KEY, level),
  });

  /** The first start carries the props of the request that opened the session: its caller owns the session from then on. */
  override async onStart(props?: SessionProps): Promise<void> {
    if (props && (await this.ctx.storage.get<string>(OWNER_KEY)) === undefined) {
      await this.ctx.storage.put(OWNER_KEY, props.caller?.id ?? OPEN_CALLER);
    }
    await super.onStart(props);
  }

  /** Whether `caller` owns this session. A session with no owner yet (none opened here) is left to the route, which answers 404. */
  async admits(caller: string): Promise<boolean> {
    const owner = await this.ctx.storage.get<string>(OWNER_KEY);
    return owner === undefined || owner === caller;
  }

  async init(): Promise<void> {
    // Everything is registered when the server is built; nothing to load per session.
  }

  protected override getEventStore() {
    return new CappedEventStore(this.ctx.storage);
  }

  private services(): Services {
    return createServices(this.env, readConfig(this.env), this.props?.baseUrl ?? "http://localhost:8787", this.props?.caller ?? null);
  }
}
