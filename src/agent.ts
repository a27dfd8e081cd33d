import { McpAgent } from "agents/mcp";
import { readConfig } from "./config";
import { buildServerV1 } from "./mcp/adapter-v1";
import { CappedEventStore } from "./mcp/capped-event-store";
import { isLogLevel } from "./mcp/logging";
import { REGISTRY } from "./registry";
import { createServices, type RequestScope, type Services } from "./services";

/** What the Worker's gate hands the session: the public origin (for download links) and the caller's pseudonym. */
export type SessionProps = RequestScope & Record<string, unknown>;

/** The session's `logging/setLevel` choice, kept in the Durable Object's storage so it outlives eviction. */
const LOG_LEVEL_KEY = "mcp:log-level";

/** One Durable Object per MCP session (2025-era clients): the SDK v1 server over the shared definitions. */
export class MediaMcpAgent extends McpAgent<Env, unknown, SessionProps> {
  server = buildServerV1(REGISTRY, () => this.services(), {
    get: async () => {
      const level = await this.ctx.storage.get(LOG_LEVEL_KEY);
      return isLogLevel(level) ? level : undefined;
    },
    set: (level) => this.ctx.storage.put(LOG_LEVEL_KEY, level),
  });

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
