/**
 * The deployment's default models (DEFAULT_IMAGE_MODEL, DEFAULT_VISION_MODEL) on the server's
 * date. A default past its shutdown date is not a configuration error (the server keeps serving
 * everything else): only a call that would use it is refused, and status and /health warn.
 */
import { ToolError } from "../errors";
import {
  DEFAULT_IMAGE_MODEL,
  DEFAULT_VISION_MODEL,
  imageModel,
  isShutDown,
  orList,
  shutdownNotice,
  visionModel,
  type Retirement,
} from "./catalog";

export type DefaultModelKind = "image" | "vision";

/** The deployment's choices; absent means the catalog's own default. */
export interface ConfiguredDefaults {
  defaultImageModel?: string;
  defaultVisionModel?: string;
}

const VARIABLE: Readonly<Record<DefaultModelKind, string>> = { image: "DEFAULT_IMAGE_MODEL", vision: "DEFAULT_VISION_MODEL" };
const BUILT_IN: Readonly<Record<DefaultModelKind, string>> = { image: DEFAULT_IMAGE_MODEL, vision: DEFAULT_VISION_MODEL };

const configuredId = (kind: DefaultModelKind, defaults: ConfiguredDefaults) =>
  kind === "image" ? defaults.defaultImageModel : defaults.defaultVisionModel;

const retirementOf = (kind: DefaultModelKind, id: string): Retirement | null =>
  (kind === "image" ? imageModel(id) : visionModel(id))?.retirement ?? null;

/** The model a call that names none uses: what the deployment set, or the catalog's default. */
export function defaultModelId(kind: DefaultModelKind, defaults: ConfiguredDefaults): string {
  return configuredId(kind, defaults) ?? BUILT_IN[kind];
}

/**
 * The default model for a call that names none, or a ToolError when OpenAI has shut it down:
 * the variable to change, the day it stopped and its successor, before anything is paid.
 */
export function liveDefaultModel(kind: DefaultModelKind, defaults: ConfiguredDefaults, now: Date): string {
  const id = defaultModelId(kind, defaults);
  const retirement = retirementOf(kind, id);
  if (!retirement || !isShutDown({ retirement }, now)) return id;
  const successors = orList(retirement.replacements);
  throw new ToolError(
    `${VARIABLE[kind]}: this server's default ${kind} model, ${id}, was shut down by OpenAI on ${retirement.shutdownDate}, so a call that names no model cannot run. ` +
      `Name a current model in the call where the tool takes one (model: "${retirement.replacements[0]}"), or ask the operator to set ${VARIABLE[kind]} to ${successors}.`,
    "not_configured",
  );
}

/** For server_status and /health: each default that has shut down, or shuts down soon, and what to set instead. */
export function defaultModelWarnings(defaults: ConfiguredDefaults, now: Date): string[] {
  const warnings: string[] = [];
  for (const kind of ["image", "vision"] as const) {
    const id = defaultModelId(kind, defaults);
    const retirement = retirementOf(kind, id);
    if (!retirement) continue;
    if (isShutDown({ retirement }, now)) {
      warnings.push(
        `${VARIABLE[kind]}: ${id} was shut down by OpenAI on ${retirement.shutdownDate}; calls that name no ${kind} model are refused until it is set to ${orList(retirement.replacements)}.`,
      );
    } else {
      warnings.push(`${VARIABLE[kind]}: ${shutdownNotice({ id, retirement }, now)}`);
    }
  }
  return warnings;
}
