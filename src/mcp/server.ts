import { fromJson, type JsonObject, type JsonValue, type Message } from "@bufbuild/protobuf";
import type { Transport } from "@connectrpc/connect";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type CallToolResult,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import { BadRequestSchema } from "../../gen/ts/google/rpc/error_details_pb.js";
import { invalidArgument } from "../errors.js";
import { callMethod } from "../server/call-method.js";
import { codeName, toConnectError } from "../server/errors.js";
import { restJsonOf } from "../server/rest/rest-json.js";
import { argumentOf, requestJsonOf, toolArguments, type ToolArguments } from "./arguments.js";
import { compactMemory, MEMORY_TOOLS, type MemoryTool } from "./tools.js";

/** Where tool calls go: MemoryService over a Connect transport, as the caller. */
export interface MemoryRpc {
  transport: Transport;
  /** Sent with every call: the caller's Authorization header. */
  headers: Record<string, string>;
}

const INSTRUCTIONS =
  "Engram is your long-term memory. Before acting on a subject, list_memory (by subject and kind) or " +
  "search_memory (by meaning) to recall what you know and did; after acting, write_memory what you learned, " +
  "with a key when the same fact or action must never be recorded twice.";

/**
 * An MCP server whose six tools are thin clients of MemoryService: every call goes through
 * the same auth, visibility, validation and service code as gRPC, Connect and REST.
 */
export function createMcpServer(rpc: MemoryRpc): Server {
  const tools = MEMORY_TOOLS.map((tool) => ({ tool, args: toolArguments(tool) }));
  const server = new Server(
    { name: "engram", version: "0.1.0" },
    { capabilities: { tools: {} }, instructions: INSTRUCTIONS },
  );

  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: tools.map(({ tool, args }): Tool => ({
      name: tool.name,
      title: tool.title,
      description: tool.description,
      inputSchema: args.schema as Tool["inputSchema"],
      annotations: {
        title: tool.title,
        readOnlyHint: tool.readOnly,
        destructiveHint: tool.destructive ?? false,
        idempotentHint: tool.idempotent ?? tool.readOnly,
        openWorldHint: false,
      },
    })),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const found = tools.find(({ tool }) => tool.name === request.params.name);
    if (found === undefined) {
      const names = MEMORY_TOOLS.map((t) => t.name).join(", ");
      throw new McpError(ErrorCode.InvalidParams, `unknown tool "${request.params.name}"; the tools are ${names}`);
    }
    return callTool(found.tool, found.args, request.params.arguments ?? {}, rpc);
  });
  return server;
}

async function callTool(
  tool: MemoryTool,
  args: ToolArguments,
  given: Record<string, unknown>,
  rpc: MemoryRpc,
): Promise<CallToolResult> {
  try {
    const input = requestOf(tool, args, given);
    const { method } = tool;
    const called = await callMethod(rpc.transport, method, input, rpc.headers);
    let result: JsonObject;
    if (called.stream) {
      const results: JsonValue[] = [];
      for await (const message of called.messages) {
        const { memory, rank, score, mode } = restJsonOf(method.output, message);
        results.push({ rank, score, mode, memory: compactMemory(memory as JsonObject) } as JsonObject);
      }
      result = { results };
    } else {
      result = shapeResult(restJsonOf(method.output, called.message));
    }
    return { content: [{ type: "text", text: JSON.stringify(result, null, 2) }], structuredContent: result };
  } catch (err) {
    return { isError: true, content: [{ type: "text", text: errorText(err, args) }] };
  }
}

function requestOf(tool: MemoryTool, args: ToolArguments, given: Record<string, unknown>): Message {
  const decode = (json: JsonObject) => fromJson(tool.method.input, json, { ignoreUnknownFields: false });
  const json = requestJsonOf(tool, args, given);
  try {
    return decode(json);
  } catch (err) {
    // The decoder names proto fields and types; find the argument whose value it cannot take.
    const culprit = Object.entries(given).find(([name, value]) => {
      try {
        decode(requestJsonOf(tool, args, { [name]: value }));
        return false;
      } catch {
        return true;
      }
    });
    const message = err instanceof Error ? err.message : String(err);
    const description = message.replace(/^cannot decode [^:]+ from JSON: /, "cannot take ");
    throw invalidArgument(culprit?.[0] ?? "arguments", "INVALID_ARGUMENT_VALUE", description);
  }
}

/** Memories compacted, everything else (outcome, next_page_token) as the service said it. */
function shapeResult(json: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [name, value] of Object.entries(json)) {
    if (name === "memory" && value !== null) out.memory = compactMemory(value as JsonObject);
    else if (name === "memories" && Array.isArray(value))
      out.memories = value.map((m) => compactMemory(m as JsonObject));
    else if (value !== "") out[name] = value;
  }
  return out;
}

/** The reason in words a model can act on, naming the arguments at fault. */
function errorText(err: unknown, args: ToolArguments): string {
  const error = toConnectError(err);
  const violations = error.findDetails(BadRequestSchema).flatMap((d) => d.fieldViolations);
  if (violations.length === 0) return `${codeName(error.code).replaceAll("_", " ").toLowerCase()}: ${error.rawMessage}`;
  const lines = violations.map((v) => {
    const name = argumentOf(args, v.field) ?? v.field;
    return `- argument "${name}": ${v.description}`;
  });
  return [`invalid arguments:`, ...lines].join("\n");
}
