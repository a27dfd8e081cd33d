import { z } from "zod";
import { defineTool } from "../mcp/definitions";
import { ToolError } from "../errors";
import { ASSET_KINDS } from "../store/asset-kinds";
import { AssetId, requireAsset } from "../schemas/asset-id";
import { assetContent, assetUri, AssetView, ReturnMode, viewOf } from "../schemas/asset-view";
import { listingOwner, ownershipFor } from "../store/owners";
import { storableSourceUrl } from "../inputs/source-url";

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

const OwnershipOut = z
  .object({
    yours: z.boolean().describe("You made or stored it (you hold a claim on it)."),
    owners: z.number().int().describe("How many callers hold a claim; it is deleted for everyone when the last one deletes it."),
    makers: z.array(z.string()).describe("Display names of its owners where known (signed-in users; token callers have none)."),
    legacy: z.boolean().describe("Made before owners were recorded: only an admin can delete it outright."),
  })
  .describe("Who owns the asset.");

const AssetSummaryOut = z.object({
  id: z.string(),
  kind: z.enum(ASSET_KINDS),
  mimeType: z.string(),
  bytes: z.number().int(),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  tool: z.string().describe("The tool that made or stored it."),
  createdAt: z.string(),
  uri: z.string(),
  ownership: OwnershipOut,
});

const isoTime = z.iso.datetime({ offset: true, error: "must be an ISO 8601 time such as 2026-11-24T10:00:00Z" });

export const listAssets = defineTool({
  name: "list_assets",
  title: "List stored assets",
  description:
    "Lists stored assets (generated or edited images, uploaded inputs, analyses), newest first, with ids, sizes, the tool that made each and who owns it. Filter by kind, tool, creation time and `mine: true` (only yours); pass the returned cursor to get the next page. In a private library you only ever see your own. Use get_asset to see or download one.",
  input: z.object({
    kind: z.enum(ASSET_KINDS).optional().describe("Only assets of this kind."),
    tool: z.string().max(64).optional().describe("Only assets made by this tool, e.g. generate_image."),
    since: isoTime.optional().describe("Only assets created at or after this ISO time."),
    until: isoTime.optional().describe("Only assets created at or before this ISO time."),
    mine: z.boolean().default(false).describe("Only assets you made or stored."),
    limit: z.number().int().min(1).max(100).default(20).describe("Page size, 1–100."),
    cursor: z.string().max(4096).optional().describe("Cursor from the previous page."),
  }),
  output: z.object({
    assets: z.array(AssetSummaryOut),
    cursor: z.string().optional().describe("Present when more assets may follow."),
  }),
  annotations: READ_ONLY,
  async run(args, { services }) {
    if (args.since && args.until && args.since > args.until) {
      throw new ToolError("since is later than until: no asset can match. Swap them or drop one.");
    }
    const viewer = services.library.viewer;
    const page = await services.index.list({ ...args, owner: listingOwner(viewer, args.mine) });
    const assets = page.assets.map((a) => ({
      id: a.sha256,
      kind: a.kind,
      mimeType: a.mime,
      bytes: a.bytes,
      width: a.width,
      height: a.height,
      tool: a.tool,
      createdAt: a.createdAt,
      uri: assetUri(a),
      // A summary that had to leave owners out may not list the caller; `mine` already proved it.
      ownership: { ...ownershipFor(a, viewer), ...(args.mine ? { yours: true } : {}) },
    }));
    const more = page.cursor ? " More follow: pass the cursor." : "";
    return { structured: { assets, cursor: page.cursor }, summary: `${assets.length} asset${assets.length === 1 ? "" : "s"}.${more}` };
  },
});

export const getAsset = defineTool({
  name: "get_asset",
  title: "Get an asset",
  description:
    "Returns one stored asset's record (kind, type, size, dimensions, what made it, lineage), a resource link, a signed download URL and, for images, a small preview you can see. Set return to `full` for the whole file as base64 (large; prefer the download URL).",
  input: z.object({
    id: AssetId,
    return: ReturnMode.default("preview"),
  }),
  output: z.object({
    asset: AssetView,
    origin: z.object({
      tool: z.string(),
      model: z.string().optional(),
      prompt: z.string().optional(),
      parameters: z.record(z.string(), z.unknown()).optional(),
      parents: z.array(z.string()).optional(),
      sourceUrl: z.string().optional(),
    }),
    ownership: OwnershipOut,
  }),
  annotations: READ_ONLY,
  async run(args, { services }) {
    const record = await requireAsset(args.id, services);
    const { requestHash: _internal, ...stored } = record.origin;
    // Records from before URLs were stripped on input may still hold a query string or credentials.
    const origin = stored.sourceUrl ? { ...stored, sourceUrl: shownSourceUrl(stored.sourceUrl) } : stored;
    const asset = await viewOf(record, services);
    const dims = record.width ? `, ${record.width}×${record.height}` : "";
    return {
      structured: { asset, origin, ownership: ownershipFor(record, services.library.viewer) },
      summary: `${record.kind} ${record.sha256} (${record.mime}, ${record.bytes} bytes${dims}), made by ${record.origin.tool}.`,
      content: await assetContent(record, services, args.return),
    };
  },
});

export const verifyAsset = defineTool({
  name: "verify_asset",
  title: "Verify an asset",
  description:
    "Re-reads an asset's bytes from storage, re-hashes them and compares with its id and record. Reports `ok`, `corrupted` (bytes changed) or `missing` (no record, or the record's blob is gone), and records the time of a successful check.",
  input: z.object({ id: AssetId }),
  output: z.object({
    id: z.string(),
    status: z.enum(["ok", "corrupted", "missing"]),
    detail: z.string(),
    checkedAt: z.string(),
    lastVerifiedAt: z.string().optional(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(args, { services }) {
    const report = await services.library.verify(args.id);
    return {
      structured: {
        id: report.sha256,
        status: report.status,
        detail: report.detail,
        checkedAt: report.checkedAt,
        lastVerifiedAt: report.record?.lastVerifiedAt,
      },
      summary: `${report.status.toUpperCase()}: ${report.detail}`,
    };
  },
});

export const deleteAsset = defineTool({
  name: "delete_asset",
  title: "Delete an asset",
  description:
    "Deletes your claim on an asset. When no other caller owns it, it is gone for good: its bytes in R2, its index record, and any cached request result that returned it (a repeated request then calls OpenAI again); otherwise the other owners keep it. Only owners can delete an asset (admins delete any asset outright). Asks the user to confirm when the client supports it; otherwise pass confirm: true after the user agreed.",
  input: z.object({
    id: AssetId,
    confirm: z.boolean().default(false).describe("Set true only after the user agreed, for clients that cannot ask."),
  }),
  output: z.object({
    id: z.string(),
    deleted: z.boolean().describe("The asset is gone for everyone."),
    released: z.boolean().describe("Your claim on it was removed."),
    ownersLeft: z.number().int().describe("Callers who still own it (it stays while any does)."),
    removed: z.object({ blob: z.boolean(), record: z.boolean(), cacheEntries: z.number().int() }),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  async run(args, { services, confirm }) {
    const record = await requireAsset(args.id, services);
    const viewer = services.library.viewer;
    const ownership = ownershipFor(record, viewer);
    // Refused before asking: the user is never asked to confirm what cannot happen.
    if (!ownership.yours && !viewer.admin) throw notYours(record.sha256, ownership.legacy);
    if (!args.confirm) {
      const others = ownership.owners - (ownership.yours ? 1 : 0);
      const what =
        others > 0 && !viewer.admin
          ? `Remove your claim on ${record.kind} ${record.sha256} (${record.mime}, ${record.bytes} bytes, made by ${record.origin.tool})? ${others} other owner${others === 1 ? "" : "s"} keep${others === 1 ? "s" : ""} it.`
          : `Delete ${record.kind} ${record.sha256} (${record.mime}, ${record.bytes} bytes, made by ${record.origin.tool})${others > 0 ? ` for all ${ownership.owners} owners` : ""}? This cannot be undone.`;
      const answer = await confirm(what);
      if (answer === "declined") {
        return {
          structured: {
            id: record.sha256,
            deleted: false,
            released: false,
            ownersLeft: ownership.owners,
            removed: { blob: false, record: false, cacheEntries: 0 },
          },
          summary: "Not deleted: the user declined.",
        };
      }
      if (answer === "unavailable") {
        throw new ToolError(
          "delete_asset needs confirmation and this client cannot ask the user. Ask the user yourself, then call again with confirm: true.",
        );
      }
    }
    const report = await services.library.deleteAsCaller(record);
    if (report.refused) throw notYours(record.sha256, ownership.legacy); // its owners changed while the user was asked
    const removed = { blob: report.removedBlob, record: report.removedRecord, cacheEntries: report.removedCacheEntries };
    const { deleted } = report;
    const entries = `${report.removedCacheEntries} cache entr${report.removedCacheEntries === 1 ? "y" : "ies"} removed`;
    return {
      structured: { id: record.sha256, deleted, released: report.releasedClaim, ownersLeft: report.ownersLeft, removed },
      summary: deleted
        ? `Deleted ${record.sha256}: blob ${report.removedBlob ? "removed" : "was already gone"}, record ${report.removedRecord ? "removed" : "was already gone (deleted meanwhile)"}, ${entries}.`
        : report.ownersLeft === 0
          ? `Removed your claim on ${record.sha256}; it stays as a record from before owners were recorded, which only an admin can delete (${entries}).`
          : `Removed your claim on ${record.sha256}; ${report.ownersLeft} other owner${report.ownersLeft === 1 ? "" : "s"} keep${report.ownersLeft === 1 ? "s" : ""} it, so its bytes and record stay (${entries}).`,
    };
  },
});

function shownSourceUrl(url: string): string | undefined {
  try {
    return storableSourceUrl(url);
  } catch {
    return undefined; // not a URL at all: nothing worth showing
  }
}

function notYours(sha256: string, legacy: boolean): ToolError {
  return new ToolError(
    legacy
      ? `You cannot delete asset ${sha256}: it was stored before owners were recorded, so only an admin can delete it. Nothing was deleted.`
      : `You cannot delete asset ${sha256}: you are not one of its owners, and only its owners or an admin can delete it. Nothing was deleted.`,
    "forbidden",
  );
}
