// The Worker's deployable bundle, as `wrangler deploy --dry-run --outdir` writes it: its gzip
// size against the plan's limit, what it is made of, and how much CPU evaluating it costs.
// Used by `scripts/bundle-size.ts` and `test/e2e/bundle.test.ts`.
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** Workers Free: 3 MiB after compression (Paid: 10 MiB). */
export const FREE_PLAN_GZIP_LIMIT = 3 * 1024 * 1024;

function run(command: string, args: string[], timeoutMs = 180_000): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      command,
      args,
      {
        cwd: ROOT,
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", FORCE_COLOR: "0" },
      },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`${command} ${args.join(" ")} failed: ${error.message}\n${stderr}${stdout}`))
          : resolvePromise(`${stdout}${stderr}`),
    );
  });
}

export interface BuiltBundle {
  outdir: string;
  /** Output modules (everything wrangler would upload: no source maps, no README). */
  modules: Array<{ name: string; bytes: number; gzipBytes: number }>;
  bytes: number;
  gzipBytes: number;
  /** "Total Upload: … / gzip: …" as wrangler printed it. */
  wranglerReport: string | undefined;
  metafile: string;
}

/** Builds the bundle with wrangler (aliases substitute modules, for what-if measurements). */
export async function buildBundle(outdir: string, aliases: Record<string, string> = {}): Promise<BuiltBundle> {
  const args = ["wrangler", "deploy", "--dry-run", "--outdir", outdir, "--metafile", join(outdir, "bundle-meta.json")];
  for (const [from, to] of Object.entries(aliases)) args.push("--alias", `${from}:${to}`);
  const output = await run("npx", args);
  const modules = readdirSync(outdir)
    .filter(
      (name) => !name.endsWith(".map") && name !== "README.md" && name !== "bundle-meta.json" && statSync(join(outdir, name)).isFile(),
    )
    .map((name) => {
      const content = readFileSync(join(outdir, name));
      return { name, bytes: content.byteLength, gzipBytes: gzipSync(content).byteLength };
    });
  return {
    outdir,
    modules,
    bytes: modules.reduce((n, m) => n + m.bytes, 0),
    gzipBytes: modules.reduce((n, m) => n + m.gzipBytes, 0),
    wranglerReport: /Total Upload:[^\n]*/.exec(output)?.[0]?.trim(),
    metafile: join(outdir, "bundle-meta.json"),
  };
}

/** Bytes in the output per package (or `src`), largest first, from esbuild's metafile. */
export function composition(metafile: string): Array<{ name: string; bytes: number }> {
  const meta = JSON.parse(readFileSync(metafile, "utf8")) as {
    outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
  };
  const groups = new Map<string, number>();
  for (const output of Object.values(meta.outputs)) {
    for (const [input, info] of Object.entries(output.inputs)) {
      const path = relative(ROOT, resolve(ROOT, input)).replace(/\\/g, "/");
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)(\/.*)?$/.exec(path);
      let name = match ? match[1]! : path.startsWith("src/") ? "src (this project)" : "other";
      if (name === "js-tiktoken" && match?.[2]?.includes("/ranks/")) name = "js-tiktoken ranks (o200k_base)";
      groups.set(name, (groups.get(name) ?? 0) + info.bytesInOutput);
    }
  }
  return [...groups].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/**
 * CPU milliseconds V8 spends compiling and evaluating the bundle's top level (what Workers
 * count as start-up), measured in fresh Node processes with `cloudflare:*` stubbed; median of `runs`.
 */
export async function startupCpuMs(bundle: string, runs = 5): Promise<{ median: number; samples: number[] }> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = await run(process.execPath, [join(ROOT, "scripts", "lib", "eval-bundle.ts"), bundle], 60_000);
    const line = out.split("\n").find((l) => l.startsWith("{"));
    if (!line) throw new Error(`eval-bundle printed no result:\n${out}`);
    samples.push((JSON.parse(line) as { cpuMs: number }).cpuMs);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, samples };
}
