import {
  acceptedContent,
  CLIENT_CAPABILITIES_META_KEY,
  inputRequired,
  LOG_LEVEL_META_KEY,
  McpServer,
  ProtocolError,
  ProtocolErrorCode,
  ResourceTemplate,
  type ServerContext,
} from "@modelcontextprotocol/server";
import { z } from "zod";
import { portable } from "../schemas/portable";
import type { Services } from "../services";
import { SERVER_NAME, SERVER_VERSION } from "../version";
import { completeArgument } from "./completions";
import type { Confirmation, Registry } from "./definitions";
import { AskClientFirst, runTool } from "./run-tool";
import { letRunnerValidateArguments } from "./input-validation";
import { SERVER_INSTRUCTIONS } from "./instructions";
import { ToolError } from "../errors";
import type { Logger } from "../log";
import { isLogLevel } from "./logging";

const CONFIRM_KEY = "confirm";
const ConfirmAnswer = z.object({ confirm: z.boolean() });

/**
 * In the stateless era a question is a round trip: the first call returns
 * `input_required`, the client asks its user and calls again with the answer in
 * `inputResponses`, and the handler runs from the top with the answer at hand.
 */
function confirmFromRetry(ctx: ServerContext): (question: string) => Promise<Confirmation> {
  return async (question) => {
    const answer = acceptedContent(ctx.mcpReq.inputResponses, CONFIRM_KEY, ConfirmAnswer);
    if (answer) return answer.confirm ? "confirmed" : "declined";
    if (ctx.mcpReq.inputResponses && CONFIRM_KEY in ctx.mcpReq.inputResponses) return "declined";
    const capabilities = (ctx.mcpReq.envelope as Record<string, { elicitation?: unknown } | undefined> | undefined)?.[
      CLIENT_CAPABILITIES_META_KEY
    ];
    if (!capabilities?.elicitation) return "unavailable";
    throw new AskClientFirst(question);
  };
}

function asProtocolError(error: unknown): unknown {
  if (!(error instanceof ToolError)) return error;
  return new ProtocolError(
    error.code === "not_found" ? ProtocolErrorCode.ResourceNotFound : ProtocolErrorCode.InvalidParams,
    error.message,
  );
}

/** Builds an SDK v2 server (the 2026-07-28 stateless era) from the same definitions as the v1 adapter. */
export function buildServerV2(registry: Registry, services: () => Services): McpServer {
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    { instructions: SERVER_INSTRUCTIONS, capabilities: { logging: {}, completions: {} } },
  );
  letRunnerValidateArguments(server);
  server.server.setRequestHandler("completion/complete", (request) => completeArgument(registry, request.params, services()));

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
      async (args: unknown, ctx: ServerContext) => {
        const progressToken = ctx.mcpReq._meta?.progressToken;
        // The SDK applies the level the request carries in its _meta envelope; none set, nothing is sent.
        const asked = (ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[LOG_LEVEL_META_KEY];
        const log: Logger = {
          level: isLogLevel(asked) ? asked : null,
          log: (level, logger, data) => void ctx.mcpReq.log(level, data, logger).catch(() => undefined),
        };
        try {
          return await runTool(
            tool,
            args,
            {
              services: { ...services(), log },
              era: "2026-stateless",
              wantsProgress: progressToken !== undefined,
              reportProgress: async ({ progress, total, message }) => {
                if (progressToken === undefined) return;
                await ctx.mcpReq.notify({ method: "notifications/progress", params: { progressToken, progress, total, message } });
              },
              confirm: confirmFromRetry(ctx),
            },
            ctx.mcpReq.signal,
          );
        } catch (error) {
          if (!(error instanceof AskClientFirst)) throw error;
          return inputRequired({
            inputRequests: {
              [CONFIRM_KEY]: inputRequired.elicit({ mode: "form", message: error.question, requestedSchema: ConfirmAnswer }),
            },
          });
        }
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
          throw asProtocolError(error);
        }
      },
    );
  }

  for (const prompt of registry.prompts) {
    server.registerPrompt(
      prompt.name,
      { title: prompt.title, description: prompt.description, argsSchema: prompt.args },
      (args: unknown) => ({
        messages: prompt.render(args as never),
      }),
    );
  }
  return server;
}
