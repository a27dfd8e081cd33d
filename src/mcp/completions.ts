import { listingOwner } from "../store/owners";
import type { Services } from "../services";
import type { AssetKind } from "../store/asset-kinds";
import type { Completer, Registry } from "./definitions";

/** The spec caps one completion answer at 100 values. */
export const MAX_COMPLETION_VALUES = 100;

export type CompletionRef = { type: "ref/prompt"; name: string } | { type: "ref/resource"; uri: string };

export interface CompletionRequest {
  ref: CompletionRef;
  argument: { name: string; value: string };
  context?: { arguments?: Record<string, string> };
}

export interface CompletionAnswer {
  [key: string]: unknown;
  completion: { values: string[]; total: number; hasMore: boolean };
}

function completerFor(registry: Registry, ref: CompletionRef, argument: string): Completer | undefined {
  if (ref.type === "ref/prompt") return registry.prompts.find((p) => p.name === ref.name)?.complete?.[argument];
  return registry.resourceTemplates.find((t) => t.uriTemplate === ref.uri)?.complete?.[argument];
}

/**
 * Answers `completion/complete` for both eras from the shared definitions. A prompt,
 * template or argument without suggestions (unknown names included) gets an empty list
 * rather than an error: completion is a hint while typing, and the official conformance
 * suite probes it with a prompt name no server defines.
 */
export async function completeArgument(registry: Registry, request: CompletionRequest, services: Services): Promise<CompletionAnswer> {
  const completer = completerFor(registry, request.ref, request.argument.name);
  const values = completer ? await completer(request.argument.value, services, request.context?.arguments ?? {}) : [];
  return {
    completion: {
      values: values.slice(0, MAX_COMPLETION_VALUES),
      total: values.length,
      hasMore: values.length > MAX_COMPLETION_VALUES,
    },
  };
}

/** Values that start with what the user typed, ignoring case, in the order given. */
export function startingWith(values: readonly string[], typed: string): string[] {
  const prefix = typed.toLowerCase();
  return values.filter((v) => v.toLowerCase().startsWith(prefix));
}

/** How many recent assets a completion looks through: enough to find what a user just made. */
const RECENT_ASSETS_SCANNED = 100;

/** Ids of recent assets (of one kind, when given) that start with the typed hex, newest first. */
export async function recentAssetIds(services: Services, typed: string, kind?: AssetKind): Promise<string[]> {
  const owner = listingOwner(services.library.viewer, false);
  const page = await services.index.list({ limit: RECENT_ASSETS_SCANNED, ...(kind ? { kind } : {}), owner });
  const prefix = typed.toLowerCase();
  return page.assets.map((a) => a.sha256).filter((id) => id.startsWith(prefix));
}
