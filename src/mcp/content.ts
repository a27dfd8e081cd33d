/**
 * MCP content blocks as plain JSON. Both SDK generations accept these shapes, so
 * tools build them without importing either SDK.
 */
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

export function base64(bytes: Uint8Array): string {
  // Chunked: spreading a multi-megabyte array into String.fromCharCode overflows the stack.
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}

export const image = (bytes: Uint8Array, mimeType: string): ImageBlock => ({ type: "image", data: base64(bytes), mimeType });
