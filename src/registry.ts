import type { Registry } from "./mcp/adapter-v1";
import { assetResource } from "./resources/asset.resource";
import { deleteAsset, getAsset, listAssets, verifyAsset } from "./tools/assets.tools";
import { countTokensTool, serverStatus } from "./tools/status.tools";

/** Every tool, resource template and prompt, defined once and registered by both protocol adapters. */
export const REGISTRY: Registry = {
  tools: [listAssets, getAsset, verifyAsset, deleteAsset, countTokensTool, serverStatus],
  resourceTemplates: [assetResource],
  prompts: [],
};
