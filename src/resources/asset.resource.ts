import type { ResourceTemplateDefinition } from "../mcp/definitions";
import { toBase64 } from "../encoding";
import { ToolError } from "../errors";
import { ASSET_KINDS, kindFromPrefix, kindPrefix } from "../store/asset-kinds";
import { recentAssetIds, startingWith } from "../mcp/completions";
import { SHA256_PATTERN } from "../store/hash";
import { listingOwner } from "../store/owners";

const LISTED = 100;
const ASSET_PREFIXES = ASSET_KINDS.map(kindPrefix);

/** `asset://images/<sha256>` and friends: every stored asset, readable as a blob with its MIME type. */
export const assetResource: ResourceTemplateDefinition = {
  name: "asset",
  uriTemplate: "asset://{kind}/{sha256}",
  title: "Stored asset",
  description:
    "An image, analysis or model stored by this server, addressed by the SHA-256 of its bytes. kind is images, analyses or models. In a private library only your own assets are listed and readable.",
  async list(services) {
    const page = await services.index.list({ limit: LISTED, owner: listingOwner(services.library.viewer, false) });
    return page.assets.map((a) => ({
      uri: `asset://${kindPrefix(a.kind)}/${a.sha256}`,
      name: `${a.sha256}`,
      title: `${a.kind} from ${a.tool}, ${a.createdAt}`,
      mimeType: a.mime,
      size: a.bytes,
    }));
  },
  async read(uri, variables, services) {
    const kind = kindFromPrefix(String(variables.kind));
    const sha256 = String(variables.sha256).toLowerCase();
    if (!kind || !SHA256_PATTERN.test(sha256)) {
      throw new ToolError(`${uri} is not an asset URI: expected asset://images|analyses|models/<64 hex sha256>.`, "invalid_input");
    }
    // Another caller's asset in a private library reads exactly like a missing one.
    const record = await services.library.get(sha256);
    if (!record || record.kind !== kind) throw new ToolError(`No ${kind} asset ${sha256} is stored here.`, "not_found");
    const bytes = await services.library.readBytes(record);
    if (!bytes) throw new ToolError(`Asset ${sha256} has a record but its blob is missing; run verify_asset.`, "integrity");
    return record.mime === "application/json"
      ? { uri, mimeType: record.mime, text: new TextDecoder().decode(bytes) }
      : { uri, mimeType: record.mime, blob: toBase64(bytes) };
  },
  complete: {
    kind: async (value) => startingWith(ASSET_PREFIXES, value),
    // Narrowed to the kind the client already chose, when it chose one.
    sha256: async (value, services, context) => recentAssetIds(services, value, kindFromPrefix(context.kind ?? "")),
  },
};
