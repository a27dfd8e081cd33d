// The deployable bundle stays under the Workers Free plan's 3 MiB (gzip). Builds it the way a
// deploy would (`wrangler deploy --dry-run --outdir`) and gzips its modules with node:zlib.
// `npm run bundle-size` prints the same figure with what the bundle is made of and its start-up CPU.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildBundle, composition, FREE_PLAN_GZIP_LIMIT } from "../../scripts/lib/bundle.ts";

const outdir = mkdtempSync(join(tmpdir(), "bundle-test-"));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe("bundle", () => {
  it("is under the Free plan's 3 MiB gzip budget", async () => {
    const bundle = await buildBundle(outdir);
    expect(bundle.modules.length).toBeGreaterThan(0);
    const top = composition(bundle.metafile)
      .slice(0, 5)
      .map((p) => `${p.name} ${(p.bytes / 1024).toFixed(0)} KiB`)
      .join(", ");
    expect(bundle.gzipBytes, `bundle is ${(bundle.gzipBytes / 1024).toFixed(0)} KiB gzip; largest parts: ${top}`).toBeLessThanOrEqual(
      FREE_PLAN_GZIP_LIMIT,
    );
  });
});
