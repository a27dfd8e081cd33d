// A fetch-based client for the fake's control API. Runs in Node and inside workerd, so it must
// not import node: modules (protocol.ts is types only).

import type { FakeSettings, FakeStats, FaultSpec, RecordedRequest, ScriptSpec } from "./protocol.ts";

export type { FakeSettings, FakeStats, FaultKind, FaultSpec, RecordedFile, RecordedRequest, ScriptSpec } from "./protocol.ts";

export class FakeOpenAIControl {
  private readonly baseUrl: string;

  /** `baseUrl` is the fake's root (what `inject("fakeOpenAIUrl")` gives), with or without `/v1`. */
  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, "").replace(/\/v1$/, "");
  }

  /** The value for OPENAI_BASE_URL / the SDK's `baseURL`. */
  get apiBaseUrl(): string {
    return `${this.baseUrl}/v1`;
  }

  private async call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.headers = { "content-type": "application/json" };
      init.body = JSON.stringify(body);
    }
    const response = await fetch(`${this.baseUrl}/__fake/${path}`, init);
    const text = await response.text();
    if (!response.ok) throw new Error(`fake-openai control ${method} ${path} failed: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  }

  /** Clears faults, scripts, recorded requests, counters and settings. */
  async reset(): Promise<void> {
    await this.call("POST", "reset", {});
  }

  /** Queues a fault (or several, in order) for the next matching requests. */
  async addFault(fault: FaultSpec | FaultSpec[]): Promise<void> {
    await this.call("POST", "faults", fault);
  }

  /** Makes the next `times` (default 1) /v1/responses answers return exactly `outputText`. */
  async script(outputText: string, times = 1, path = "/v1/responses"): Promise<void> {
    const spec: ScriptSpec = { path, outputText, times };
    await this.call("POST", "script", spec);
  }

  /** Every upstream request since the last reset, oldest first. */
  requests(): Promise<RecordedRequest[]> {
    return this.call("GET", "requests");
  }

  stats(): Promise<FakeStats> {
    return this.call("GET", "stats");
  }

  /** Sets latency added to every /v1 answer (models upstream time in benchmarks). */
  setDelay(delayMs: number): Promise<FakeSettings> {
    return this.call("POST", "settings", { delayMs });
  }

  /** Seeds random schema-valid 3D specs and critique scores; null returns to deterministic answers. */
  setSpecSeed(specSeed: number | null): Promise<FakeSettings> {
    return this.call("POST", "settings", { specSeed });
  }

  settings(): Promise<FakeSettings> {
    return this.call("GET", "settings");
  }
}
