import { z } from "zod";
import type { Services } from "../services";
import type { AssetRecord } from "../store/asset-record";
import { SHA256_PATTERN } from "../store/hash";
import { ToolError } from "../errors";

const ASSET_URI = /^asset:\/\/[a-z]+\/([0-9a-f]{64})$/;

/** An asset id: the 64-hex SHA-256, or its `asset://kind/sha256` URI. Normalized to the hash. */
export const AssetId = z
  .string()
  .trim()
  .transform((value, ctx) => {
    const lower = value.toLowerCase();
    if (SHA256_PATTERN.test(lower)) return lower;
    const match = ASSET_URI.exec(lower);
    if (match?.[1]) return match[1];
    ctx.addIssue({
      code: "custom",
      message: `"${value.slice(0, 80)}" is not an asset id: expected 64 hex characters (the SHA-256 an earlier result returned as id) or an asset:// URI. Use list_assets to find ids.`,
    });
    return z.NEVER;
  })
  .describe("Asset id (64-hex SHA-256 from an earlier result) or its asset:// URI.");

export async function requireAsset(sha256: string, services: Services): Promise<AssetRecord> {
  const record = await services.library.get(sha256);
  if (!record) throw new ToolError(`No asset ${sha256} is stored here. Use list_assets to see what exists.`, "not_found");
  return record;
}
