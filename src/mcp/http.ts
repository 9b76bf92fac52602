import type http from "node:http";
import { Code, type Transport } from "@connectrpc/connect";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isJsonContentType } from "@modelcontextprotocol/sdk/shared/mediaType.js";
import { ErrorCode } from "@modelcontextprotocol/sdk/types.js";
import { HttpError } from "../api/http/http-error.js";
import type { Reply } from "../api/http/replies.js";
import { routePipeline, type Failure, type HttpCall, type PipelineDeps } from "../api/http/route-pipeline.js";
import type { RequestHandler } from "../api/request-handler.js";
import { codeName } from "../errors/status.js";
import { JsonRpcHttpError, parseJsonRpcBody } from "./json-rpc-body.js";
import { createMcpServer } from "./server.js";
import { mcpSpanOf } from "./mcp-span.js";
import { MEMORY_TOOLS } from "./tools.js";
import { inSpan, SpanKind } from "../telemetry/spans.js";

/** The tools a span may name (a call to any other name is named by its method alone). */
const TOOL_NAMES: ReadonlySet<string> = new Set(MEMORY_TOOLS.map((tool) => tool.name));

/** JSON-RPC leaves -32000 to -32099 to servers; the SDK answers HTTP-level refusals with -32000. */
const SERVER_ERROR = -32000;
const UNAUTHENTICATED = -32001;

export interface McpHttpOptions extends PipelineDeps {
  /** The server's own router transport: tool calls run the same interceptors as any RPC. */
  transport: Transport;
}

/**
 * MCP over Streamable HTTP at /mcp, stateless, on the one HTTP route pipeline: each request
 * gets a server bound to its own caller, so every tool call is made as the caller and nothing
 * is shared. Without sessions there is no stream for server-initiated messages (GET would open
 * one that nothing ever writes to) and no session to end (DELETE): the spec lets a server
 * answer both with 405, which the pipeline does for any method but POST.
 */
export function mcpHandler({ transport, ...deps }: McpHttpOptions): RequestHandler {
  return routePipeline(
    {
      name: "MCP",
      routes: [{ method: "POST", pattern: /^\/mcp$/, template: "/mcp", handle: (call) => answer(call, transport) }],
      notFound: (path) => new HttpError(404, "NOT_FOUND", `no MCP endpoint at ${path}; it is /mcp`),
      failure: jsonRpcFailure,
    },
    deps,
  );
}

async function answer(call: HttpCall, transport: Transport): Promise<void> {
  // Other content types are the SDK's to refuse (415) before it reads anything.
  const message = isJsonContentType(call.req.headers["content-type"]) ? parseJsonRpcBody(await call.body()) : undefined;
  const server = createMcpServer({
    transport,
    headers: { authorization: call.authorization ?? "" },
    // The tool calls run as this principal: the key is not looked up again.
    contextValues: call.contextValues,
  });
  const mcp = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  call.res.once("close", () => {
    void mcp.close();
    void server.close();
  });
  await server.connect(mcp);
  const { name, attributes } = mcpSpanOf(message, TOOL_NAMES);
  await inSpan(name, { kind: SpanKind.SERVER, attributes }, () =>
    mcp.handleRequest(call.req as http.IncomingMessage, call.res as http.ServerResponse, message),
  );
}

/** A refusal before any MCP exchange, as the HTTP answer and JSON-RPC error MCP clients expect. */
function jsonRpcFailure({ httpStatus, reason, message, connectError, thrown }: Failure): Reply {
  const error = (code: number, text: string): Reply => ({
    status: httpStatus,
    body: { jsonrpc: "2.0", error: { code, message: text }, id: null },
  });
  if (thrown instanceof JsonRpcHttpError) return error(thrown.code, message);
  if (connectError === undefined) {
    if (reason === "PAYLOAD_TOO_LARGE") return error(ErrorCode.InvalidRequest, `Invalid Request: ${message}`);
    if (reason === "INCOMPLETE_BODY") return error(ErrorCode.ParseError, `Parse error: ${message}`);
    return error(SERVER_ERROR, message);
  }
  if (connectError.code === Code.Internal) return error(ErrorCode.InternalError, "internal error");
  const code = httpStatus === 401 ? UNAUTHENTICATED : SERVER_ERROR;
  return error(code, `${codeName(connectError.code).toLowerCase()}: ${connectError.rawMessage}`);
}
