import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ElicitResultSchema, ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import type { Services } from "../services";
import { SERVER_NAME, SERVER_VERSION } from "../version";
import { boundCompletions, type Registry } from "./definitions";
import { CONFIRM_SCHEMA, confirmationFrom } from "./elicit";
import { runTool } from "./run-tool";
import { ToolError } from "../errors";
import { SERVER_INSTRUCTIONS } from "./instructions";

/** Resource errors travel as JSON-RPC errors: not-found gets the spec's -32002, the rest invalid params. */
function asMcpError(error: unknown): unknown {
  if (!(error instanceof ToolError)) return error;
  return new McpError(error.code === "not_found" ? -32002 : ErrorCode.InvalidParams, error.message);
}

/** Builds an SDK v1 server (the 2025 session era, inside McpAgent) from the shared definitions. */
export function buildServerV1(registry: Registry, services: () => Services): McpServer {
  const server = new McpServer({ name: SERVER_NAME, version: SERVER_VERSION }, { instructions: SERVER_INSTRUCTIONS });

  for (const tool of registry.tools) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.input,
        outputSchema: tool.output,
        annotations: tool.annotations,
      },
      async (args, extra) => {
        const progressToken = extra._meta?.progressToken;
        return runTool(
          tool,
          args,
          {
            services: services(),
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
        complete: boundCompletions(template, services),
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
