import { env } from "cloudflare:workers";
import { readConfig } from "../../src/config";
import { createServices } from "../../src/services";
import type { NewAsset } from "../../src/store/asset-library";
import { tokenPseudonym } from "../../src/http/signing";
import { TOKEN } from "./mcp";

/** The same services the Worker builds, over the test's bindings. */
export function testServices() {
  return createServices(env, readConfig(env), "http://localhost");
}

/** The owner id of the suite's first token (TOKEN): the caller most tests act as. */
export async function firstTokenOwner(): Promise<{ id: string }> {
  return { id: await tokenPseudonym(TOKEN, readConfig(env).signingKey) };
}

/** Stores a fixture owned by TOKEN's caller (unless `owner` says otherwise), as if that caller had made it. */
export async function storeAsset(asset: Partial<NewAsset> & Pick<NewAsset, "bytes">) {
  const { record } = await testServices().library.put({
    kind: "image",
    mime: "image/png",
    origin: { tool: "test_fixture" },
    owner: await firstTokenOwner(),
    ...asset,
  });
  return record;
}
