import { fromJson, type JsonObject, type JsonValue, type Message } from "@bufbuild/protobuf";
import type { ConnectError, ContextValues, Transport } from "@connectrpc/connect";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CallToolRequestParamsSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type CallToolResult,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { BadRequestSchema, RetryInfoSchema } from "../../gen/ts/google/rpc/error_details_pb.js";
import { invalidArgument } from "../errors/domain-error.js";
import { callMethod } from "../api/call-method.js";
import { RERANK_HEADER, SEARCH_MODE_HEADER } from "../memory/response-headers.js";
import { decodeJsonRequest } from "../api/json-request.js";
import { codeName, toConnectError } from "../errors/status.js";
import { restJsonOf } from "../api/rest-json.js";
import { argumentOf, requestJsonOf, toolArguments, type ToolArguments } from "./arguments.js";
import { compactMemory, MEMORY_TOOLS, type MemoryTool } from "./tools.js";

/** Where tool calls go: MemoryService over a Connect transport, as the caller. */
export interface MemoryRpc {
  transport: Transport;
  /** Sent with every call: the caller's Authorization header. */
  headers: Record<string, string>;
  /** Facts about the caller the transport cannot carry, such as its network address (in process only). */
  contextValues?: ContextValues;
}

const INSTRUCTIONS =
  "Engram is your long-term memory. Before acting on a subject, list_memory (by subject and kind) or " +
  "search_memory (by meaning) to recall what you know and did; after acting, write_memory what you learned, " +
  "with a key when the same fact or action must never be recorded twice.";

/**
 * tools/call, with params that are not a tool call refused as invalid params (-32602) in words.
 * The SDK parses every request with its handler's schema before the handler runs, and answers a
 * mismatch with -32603, internal error, and a dump of the schema's issues (SDK issue #2284):
 * throwing the McpError from inside the parse is the one way to answer it properly.
 */
const ToolCallRequestSchema = z.object({
  method: z.literal("tools/call"),
  params: z.unknown().transform((params) => {
    const parsed = CallToolRequestParamsSchema.safeParse(params);
    if (parsed.success) return parsed.data;
    const problems = parsed.error.issues.map((issue) => {
      const path = ["params", ...issue.path].join(".");
      return `${path}: ${issue.message.replace(/^Invalid input: /, "")}`;
    });
    throw new McpError(ErrorCode.InvalidParams, `invalid tools/call: ${problems.join("; ")}`);
  }),
});

/** The tools with their argument mappings, and as tools/list shows them: built once, not per request. */
interface Catalogue {
  tools: ReadonlyMap<string, { tool: MemoryTool; args: ToolArguments }>;
  listed: readonly Tool[];
}

let built: Catalogue | undefined;

export function catalogue(): Catalogue {
  if (built !== undefined) return built;
  const entries = MEMORY_TOOLS.map((tool) => ({ tool, args: toolArguments(tool) }));
  built = {
    tools: new Map(entries.map((entry) => [entry.tool.name, entry])),
    listed: entries.map(({ tool, args }): Tool => ({
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
  };
  return built;
}

/**
 * An MCP server whose tools are thin clients of MemoryService and StagedWriteService: every call goes through
 * the same auth, visibility, validation and service code as gRPC, Connect and REST.
 */
export function createMcpServer(rpc: MemoryRpc): Server {
  const { tools, listed } = catalogue();
  const server = new Server(
    { name: "engram", version: "0.1.0" },
    { capabilities: { tools: {} }, instructions: INSTRUCTIONS },
  );

  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [...listed] }));

  server.setRequestHandler(ToolCallRequestSchema, async (request) => {
    const found = tools.get(request.params.name);
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
    const called = await callMethod(rpc.transport, method, input, rpc.headers, undefined, rpc.contextValues);
    let result: JsonObject;
    if (called.stream && tool.answerIsLast === true) {
      result = shapeResult(restJsonOf(method.output, await lastOf(called.messages)));
    } else if (called.stream) {
      const results: JsonValue[] = [];
      for await (const message of called.messages) {
        const { memory, rank, score, mode, rerank_score } = restJsonOf(method.output, message);
        results.push({ rank, score, rerank_score, mode, memory: compactMemory(memory as JsonObject) } as JsonObject);
      }
      // The mode that ran (keyword when no embedder answered), also when nothing was found.
      result = { mode: called.header.get(SEARCH_MODE_HEADER) ?? "", results };
      // Whether a search that asked for rerank got it; the reranker's scores only when it did.
      const rerank = called.header.get(RERANK_HEADER);
      if (rerank !== null) result.rerank = rerank;
      if (rerank !== "applied") for (const r of results) delete (r as JsonObject).rerank_score;
    } else {
      result = shapeResult(restJsonOf(method.output, called.message));
    }
    return { content: [{ type: "text", text: JSON.stringify(result, null, 2) }], structuredContent: result };
  } catch (err) {
    const error = toConnectError(err);
    return {
      isError: true,
      content: [{ type: "text", text: errorText(error, args) }],
      structuredContent: errorJson(error),
    };
  }
}

function requestOf(tool: MemoryTool, args: ToolArguments, given: Record<string, unknown>): Message {
  const input = tool.method.input;
  return decodeJsonRequest(input, requestJsonOf(tool, args, given), ({ description }) => {
    // The decoder names proto fields and types; find the argument whose value it cannot take.
    const culprit = Object.entries(given).find(([name, value]) => {
      try {
        fromJson(input, requestJsonOf(tool, args, { [name]: value }), { ignoreUnknownFields: false });
        return false;
      } catch {
        return true;
      }
    });
    throw invalidArgument(culprit?.[0] ?? "arguments", "INVALID_ARGUMENT_VALUE", description);
  });
}

/** A stream's last message: the ones before it (progress) are not for the model. */
async function lastOf(messages: AsyncIterable<Message>): Promise<Message> {
  let last: Message | undefined;
  for await (const message of messages) last = message;
  if (last === undefined) throw new Error("the stream ended without an answer");
  return last;
}

/** Memories compacted, everything else (outcome, next_page_token) as the service said it. */
function shapeResult(json: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [name, value] of Object.entries(json)) {
    if (name === "memory" && value !== null) out.memory = compactMemory(value as JsonObject);
    else if (name === "memories" && Array.isArray(value))
      out.memories = value.map((m) => compactMemory(m as JsonObject));
    else if (name === "revisions" && Array.isArray(value))
      out.revisions = value.map((r) => shapeResult(r as JsonObject));
    else if (value !== "") out[name] = value;
  }
  return out;
}

/** The reason in words a model can act on, naming the arguments at fault or when to retry. */
function errorText(error: ConnectError, args: ToolArguments): string {
  const violations = error.findDetails(BadRequestSchema).flatMap((d) => d.fieldViolations);
  if (violations.length === 0) {
    const retryAfterMs = retryDelayMs(error);
    const retry = retryAfterMs === undefined ? "" : `; retry after ${retryAfterMs} ms`;
    return `${codeName(error.code).replaceAll("_", " ").toLowerCase()}: ${error.rawMessage}${retry}`;
  }
  const lines = violations.map((v) => {
    const name = argumentOf(args, v.field) ?? v.field;
    return `- argument "${name}": ${v.description}`;
  });
  return [`invalid arguments:`, ...lines].join("\n");
}

/** The error for programs: the gRPC code name, the message, and when to retry if the server said. */
function errorJson(error: ConnectError): JsonObject {
  const retryAfterMs = retryDelayMs(error);
  return {
    error: {
      code: codeName(error.code),
      message: error.rawMessage,
      ...(retryAfterMs === undefined ? {} : { retry_after_ms: retryAfterMs }),
    },
  };
}

/** google.rpc.RetryInfo's delay, in whole milliseconds (rounded up: retrying early fails again). */
function retryDelayMs(error: ConnectError): number | undefined {
  const delay = error.findDetails(RetryInfoSchema)[0]?.retryDelay;
  if (delay === undefined) return undefined;
  return Number(delay.seconds) * 1000 + Math.ceil(delay.nanos / 1e6);
}
