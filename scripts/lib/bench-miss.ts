// The bench's realistic cache miss: generate_image answered with a 2.7 MB noisy 1024² PNG, timed
// per era, then broken down by stage from the server's own debug timings (2025 session era,
// where the client sets the log level for the session).
import { performance } from "node:perf_hooks";
import { noisyPng, swapInNoisyImages } from "./noisy-image.ts";
import { callOk, ERAS, summarize, type Era, type McpSession, type Stack, type Summary } from "./stack.ts";

export interface NoisyMiss {
  pngBytes: number;
  total: Record<Era, Summary>;
  upstream: Record<Era, Summary>;
  server: Record<Era, Summary>;
  /** Server time of the same miss with `return: "none"`: what the preview adds is the difference. */
  serverNoPreview: Record<Era, Summary>;
  /** Median milliseconds per server stage, in the order the stages first appeared. */
  stages: Array<{ stage: string; median: number; n: number }>;
}

interface TimingData {
  stage: string;
  ms: number;
}

function isTiming(data: unknown): data is TimingData {
  return typeof data === "object" && data !== null && typeof (data as TimingData).stage === "string";
}

export async function measureNoisyMiss(
  stack: Stack,
  session: Record<Era, McpSession>,
  options: { n: number; noPreviewN: number; breakdownN: number; run: string },
): Promise<NoisyMiss> {
  const png = await noisyPng();
  const swap = swapInNoisyImages(stack.fake, png);
  swap.enabled = true;
  const args = (label: string, returnMode = "preview") => ({
    prompt: `Bench ${options.run} noisy ${label}: a foggy harbour`,
    size: "1024x1024",
    quality: "low",
    return: returnMode,
  });
  try {
    // Warm-up: the first large image through each path pays one-off costs.
    for (const era of ERAS) await callOk(session[era], "generate_image", args(`warm ${era}`));
    const samples = {
      total: { "2025": [] as number[], "2026": [] as number[] },
      upstream: { "2025": [] as number[], "2026": [] as number[] },
    };
    for (let i = 0; i < options.n; i++) {
      for (const era of i % 2 === 0 ? ERAS : [...ERAS].reverse()) {
        const since = performance.now();
        const started = performance.now();
        const result = await callOk(session[era], "generate_image", args(`${era} #${i}`));
        const took = performance.now() - started;
        if (result.structuredContent?.["cached"] !== false) throw new Error("expected a cache miss");
        samples.total[era].push(took);
        samples.upstream[era].push(stack.upstreamMsSince(since));
      }
    }
    const server = {} as Record<Era, Summary>;
    for (const era of ERAS) server[era] = summarize(samples.total[era].map((t, i) => t - samples.upstream[era][i]!));
    const noPreview = { "2025": [] as number[], "2026": [] as number[] };
    for (let i = 0; i < options.noPreviewN; i++) {
      for (const era of i % 2 === 0 ? ERAS : [...ERAS].reverse()) {
        const since = performance.now();
        const result = await callOk(session[era], "generate_image", args(`${era} none #${i}`, "none"));
        const took = performance.now() - since;
        if (result.structuredContent?.["cached"] !== false) throw new Error("expected a cache miss");
        noPreview[era].push(took - stack.upstreamMsSince(since));
      }
    }

    // The breakdown, apart from the timed runs: debug messages are extra traffic.
    const legacy = session["2025"];
    const byStage = new Map<string, number[]>();
    if (legacy.setLogLevel) {
      await legacy.setLogLevel("debug");
      for (let i = 0; i < options.breakdownN; i++) {
        legacy.logs.length = 0;
        await callOk(legacy, "generate_image", args(`breakdown #${i}`));
        for (const entry of legacy.logs) {
          if (entry.logger !== "timing" || !isTiming(entry.data)) continue;
          const list = byStage.get(entry.data.stage) ?? [];
          list.push(entry.data.ms);
          byStage.set(entry.data.stage, list);
        }
      }
      await legacy.setLogLevel("warning");
    }
    return {
      pngBytes: png.byteLength,
      total: { "2025": summarize(samples.total["2025"]), "2026": summarize(samples.total["2026"]) },
      upstream: { "2025": summarize(samples.upstream["2025"]), "2026": summarize(samples.upstream["2026"]) },
      server,
      serverNoPreview: { "2025": summarize(noPreview["2025"]), "2026": summarize(noPreview["2026"]) },
      stages: [...byStage].map(([stage, values]) => ({ stage, median: summarize(values).median, n: values.length })),
    };
  } finally {
    swap.enabled = false;
  }
}
