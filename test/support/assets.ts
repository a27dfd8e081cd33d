import { env } from "cloudflare:workers";
import { readConfig } from "../../src/config";
import { createServices } from "../../src/services";
import type { NewAsset } from "../../src/store/asset-library";

/** The same services the Worker builds, over the test's bindings. */
export function testServices() {
  return createServices(env, readConfig(env), "http://localhost");
}

export async function storeAsset(asset: Partial<NewAsset> & Pick<NewAsset, "bytes">) {
  const { record } = await testServices().library.put({ kind: "image", mime: "image/png", origin: { tool: "test_fixture" }, ...asset });
  return record;
}
