// `npm run bundle-size [-- --runs N] [--skip-startup]`: builds the Worker as it would deploy
// (`wrangler deploy --dry-run --outdir <tmp>`), reports the gzip size of its modules against the
// Free plan's 3 MiB, what the bundle is made of, and the CPU cost of evaluating it at start-up.
// Exits non-zero past the budget. (test/e2e/bundle.test.ts enforces the budget in `npm test`.)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { createRequire } from "node:module";
import { buildBundle, composition, FREE_PLAN_GZIP_LIMIT, ROOT, startupCpuMs } from "./lib/bundle.ts";
import { intArg, kib, machineInfo, parseArgs, table } from "./lib/stack.ts";

const args = parseArgs(process.argv.slice(2));
const runs = intArg(args, "runs", 5);
const skipStartup = args.has("skip-startup");
const RANKS = "js-tiktoken/ranks/o200k_base";

async function main(): Promise<void> {
  const machine = machineInfo();
  const work = mkdtempSync(join(tmpdir(), "bundle-size-"));
  try {
    const bundle = await buildBundle(join(work, "real"));
    const parts = composition(bundle.metafile);
    const total = parts.reduce((n, p) => n + p.bytes, 0);
    const ranksFile = createRequire(join(ROOT, "package.json")).resolve(RANKS);
    const ranksGzip = gzipSync(readFileSync(ranksFile)).byteLength;

    console.log(`Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; ${machine.date}`);
    console.log(
      `Bundle: ${bundle.modules.map((m) => `${m.name} ${kib(m.bytes)}`).join(", ")} (wrangler: ${bundle.wranglerReport ?? "n/a"})`,
    );
    const over = bundle.gzipBytes > FREE_PLAN_GZIP_LIMIT;
    console.log(
      `gzip (node:zlib, default level): ${kib(bundle.gzipBytes)} of the Free plan's ${kib(FREE_PLAN_GZIP_LIMIT)} ` +
        `(${((bundle.gzipBytes / FREE_PLAN_GZIP_LIMIT) * 100).toFixed(0)}%): ${over ? "OVER BUDGET" : "within budget"}`,
    );
    console.log("");
    console.log("What the bundle is made of (bytes in the output, before gzip):");
    console.log(
      table(
        ["Part", "Bytes", "Share"],
        parts.slice(0, 12).map((p) => [p.name, kib(p.bytes), `${((p.bytes / total) * 100).toFixed(1)}%`]),
      ),
    );
    console.log(`js-tiktoken's o200k_base ranks alone: ${kib(readFileSync(ranksFile).byteLength)}, ${kib(ranksGzip)} gzip.`);

    if (!skipStartup) {
      // What-if: the same bundle with the ranks module replaced by an empty table.
      const stub = join(work, "ranks-stub.js");
      writeFileSync(stub, 'export default { pat_str: "", special_tokens: {}, bpe_ranks: "" };\n');
      const withoutRanks = await buildBundle(join(work, "no-ranks"), { [RANKS]: stub });
      const trivial = join(work, "trivial.js");
      writeFileSync(trivial, "export default { fetch() { return new Response('ok'); } };\n");
      const [real, noRanks, baseline] = [
        await startupCpuMs(join(bundle.outdir, "index.js"), runs),
        await startupCpuMs(join(withoutRanks.outdir, "index.js"), runs),
        await startupCpuMs(trivial, runs),
      ];
      console.log("");
      console.log(
        `Start-up CPU: compile + evaluate the module's top level in V8 (Node ${machine.node}, cloudflare:* stubbed), median of ${runs} fresh processes:`,
      );
      console.log(
        table(
          ["Bundle", "gzip", "start-up CPU"],
          [
            ["as deployed", kib(bundle.gzipBytes), `${real.median.toFixed(0)} ms`],
            ["without the o200k_base ranks (what-if)", kib(withoutRanks.gzipBytes), `${noRanks.median.toFixed(0)} ms`],
            ["a trivial module (baseline)", "-", `${baseline.median.toFixed(0)} ms`],
          ],
        ),
      );
      console.log(
        `The ranks are in a lazily initialised module (esbuild __esm wrapper): not evaluated at start-up, but parsed with the bundle; ` +
          `they cost ~${Math.max(0, real.median - noRanks.median).toFixed(0)} ms of start-up CPU and ${kib(bundle.gzipBytes - withoutRanks.gzipBytes)} of gzip. ` +
          `Compare with the start-up limit on Cloudflare's Workers limits page (1 s when last checked).`,
      );
    }
    if (over) {
      console.error(
        `Bundle is ${kib(bundle.gzipBytes - FREE_PLAN_GZIP_LIMIT)} over the Free plan's limit; largest part: ${parts[0]?.name}.`,
      );
      process.exitCode = 1;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
