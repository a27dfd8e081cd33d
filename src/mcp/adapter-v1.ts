import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { CompleteRequestSchema, ElicitResultSchema, ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { portable } from "../schemas/portable";
import type { Services } from "../services";
import { SERVER_NAME, SERVER_VERSION } from "../version";
import { completeArgument } from "./completions";
import type { Registry } from "./definitions";
import { CONFIRM_SCHEMA, confirmationFrom } from "./elicit";
import { runTool } from "./run-tool";
import { letRunnerValidateArguments } from "./input-validation";
import { ToolError } from "../errors";
import { SERVER_INSTRUCTIONS } from "./instructions";
import { DEFAULT_SESSION_LOG_LEVEL, isLogLevel, memoryLogLevelStore, notifyingLogger, type LogLevelStore } from "./logging";
import { LOG_LEVELS } from "../log";

const LooseSetLevelRequest = z.object({ method: z.literal("logging/setLevel"), params: z.object({ level: z.unknown() }) });

/** Resource errors travel as JSON-RPC errors: not-found gets the spec's -32002, the rest invalid params. */
function asMcpError(error: unknown): unknown {
  if (!(error instanceof ToolError)) return error;
  return new McpError(error.code === "not_found" ? -32002 : ErrorCode.InvalidParams, error.message);
}

/**
 * Builds an SDK v1 server (the 2025 session era, inside McpAgent) from the shared definitions.
 * `logLevels` keeps the level the client set with `logging/setLevel` for the whole session.
 */
export function buildServerV1(registry: Registry, services: () => Services, logLevels: LogLevelStore = memoryLogLevelStore()): McpServer {
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    { instructions: SERVER_INSTRUCTIONS, capabilities: { logging: {}, completions: {} } },
  );
  letRunnerValidateArguments(server);
  // Replaces the SDK's in-memory level map: the session Durable Object can be evicted between calls.
  // Parsed loosely so a bad level is invalid params naming the choices, not the SDK's internal error.
  server.server.setRequestHandler(LooseSetLevelRequest, async (request) => {
    const { level } = request.params;
    if (!isLogLevel(level)) {
      throw new McpError(ErrorCode.InvalidParams, `level must be one of ${LOG_LEVELS.join(", ")}; got ${JSON.stringify(level)}.`);
    }
    await logLevels.set(level);
    return {};
  });
  server.server.setRequestHandler(CompleteRequestSchema, (request) => completeArgument(registry, request.params, services()));

  for (const tool of registry.tools) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: portable(tool.input, "input"),
        outputSchema: portable(tool.output, "output"),
        annotations: tool.annotations,
      },
      async (args, extra) => {
        const progressToken = extra._meta?.progressToken;
        // Related to this request, so the messages travel on the call's own response stream.
        const log = notifyingLogger((await logLevels.get()) ?? DEFAULT_SESSION_LOG_LEVEL, (params) =>
          extra.sendNotification({ method: "notifications/message", params }),
        );
        return runTool(
          tool,
          args,
          {
            services: { ...services(), log },
            era: "2025-session",
            wantsProgress: progressToken !== undefined,
            reportProgress: async ({ progress, total, message }) => {
              if (progressToken === undefined) return;
              await extra.sendNotification({ method: "notifications/progress", params: { progressToken, progress, total, message } });
            },
            confirm: async (question) => {
              if (!server.server.getClientCapabilities()?.elicitation) return "unavailable";
              const result = await extra.sendRequest(
                { method: "elicitation/create", params: { mode: "form", message: question, requestedSchema: CONFIRM_SCHEMA } },
                ElicitResultSchema,
              );
              return confirmationFrom(result);
            },
          },
          extra.signal,
        );
      },
    );
  }

  for (const template of registry.resourceTemplates) {
    server.registerResource(
      template.name,
      new ResourceTemplate(template.uriTemplate, {
        list: async () => ({ resources: await template.list(services()) }),
      }),
      { title: template.title, description: template.description },
      async (uri, variables) => {
        try {
          return { contents: [await template.read(uri.href, variables, services())] };
        } catch (error) {
          throw asMcpError(error);
        }
      },
    );
  }

  for (const prompt of registry.prompts) {
    server.registerPrompt(prompt.name, { title: prompt.title, description: prompt.description, argsSchema: prompt.args.shape }, (args) => ({
      messages: prompt.render(args as never),
    }));
  }
  return server;
}
