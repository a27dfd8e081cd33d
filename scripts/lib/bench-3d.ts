// The 3D section of `npm run bench`: build_3d_model against the real bundle under `wrangler dev`
// (fresh: true, so every call compiles, validates and renders), for a ~5k-triangle chest and a
// ~100k-triangle spec. Reports the server's own stage timings from the report, and the client's
// latency. Also runs alone: `node scripts/lib/bench-3d.ts [--quick]` starts its own stack.
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { CHEST_SPEC, HEAVY_SPEC } from "./bench-3d-specs.ts";
import { callOk, connect, ms, parseArgs, startStack, stopOnSignal, summarize, table, type Summary } from "./stack.ts";

interface Measured {
  triangles: number;
  latency: Summary;
  compile: Summary;
  validate: Summary;
  render: Summary;
  preview: Summary;
  total: Summary;
}

type Report = { triangles: number; timings: { compileMs: number; validateMs: number; renderMs: number; previewMs: number } };

async function measure(base: string, spec: unknown, runs: number): Promise<Measured> {
  const session = await connect("2025", base);
  try {
    await callOk(session, "build_3d_model", { spec, fresh: true, return: "none" }); // warm-up: validator load, JIT
    const latency: number[] = [];
    const reports: Report[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      const result = await callOk(session, "build_3d_model", { spec, fresh: true, return: "none" });
      latency.push(performance.now() - start);
      reports.push((result.structuredContent as { report: Report }).report);
    }
    const stage = (pick: (t: Report["timings"]) => number) => summarize(reports.map((r) => pick(r.timings)));
    return {
      triangles: reports[0]!.triangles,
      latency: summarize(latency),
      compile: stage((t) => t.compileMs),
      validate: stage((t) => t.validateMs),
      render: stage((t) => t.renderMs),
      preview: stage((t) => t.previewMs),
      // The goal is the Worker's own CPU: the WebP step runs in the Images binding.
      total: stage((t) => t.compileMs + t.validateMs + t.renderMs),
    };
  } finally {
    await session.close();
  }
}

/** Runs the 3D measurements against a running stack and returns the section's text. */
export async function bench3d(base: string, quick: boolean): Promise<string> {
  const runs = quick ? 2 : 8;
  const cases: Array<[string, unknown, number]> = [
    ["chest (~5k triangles)", CHEST_SPEC, 300],
    ["heavy (~100k triangles)", HEAVY_SPEC, 2000],
  ];
  const rows: string[][] = [];
  for (const [name, spec, goalMs] of cases) {
    const m = await measure(base, spec, runs);
    const median = (s: Summary) => ms(s.median);
    rows.push([
      name,
      String(m.triangles),
      median(m.compile),
      median(m.validate),
      median(m.render),
      median(m.preview),
      `${median(m.total)} / ${ms(m.total.p95)}`,
      `${ms(goalMs)}: ${m.total.median <= goalMs ? "met" : "missed"}`,
      `${median(m.latency)} / ${ms(m.latency.p95)}`,
    ]);
  }
  return [
    `3D compiler (build_3d_model, fresh, ${runs} runs each after a warm-up; medians, server stage times from the report):`,
    table(
      [
        "Spec",
        "Triangles",
        "Compile",
        "Validate",
        "Render + PNG",
        "WebP (Images)",
        "Compile+validate+render med / p95",
        "Goal",
        "Client latency med / p95",
      ],
      rows,
    ),
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const quick = parseArgs(process.argv.slice(2)).has("quick");
  const stack = await startStack();
  stopOnSignal(stack.stop);
  try {
    console.log(await bench3d(stack.base, quick));
  } finally {
    await stack.stop();
  }
}
