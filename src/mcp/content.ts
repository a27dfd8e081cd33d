/**
 * MCP content blocks as plain JSON. Both SDK generations accept these shapes, so
 * tools build them without importing either SDK.
 */
import { toBase64 } from "../encoding";

export type TextBlock = { type: "text"; text: string };
export type ImageBlock = { type: "image"; data: string; mimeType: string };
export type ResourceLinkBlock = {
  type: "resource_link";
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  size?: number;
};
export type EmbeddedResourceBlock = {
  type: "resource";
  resource: { uri: string; mimeType: string; blob: string } | { uri: string; mimeType: string; text: string };
};
export type ContentBlock = TextBlock | ImageBlock | ResourceLinkBlock | EmbeddedResourceBlock;

export const text = (value: string): TextBlock => ({ type: "text", text: value });

export const image = (bytes: Uint8Array, mimeType: string): ImageBlock => ({ type: "image", data: toBase64(bytes), mimeType });
