import type { Caller } from "../identity";

/** One claim on an asset: the caller's stable pseudonym, and a display name where one is known. */
export interface AssetOwner {
  id: string;
  name?: string;
}

/** `team`: everyone reads every asset; `private`: each caller sees only its own. */
export type LibraryMode = "team" | "private";

/** The one local owner of an open local server (no tokens): the same key jobs use for it. */
export const OPEN_OWNER_ID = "open";

/** Who is asking, as storage decides what they may see and change. */
export interface Viewer {
  owner: AssetOwner;
  /** Sees and deletes every asset, including those made before owners were recorded. */
  admin: boolean;
  mode: LibraryMode;
}

/** The caller's pseudonym, or the open local server's one owner. */
export function ownerIdOf(caller: Caller | null): string {
  return caller?.id ?? OPEN_OWNER_ID;
}

export function ownerOf(caller: Caller | null): AssetOwner {
  return caller?.name ? { id: caller.id, name: caller.name } : { id: ownerIdOf(caller) };
}

/**
 * An open local server has one user, who runs it: they act as its admin (e.g. to delete
 * records made before owners were recorded, which nobody owns).
 */
export function viewerOf(caller: Caller | null, mode: LibraryMode): Viewer {
  return { owner: ownerOf(caller), admin: caller === null || caller.admin, mode };
}

/**
 * The claim a record made before owners were recorded keeps when a caller later stores the
 * same bytes: nobody can release it but an admin, so re-uploading a legacy asset never lets
 * a caller delete it outright.
 */
export const LEGACY_OWNER_ID = "(before owners)";

/** Records made before owners were recorded have none: owned by nobody, deleted only by an admin. */
export function isLegacy(record: { owners?: readonly AssetOwner[] }): boolean {
  return record.owners === undefined;
}

export function ownsAsset(record: { owners?: readonly AssetOwner[] }, ownerId: string): boolean {
  return record.owners?.some((o) => o.id === ownerId) ?? false;
}

/** Team: everyone sees everything. Private: owners and admins only; legacy records only to admins. */
export function canSee(record: { owners?: readonly AssetOwner[] }, viewer: Viewer): boolean {
  return viewer.mode === "team" || viewer.admin || ownsAsset(record, viewer.owner.id);
}

/**
 * The owners with `owner` added (or its display name filled in where it was unknown);
 * undefined when nothing changes. A legacy record gains its first owner this way.
 */
export function addOwner(owners: readonly AssetOwner[] | undefined, owner: AssetOwner): AssetOwner[] | undefined {
  const list = owners ?? [{ id: LEGACY_OWNER_ID }];
  const at = list.findIndex((o) => o.id === owner.id);
  if (at === -1) return [...list, owner];
  if (owner.name && list[at]!.name !== owner.name) return list.map((o, i) => (i === at ? owner : o));
  return undefined;
}

/** The owner a listing is narrowed to: in a private library a caller lists only its own (admins list all). */
export function listingOwner(viewer: Viewer, mine: boolean): string | undefined {
  return mine || (viewer.mode === "private" && !viewer.admin) ? viewer.owner.id : undefined;
}

/** Who made an asset, as a caller sees it: never another caller's pseudonym, only display names. */
export interface Ownership {
  yours: boolean;
  /** Callers with a claim on it (0 for a record made before owners were recorded). */
  owners: number;
  /** Their display names, where known (signed-in users); token callers have none. */
  makers: string[];
  /** Made before owners were recorded: only an admin deletes it. */
  legacy: boolean;
}

export function ownershipFor(record: { owners?: readonly AssetOwner[]; ownerCount?: number }, viewer: Viewer): Ownership {
  const claims = (record.owners ?? []).filter((o) => o.id !== LEGACY_OWNER_ID);
  const legacy = record.owners === undefined || record.owners.some((o) => o.id === LEGACY_OWNER_ID);
  const listed = record.owners?.length ?? 0;
  return {
    yours: ownsAsset(record, viewer.owner.id),
    owners: (record.ownerCount ?? listed) - (listed - claims.length),
    makers: claims.flatMap((o) => (o.name ? [o.name] : [])),
    legacy,
  };
}
