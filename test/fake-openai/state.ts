// Everything the control API can set or read: queued faults, scripted answers, settings, the
// log of recorded requests and counters. One instance per fake server.

import { ModelDesigner } from "./model-3d.ts";
import type { FakeSettings, FakeStats, FaultSpec, RecordedRequest, ScriptSpec } from "./protocol.ts";

interface QueuedFault {
  spec: FaultSpec;
  remaining: number;
}

interface QueuedScript {
  path: string;
  outputText: string;
  remaining: number;
}

/** Keeps memory bounded in long benchmarks; the oldest records go first. */
const MAX_RECORDS = 5000;

export class FakeState {
  settings: FakeSettings = { delayMs: 0, specSeed: null };
  /** Answers 3D spec and critique schemas; its seed is `settings.specSeed`. */
  readonly designer = new ModelDesigner();
  private faults: QueuedFault[] = [];
  private scripts: QueuedScript[] = [];
  private records: RecordedRequest[] = [];
  private counter = 0;
  private total = 0;
  private inFlight = 0;
  private maxInFlight = 0;
  private byPath: Record<string, number> = {};
  private byStatus: Record<string, number> = {};

  reset(): void {
    this.faults = [];
    this.scripts = [];
    this.records = [];
    this.total = 0;
    this.maxInFlight = this.inFlight;
    this.byPath = {};
    this.byStatus = {};
    this.settings = { delayMs: 0, specSeed: null };
    this.designer.reset();
  }

  nextRequestId(): string {
    this.counter += 1;
    return `req_${this.counter}`;
  }

  addFault(spec: FaultSpec): void {
    this.faults.push({ spec, remaining: spec.times ?? 1 });
  }

  /** The first queued fault matching this path, consumed by one use. */
  takeFault(path: string): FaultSpec | undefined {
    const index = this.faults.findIndex((f) => f.spec.path === undefined || f.spec.path === path);
    const fault = this.faults[index];
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.splice(index, 1);
    return fault.spec;
  }

  addScript(spec: ScriptSpec): void {
    this.scripts.push({ path: spec.path, outputText: spec.outputText, remaining: spec.times ?? 1 });
  }

  takeScript(path: string): string | undefined {
    const index = this.scripts.findIndex((s) => s.path === path);
    const script = this.scripts[index];
    if (!script) return undefined;
    script.remaining -= 1;
    if (script.remaining <= 0) this.scripts.splice(index, 1);
    return script.outputText;
  }

  requestStarted(record: RecordedRequest): void {
    this.records.push(record);
    if (this.records.length > MAX_RECORDS) this.records.splice(0, this.records.length - MAX_RECORDS);
    this.total += 1;
    this.byPath[record.path] = (this.byPath[record.path] ?? 0) + 1;
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
  }

  requestFinished(record: RecordedRequest, status: number | undefined): void {
    this.inFlight -= 1;
    if (status !== undefined) {
      record.status = status;
      this.byStatus[String(status)] = (this.byStatus[String(status)] ?? 0) + 1;
    }
  }

  recordedRequests(): RecordedRequest[] {
    return this.records;
  }

  stats(): FakeStats {
    return {
      total: this.total,
      inFlight: this.inFlight,
      maxInFlight: this.maxInFlight,
      byPath: { ...this.byPath },
      byStatus: { ...this.byStatus },
      faultsPending: this.faults.reduce((sum, f) => sum + f.remaining, 0),
      scriptsPending: this.scripts.reduce((sum, s) => sum + s.remaining, 0),
    };
  }
}
