// `npm run bench [-- --quick]`: the real bundle under `wrangler dev`, the fake OpenAI upstream
// (answering instantly) in this process, and the official MCP SDK clients of both protocol eras.
// Prints one table, every figure from this one run. Not part of `npm test`.
//
// Upstream time is timed inside the fake: from a request's arrival to the last byte of its
// answer. "Server time" on a cache miss is the client's latency minus that time.
import { createHash, randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import sharp from "sharp";
import {
  callOk,
  connect,
  ERAS,
  intArg,
  kib,
  machineInfo,
  ms,
  parseArgs,
  startStack,
  stopOnSignal,
  summarize,
  table,
  type Era,
  type McpSession,
  type Stack,
  type Summary,
  type ToolResult,
} from "./lib/stack.ts";
// Sections with their own fixtures live beside the shared stack as scripts/lib/bench-*.ts, each a
// function that measures and returns rows' figures (bench-miss.ts; the 3D compiler adds bench-3d.ts).
import { measureNoisyMiss } from "./lib/bench-miss.ts";
import { bench3d } from "./lib/bench-3d.ts";

const args = parseArgs(process.argv.slice(2));
const quick = args.has("quick");
/** `--focus`: only the paid path's speed targets (floor, cache hits, the noisy miss and its stages), for before/after runs. */
const focus = args.has("focus");
const SIZES = quick
  ? {
      floor: 20,
      cachedGen: 15,
      missGen: 6,
      noisyMiss: 3,
      noisyNoPreview: 2,
      breakdown: 2,
      cachedAnalyze: 15,
      missAnalyze: 6,
      bytes: 2,
      throughputSeconds: 1.5,
    }
  : {
      floor: 300,
      cachedGen: 120,
      missGen: 40,
      noisyMiss: 25,
      noisyNoPreview: 10,
      breakdown: 10,
      cachedAnalyze: 120,
      missAnalyze: 40,
      bytes: 5,
      throughputSeconds: 6,
    };
const floorN = intArg(args, "floor", SIZES.floor);
const CONCURRENCY = [1, 8, 32];
const SHORT_TEXT = "Hello, world! How many tokens is this?";
const CACHED_PROMPT = "Benchmark: a red apple on a white table, flat illustration";
const RUN = randomUUID().slice(0, 8);

type PerEra<T> = Record<Era, T>;

function perEra<T>(make: (era: Era) => T): PerEra<T> {
  return { "2025": make("2025"), "2026": make("2026") };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/** Runs `body` n times per era, alternating eras, so both columns see the same conditions. */
async function interleaved(n: number, body: (era: Era, i: number) => Promise<number>): Promise<PerEra<number[]>> {
  const samples = perEra<number[]>(() => []);
  for (let i = 0; i < n; i++) {
    for (const era of i % 2 === 0 ? ERAS : [...ERAS].reverse()) samples[era].push(await body(era, i));
  }
  return samples;
}

/**
 * A 1024×1024 PNG that compresses like a photo: smooth, never-flat colour fields, 1.6 MB, in the
 * range of a real 1024² gpt-image PNG (the fake's own images are flat and compress to ~20 KB).
 */
async function photoLikePng(): Promise<Buffer> {
  const size = 1024;
  const raw = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 3;
      raw[i] = Math.round(128 + 90 * Math.sin(x / 97) * Math.cos(y / 131));
      raw[i + 1] = Math.round(110 + 80 * Math.sin((x + y) / 150));
      raw[i + 2] = Math.round(90 + 70 * Math.cos(Math.hypot(x - 600, y - 400) / 60));
    }
  }
  return sharp(raw, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toBuffer();
}

/** The JSON-RPC response message the client received for this result, in UTF-8 bytes. */
function jsonRpcBytes(result: ToolResult): number {
  return Buffer.byteLength(JSON.stringify({ jsonrpc: "2.0", id: 1, result }));
}

interface Throughput {
  sessions: number;
  callsPerSecond: number;
  latency: Summary;
  errors: number;
}

async function throughput(stack: Stack, era: Era, sessions: number, seconds: number): Promise<Throughput> {
  const clients = await Promise.all(Array.from({ length: sessions }, () => connect(era, stack.base)));
  try {
    // One untimed call per session: a new session's first call also creates its Durable Object.
    await Promise.all(clients.map((c) => callOk(c, "generate_image", { prompt: CACHED_PROMPT, size: "1024x1024", quality: "low" })));
    const latencies: number[] = [];
    let errors = 0;
    const start = performance.now();
    const deadline = start + seconds * 1000;
    await Promise.all(
      clients.map(async (client) => {
        while (performance.now() < deadline) {
          const t = performance.now();
          const result = await client.call("generate_image", { prompt: CACHED_PROMPT, size: "1024x1024", quality: "low" });
          if (result.isError || result.structuredContent?.["cached"] !== true) errors += 1;
          latencies.push(performance.now() - t);
        }
      }),
    );
    const elapsed = (performance.now() - start) / 1000;
    return { sessions, callsPerSecond: latencies.length / elapsed, latency: summarize(latencies), errors };
  } finally {
    await Promise.allSettled(clients.map((c) => c.close()));
  }
}

function medP95(s: Summary): string {
  return `${ms(s.median)} / ${ms(s.p95)}`;
}

/** The `--focus` table: the floor, cache hits and their ratios, and the noisy miss with its stages. */
function printFocus(
  machine: ReturnType<typeof machineInfo>,
  floor: PerEra<number[]>,
  cachedGen: PerEra<number[]>,
  cachedGenNone: PerEra<number[]>,
  noisy: Awaited<ReturnType<typeof measureNoisyMiss>>,
): void {
  const f = perEra((era) => summarize(floor[era]));
  const cg = perEra((era) => summarize(cachedGen[era]));
  const both = (cell: (era: Era) => string) => ERAS.map(cell);
  const rows: string[][] = [
    ["count_tokens, short text (the floor)", ...both((e) => medP95(f[e])), `n=${floor["2025"].length} per era`],
    ["generate_image, cache hit (preview)", ...both((e) => medP95(cg[e])), `n=${cachedGen["2025"].length}`],
    ["  ratio to the floor (medians)", ...both((e) => `${(cg[e].median / f[e].median).toFixed(2)}×`), ""],
    ["generate_image, cache hit (return: none)", ...both((e) => medP95(summarize(cachedGenNone[e]))), ""],
    ["noisy miss: latency", ...both((e) => medP95(noisy.total[e])), `n=${noisy.total["2025"].n}`],
    ["  upstream time (timed in the fake)", ...both((e) => medP95(noisy.upstream[e])), ""],
    ["  server time = latency − upstream", ...both((e) => medP95(noisy.server[e])), "target ≤ 150 ms median"],
    [
      "  server time with return: none (no preview)",
      ...both((e) => medP95(noisy.serverNoPreview[e])),
      `n=${noisy.serverNoPreview["2025"].n}`,
    ],
    ...noisy.stages.map((s) => [`    stage: ${s.stage}`, ms(s.median), "", `2025 debug timings, n=${s.n}`]),
  ];
  console.log(`\nMachine: ${machine.cpu}, ${machine.cores} cores; ${machine.date}; run ${RUN} (--focus)\n`);
  console.log(table(["Measure (median / p95)", "2025 session (SDK v1)", "2026 stateless (SDK v2)", "Notes"], rows));
}

async function main(): Promise<void> {
  const machine = machineInfo();
  const startedAt = performance.now();
  console.log(`bench${quick ? " --quick" : ""}: starting the fake upstream and wrangler dev…`);
  const stack = await startStack();
  stopOnSignal(stack.stop);
  const opened: McpSession[] = [];
  try {
    const upAfter = performance.now() - startedAt;
    await stack.control.reset(); // instant answers, no faults

    // Start-up: the first session and the first count_tokens after the server came up are cold
    // (Durable Object creation; the o200k_base encoder is built on first use).
    const firstConnect = await timed(() => connect("2025", stack.base));
    const s2025 = firstConnect.value;
    opened.push(s2025);
    const firstCount = await timed(() => callOk(s2025, "count_tokens", { text: SHORT_TEXT }));
    const secondCount = await timed(() => callOk(s2025, "count_tokens", { text: SHORT_TEXT }));
    const laterConnects: number[] = [];
    for (let i = 0; i < (quick ? 3 : 10); i++) {
      const c = await timed(() => connect("2025", stack.base));
      laterConnects.push(c.ms);
      await c.value.close();
    }
    const s2026 = await connect("2026", stack.base);
    opened.push(s2026);
    const session: PerEra<McpSession> = { "2025": s2025, "2026": s2026 };

    // Warm-up: JIT, connection pools, and the cache entry the hit measurements use.
    const first = await callOk(s2025, "generate_image", { prompt: CACHED_PROMPT, size: "1024x1024", quality: "low" });
    const imageId = (first.structuredContent as { images: Array<{ id: string }> }).images[0]!.id;
    const analyzeArgs = { images: [imageId], question: "What is shown? One sentence.", detail: "low", max_output_tokens: 200 };
    await callOk(s2025, "analyze_image", analyzeArgs);
    for (let i = 0; i < (quick ? 5 : 20); i++) {
      for (const era of ERAS) {
        await callOk(session[era], "count_tokens", { text: SHORT_TEXT });
        await callOk(session[era], "generate_image", { prompt: CACHED_PROMPT, size: "1024x1024", quality: "low" });
        await callOk(session[era], "analyze_image", analyzeArgs);
      }
    }

    // The floor and the hits are measured call by call in turn, so a ratio of their medians
    // compares calls made under the same conditions (a shared machine drifts within a minute).
    console.log("measuring: trivial call and generate_image from the cache, in turn…");
    const floor = perEra<number[]>(() => []);
    const cachedGen = perEra<number[]>(() => []);
    // The same hits without the preview: how much of a hit is rendering the WebP preview.
    const cachedGenNone = perEra<number[]>(() => []);
    const hit = async (era: Era, returnMode?: string) => {
      const { ms: took, value } = await timed(() =>
        callOk(session[era], "generate_image", {
          prompt: CACHED_PROMPT,
          size: "1024x1024",
          quality: "low",
          ...(returnMode ? { return: returnMode } : {}),
        }),
      );
      if (value.structuredContent?.["cached"] !== true) throw new Error("expected a cache hit");
      return took;
    };
    await interleaved(Math.max(floorN, SIZES.cachedGen), async (era, i) => {
      const turns: Array<() => Promise<void>> = [];
      if (i < floorN) {
        turns.push(async () => {
          floor[era].push((await timed(() => callOk(session[era], "count_tokens", { text: SHORT_TEXT }))).ms);
        });
      }
      if (i < SIZES.cachedGen) {
        turns.push(async () => void cachedGen[era].push(await hit(era)));
        turns.push(async () => void cachedGenNone[era].push(await hit(era, "none")));
      }
      for (const turn of i % 2 === 0 ? turns : turns.reverse()) await turn();
      return 0;
    });

    if (focus) {
      const noisyFocus = await measureNoisyMiss(stack, session, {
        n: SIZES.noisyMiss,
        noPreviewN: SIZES.noisyNoPreview,
        breakdownN: SIZES.breakdown,
        run: RUN,
      });
      printFocus(machine, floor, cachedGen, cachedGenNone, noisyFocus);
      return;
    }

    console.log("measuring: generate_image on a cache miss…");
    const missUpstream = perEra<number[]>(() => []);
    const missTotal = perEra<number[]>(() => []);
    const missServer = await interleaved(SIZES.missGen, async (era, i) => {
      const since = performance.now();
      const { ms: took, value } = await timed(() =>
        callOk(session[era], "generate_image", {
          prompt: `Benchmark miss ${RUN} #${i} (${era}): a green pear`,
          size: "1024x1024",
          quality: "low",
        }),
      );
      if (value.structuredContent?.["cached"] !== false) throw new Error("expected a cache miss");
      const upstream = stack.upstreamMsSince(since);
      missUpstream[era].push(upstream);
      missTotal[era].push(took);
      return took - upstream;
    });

    console.log("measuring: generate_image cache miss with a realistic 2.7 MB noisy PNG, and its stages…");
    const noisy = await measureNoisyMiss(stack, session, {
      n: SIZES.noisyMiss,
      noPreviewN: SIZES.noisyNoPreview,
      breakdownN: SIZES.breakdown,
      run: RUN,
    });

    console.log("measuring: analyze_image, cache hit and miss…");
    const cachedAnalyze = await interleaved(SIZES.cachedAnalyze, async (era) => {
      const { ms: took, value } = await timed(() => callOk(session[era], "analyze_image", analyzeArgs));
      if (value.structuredContent?.["cached"] !== true) throw new Error("expected a cache hit");
      return took;
    });
    const analyzeUpstream = perEra<number[]>(() => []);
    const analyzeTotal = perEra<number[]>(() => []);
    const missAnalyze = await interleaved(SIZES.missAnalyze, async (era, i) => {
      const since = performance.now();
      const { ms: took, value } = await timed(() =>
        callOk(session[era], "analyze_image", {
          ...analyzeArgs,
          question: `Benchmark ${RUN} question ${i} (${era}): what colour is the background?`,
        }),
      );
      if (value.structuredContent?.["cached"] !== false) throw new Error("expected a cache miss");
      const upstream = stack.upstreamMsSince(since);
      analyzeUpstream[era].push(upstream);
      analyzeTotal[era].push(took);
      return took - upstream;
    });

    console.log("measuring: jobs (a miss runs as a Workflow instance)…");
    const handleLatency = perEra<number[]>(() => []);
    const jobQueued = perEra<number[]>(() => []);
    const jobFinishing = perEra<number[]>(() => []);
    await interleaved(SIZES.missGen, async (era, i) => {
      const { ms: took, value } = await timed(() =>
        callOk(session[era], "generate_image", {
          prompt: `Benchmark job ${RUN} #${i} (${era}): a blue plum`,
          size: "1024x1024",
          quality: "low",
          wait_seconds: 0,
        }),
      );
      const job = (value.structuredContent as { job?: { id: string } }).job;
      if (!job) throw new Error("expected a job handle with wait_seconds: 0");
      handleLatency[era].push(took);
      const done = await callOk(session[era], "get_job", { job_id: job.id, wait_seconds: 60 });
      const overhead = (done.structuredContent as { job: { overhead_ms?: { queued: number; finishing: number } } }).job.overhead_ms;
      if (!overhead) throw new Error("expected the finished job's overhead");
      jobQueued[era].push(overhead.queued);
      jobFinishing[era].push(overhead.finishing);
      return took;
    });

    console.log("measuring: bytes per 1024×1024 image, preview vs full…");
    const photo = await photoLikePng();
    const photoId = createHash("sha256").update(photo).digest("hex");
    // analyze_image stores its inputs: that is how the photo-like PNG becomes an asset.
    await callOk(s2025, "analyze_image", {
      images: [`data:image/png;base64,${photo.toString("base64")}`],
      question: "Store me.",
      detail: "low",
      max_output_tokens: 50,
    });
    type ByteRow = { wire: number; jsonRpc: number; latency: number[] };
    const bytes: Record<string, PerEra<ByteRow>> = {};
    const measureBytes = async (key: string, tool: string, toolArgs: Record<string, unknown>) => {
      bytes[key] = perEra(() => ({ wire: 0, jsonRpc: 0, latency: [] }));
      for (let i = 0; i < SIZES.bytes; i++) {
        for (const era of ERAS) {
          const s = session[era];
          const before = s.received.bytes;
          const { ms: took, value } = await timed(() => callOk(s, tool, toolArgs));
          bytes[key]![era] = {
            wire: s.received.bytes - before,
            jsonRpc: jsonRpcBytes(value),
            latency: [...bytes[key]![era].latency, took],
          };
        }
      }
    };
    for (const mode of ["preview", "full"] as const) {
      await measureBytes(`flat-${mode}`, "generate_image", { prompt: CACHED_PROMPT, size: "1024x1024", quality: "low", return: mode });
      await measureBytes(`photo-${mode}`, "get_asset", { id: photoId, return: mode });
    }
    const flatBytes = (await callOk(s2025, "get_asset", { id: imageId, return: "none" })).structuredContent as { asset: { bytes: number } };

    console.log("measuring: throughput on cached calls…");
    const tput: Record<number, PerEra<Throughput>> = {};
    for (const sessions of CONCURRENCY) {
      const row = {} as PerEra<Throughput>;
      for (const era of ERAS) row[era] = await throughput(stack, era, sessions, SIZES.throughputSeconds);
      tput[sessions] = row;
    }

    // ------------------------------------------------------------------------------------------
    const f = perEra((era) => summarize(floor[era]));
    const cg = perEra((era) => summarize(cachedGen[era]));
    const ca = perEra((era) => summarize(cachedAnalyze[era]));
    const both = (cell: (era: Era) => string) => ERAS.map(cell);
    const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;
    const rows: string[][] = [
      ["count_tokens, short text (the floor)", ...both((e) => medP95(f[e])), `n=${floorN} per era`],
      ["generate_image, cache hit (preview)", ...both((e) => medP95(cg[e])), `n=${SIZES.cachedGen}`],
      ["  ratio to the floor (medians)", ...both((e) => ratio(cg[e].median, f[e].median)), ""],
      ["generate_image, cache hit (return: none)", ...both((e) => medP95(summarize(cachedGenNone[e]))), "no preview rendered: links only"],
      [
        "generate_image, cache miss: client latency",
        ...both((e) => medP95(summarize(missTotal[e]))),
        `n=${SIZES.missGen}, distinct prompts`,
      ],
      ["  upstream time (timed in the fake)", ...both((e) => medP95(summarize(missUpstream[e]))), "fake: instant + its own PNG encode"],
      ["  server time = latency − upstream", ...both((e) => medP95(summarize(missServer[e]))), "store blob + record + cache + preview"],
      [
        `generate_image, cache miss, noisy 1024² PNG (${kib(noisy.pngBytes)}): latency`,
        ...both((e) => medP95(noisy.total[e])),
        `n=${SIZES.noisyMiss}, a new image each time`,
      ],
      ["  upstream time (timed in the fake)", ...both((e) => medP95(noisy.upstream[e])), ""],
      ["  server time = latency − upstream", ...both((e) => medP95(noisy.server[e])), "target ≤ 150 ms median"],
      [
        "  server time with return: none (no preview)",
        ...both((e) => medP95(noisy.serverNoPreview[e])),
        `n=${SIZES.noisyNoPreview}: the difference is what rendering the preview adds`,
      ],
      ...noisy.stages.map((s) => [
        `    stage: ${s.stage}`,
        ms(s.median),
        "",
        `2025 debug timings, n=${s.n}; stages overlap (preview render runs beside the store)`,
      ]),
      [
        "job: time to a job handle (miss, wait_seconds: 0)",
        ...both((e) => medP95(summarize(handleLatency[e]))),
        `n=${SIZES.missGen}: validate, stage, create the Workflow instance`,
      ],
      ["  job overhead: created → first step running", ...both((e) => medP95(summarize(jobQueued[e]))), "timed by the job's tracker"],
      [
        "  job overhead: work done → outcome recorded",
        ...both((e) => medP95(summarize(jobFinishing[e]))),
        "budget: the two together ≤ 50 ms median",
      ],
      ["analyze_image, cache hit", ...both((e) => medP95(ca[e])), `n=${SIZES.cachedAnalyze}`],
      ["  ratio to the floor (medians)", ...both((e) => ratio(ca[e].median, f[e].median)), ""],
      [
        "analyze_image, cache miss: client latency",
        ...both((e) => medP95(summarize(analyzeTotal[e]))),
        `n=${SIZES.missAnalyze}, distinct questions`,
      ],
      ["  upstream time (timed in the fake)", ...both((e) => medP95(summarize(analyzeUpstream[e]))), ""],
      ["  server time = latency − upstream", ...both((e) => medP95(summarize(missAnalyze[e]))), ""],
    ];
    for (const [label, key, note] of [
      [`fake's flat PNG (${kib(flatBytes.asset.bytes)}) via generate_image`, "flat", "cache hit"],
      [`photo-like PNG (${kib(photo.byteLength)}) via get_asset`, "photo", "the size of a real 1024² PNG"],
    ] as const) {
      const p = bytes[`${key}-preview`]!;
      const full = bytes[`${key}-full`]!;
      rows.push([
        `bytes per 1024² image, preview: ${label}`,
        ...both((e) => `${kib(p[e].jsonRpc)} (wire ${kib(p[e].wire)})`),
        `JSON-RPC message; ${note}`,
      ]);
      rows.push([
        "  full",
        ...both((e) => `${kib(full[e].jsonRpc)} (wire ${kib(full[e].wire)})`),
        `median latency ${both((e) => ms(summarize(full[e].latency).median)).join(" / ")}`,
      ]);
      rows.push(["  full ÷ preview", ...both((e) => ratio(full[e].jsonRpc, p[e].jsonRpc)), ""]);
    }
    for (const sessions of CONCURRENCY) {
      const row = tput[sessions]!;
      rows.push([
        `throughput, ${sessions} concurrent session${sessions > 1 ? "s" : ""} (cached generate_image)`,
        ...both((e) => `${row[e].callsPerSecond.toFixed(1)} calls/s, p95 ${ms(row[e].latency.p95)}`),
        `${SIZES.throughputSeconds} s per era${both((e) => (row[e].errors ? ` ${e}: ${row[e].errors} errors` : "")).join("")}`,
      ]);
    }
    rows.push([
      "start-up: first session connect (cold) vs later",
      `${ms(firstConnect.ms)} vs ${ms(summarize(laterConnects).median)}`,
      "",
      "2025 era: initialize creates the session DO",
    ]);
    rows.push([
      "start-up: first count_tokens vs second vs floor",
      `${ms(firstCount.ms)} vs ${ms(secondCount.ms)} vs ${ms(f["2025"].median)}`,
      "",
      "first call builds the o200k_base encoder",
    ]);

    console.log("");
    console.log(`Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.platform}, Node ${machine.node}`);
    console.log(
      `Date: ${machine.date}; wrangler dev up in ${(upAfter / 1000).toFixed(1)} s; fake upstream delay 0 ms; run ${RUN}${quick ? " (--quick: few iterations, indicative only)" : ""}`,
    );
    console.log("");
    console.log(table(["Measure (median / p95)", "2025 session (SDK v1)", "2026 stateless (SDK v2)", "Notes"], rows));
    console.log("");
    console.log(`${await bench3d(stack.base, quick)}\n`);
    console.log(`Total bench time ${((performance.now() - startedAt) / 1000).toFixed(1)} s.`);
    const errors = CONCURRENCY.reduce((n, c) => n + ERAS.reduce((m, e) => m + tput[c]![e].errors, 0), 0);
    if (errors > 0) {
      console.error(`${errors} throughput call(s) failed or missed the cache.`);
      process.exitCode = 1;
    }
  } finally {
    await Promise.allSettled(opened.map((s) => s.close()));
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
