/**
 * What a tool returns, as plain data: MCP content blocks in their JSON shapes and the tool
 * output around them. Both SDK generations accept these shapes, so tools and pipelines build
 * results without importing either SDK or anything under mcp/.
 */
import { toBase64 } from "./encoding";

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

/** A tool's answer: structured content, a one-line summary, and the blocks after them. */
export interface ToolOutput<T> {
  structured: T;
  /** One or two sentences for the model: what happened and what it cost. */
  summary: string;
  /** Blocks after the summary and JSON: previews, resource links, embedded files. */
  content?: ContentBlock[];
}
