import type { z } from "zod";
import type { ToolOutput } from "../results";

export type { ToolOutput };
import type { Services } from "../services";

export type ProtocolEra = "2025-session" | "2026-stateless";

export interface ProgressUpdate {
  progress: number;
  total?: number;
  message?: string;
}

export type Confirmation = "confirmed" | "declined" | "unavailable";

/** Everything a handler may use. No SDK type appears here: one handler serves both eras. */
export interface ToolContext {
  services: Services;
  /** Aborts on client cancellation or when the tool deadline passes. */
  signal: AbortSignal;
  /** Sends `notifications/progress` when the client asked for progress; a no-op otherwise. */
  reportProgress(update: ProgressUpdate): Promise<void>;
  /** Whether the client sent a progress token: worth paying for partial images only then. */
  wantsProgress: boolean;
  /** Asks the user a yes/no question through elicitation; "unavailable" when the client cannot be asked. */
  confirm(question: string): Promise<Confirmation>;
  era: ProtocolEra;
}

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export interface ToolDefinition<In extends z.ZodObject = z.ZodObject, Out extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: In;
  output: Out;
  annotations: ToolAnnotations;
  run(args: z.output<In>, ctx: ToolContext): Promise<ToolOutput<z.output<Out>>>;
}

/** Erases the schema types so tools with different schemas sit in one list. */
export function defineTool<In extends z.ZodObject, Out extends z.ZodObject>(definition: ToolDefinition<In, Out>): ToolDefinition {
  return definition as unknown as ToolDefinition;
}

/** A resource template such as `asset://{kind}/{sha256}`, with listing and reading. */
export interface ResourceTemplateDefinition {
  name: string;
  uriTemplate: string;
  title: string;
  description: string;
  list(services: Services): Promise<Array<{ uri: string; name: string; title?: string; mimeType?: string; size?: number }>>;
  read(uri: string, variables: Record<string, string | string[]>, services: Services): Promise<ResourceContents>;
  complete?: Record<string, Completer>;
}

/**
 * Suggests values for one argument of a prompt or resource template (`completion/complete`).
 * `context` holds the arguments the client already filled in, so one can narrow another.
 */
export type Completer = (value: string, services: Services, context: Record<string, string>) => Promise<string[]>;

export type ResourceContents = { uri: string; mimeType: string; blob: string } | { uri: string; mimeType: string; text: string };

export interface PromptDefinition<Args extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  args: Args;
  /** Suggestions per argument name, for clients that offer completion while the user fills the prompt in. */
  complete?: Record<string, Completer>;
  render(args: z.output<Args>): Array<{ role: "user" | "assistant"; content: { type: "text"; text: string } }>;
}

export function definePrompt<Args extends z.ZodObject>(definition: PromptDefinition<Args>): PromptDefinition {
  return definition as unknown as PromptDefinition;
}

/** Everything both protocol adapters register. */
export interface Registry {
  tools: ToolDefinition[];
  resourceTemplates: ResourceTemplateDefinition[];
  prompts: PromptDefinition[];
}
