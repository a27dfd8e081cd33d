import type { Confirmation } from "./definitions";

/** The one question form we ask: a single required boolean. */
export const CONFIRM_SCHEMA = {
  type: "object" as const,
  properties: { confirm: { type: "boolean" as const, title: "Confirm", description: "Yes to go ahead." } },
  required: ["confirm"],
};

export function confirmationFrom(result: { action: string; content?: Record<string, unknown> | undefined }): Confirmation {
  return result.action === "accept" && result.content?.confirm === true ? "confirmed" : "declined";
}
