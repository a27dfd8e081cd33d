// `node scripts/render-preview.ts [outdir]`: renders the renderer's test scenes to PNG montages
// (to look at) and prints the CPU time of each montage. Not part of `npm test`: workerd's
// clock stands still during synchronous work, so timings are taken here, in Node's V8.
import { mkdirSync, writeFileSync } from "node:fs";
import { register } from "node:module";
import { join } from "node:path";

// The source tree imports without extensions (bundler resolution); teach Node to add `.ts`.
const HOOKS = `
export async function resolve(specifier, context, next) {
  if (/^\\.\\.?\\//.test(specifier) && !/\\.[cm]?[jt]s$/.test(specifier)) {
    try { return await next(specifier + ".ts", context); } catch {}
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(HOOKS)}`);

const { renderMontage } = await import("../src/mesh/render/index.ts");
const { encodePng } = await import("../src/imaging/png-encoder.ts");
const scenes = await import("../test/support/scenes.ts");

const outdir = process.argv[2] ?? "/tmp/render-preview";
mkdirSync(outdir, { recursive: true });

const cases = [
  ["two-boxes", scenes.twoBoxes()],
  ["table", scenes.furnishedTable()],
  ["spheres-5k", scenes.sphereField(5_000)],
  ["spheres-100k", scenes.sphereField(100_000)],
] as const;

for (const [name, scene] of cases) {
  const triangles = scene.parts.reduce((sum, part) => sum + part.chunks.reduce((s, c) => s + c.indices.length / 3, 0), 0);
  renderMontage(scene); // warm up the JIT, as a Worker isolate serving many requests would be
  const runs = 3;
  const cpu0 = process.cpuUsage();
  let image = renderMontage(scene);
  for (let i = 1; i < runs; i++) image = renderMontage(scene);
  const cpu = process.cpuUsage(cpu0);
  const renderMs = (cpu.user + cpu.system) / 1000 / runs;
  const encodeOptions = { width: image.width, height: image.height, rgba: image.rgba, alpha: false };
  await encodePng(encodeOptions); // warm up
  const encode0 = process.cpuUsage();
  const png = await encodePng(encodeOptions);
  const encode = process.cpuUsage(encode0);
  writeFileSync(join(outdir, `${name}.png`), png);
  console.log(
    `${name.padEnd(14)} ${String(triangles).padStart(7)} triangles  montage ${image.width}x${image.height}  render ${renderMs.toFixed(0)} ms CPU  png ${((encode.user + encode.system) / 1000).toFixed(0)} ms, ${(png.length / 1024).toFixed(0)} KiB`,
  );
}
