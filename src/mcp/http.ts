import type http from "node:http";
import { createContextValues, type Transport } from "@connectrpc/connect";
import { codeToHttpStatus } from "@connectrpc/connect/protocol-connect";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isJsonContentType } from "@modelcontextprotocol/sdk/shared/mediaType.js";
import { ErrorCode } from "@modelcontextprotocol/sdk/types.js";
import type { Logger } from "pino";
import { DomainError } from "../errors/domain-error.js";
import { principalKey } from "../auth/principal.js";
import type { Authentication } from "../api/authentication.js";
import { clientAddressKey } from "../api/client-address.js";
import { codeName, toConnectError } from "../errors/status.js";
import type { BodyBudget } from "../api/limits.js";
import type { RequestHandler } from "../api/request-handler.js";
import { drainUnreadBody, resetUnreadStream } from "../api/unread-body.js";
import { JsonRpcHttpError, readJsonRpcBody } from "./json-rpc-body.js";
import { createMcpServer } from "./server.js";
import { loggableError } from "../logger.js";

/** JSON-RPC leaves -32000 to -32099 to servers; the SDK answers HTTP-level refusals with -32000. */
const SERVER_ERROR = -32000;
const UNAUTHENTICATED = -32001;

export interface McpHttpOptions {
  /** The server's own router transport: tool calls run the same interceptors as any RPC. */
  transport: Transport;
  /** Checks the key before any MCP exchange, so that a bad one is an HTTP 401 as clients expect. */
  authentication: Authentication;
  /** Shared with the other ways in: request-body bytes all calls in flight may hold. */
  bodyBudget: BodyBudget;
  logger: Logger;
}

/**
 * MCP over Streamable HTTP at /mcp, stateless: each request gets a server bound to its own
 * Authorization header, so every tool call is made as the caller and nothing is shared.
 */
export function mcpHandler({ transport, authentication, bodyBudget, logger }: McpHttpOptions): RequestHandler {
  return (req, res) => {
    const response = res as http.ServerResponse;
    // A body refused part way must not take the connection with it: the refusal is still to be sent.
    const body = bodyBudget.meter(req.iterator({ destroyOnReturn: false }));
    void (async () => {
      // Without sessions there is no stream for server-initiated messages (GET would open one
      // that nothing ever writes to, and hold it forever) and no session to end (DELETE).
      // The MCP spec lets a server answer both with 405.
      if (req.method !== "POST") {
        const message = `${req.method} is not supported: send JSON-RPC messages with POST`;
        throw new JsonRpcHttpError(405, SERVER_ERROR, message, { allow: "POST" });
      }
      const authorization = req.headers.authorization;
      const clientAddress = req.socket.remoteAddress ?? "";
      const principal = await authentication.principalFor(authorization, clientAddress).catch(refusal);
      // Other content types are the SDK's to refuse (415) before it reads anything.
      const message = isJsonContentType(req.headers["content-type"])
        ? await readJsonRpcBody(req, body.body).catch(refusal)
        : undefined;
      const server = createMcpServer({
        transport,
        headers: { authorization: authorization ?? "" },
        // The tool calls run as this principal: the key is not looked up again.
        contextValues: createContextValues().set(clientAddressKey, clientAddress).set(principalKey, principal),
      });
      const mcp = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      response.once("close", () => {
        void mcp.close();
        void server.close();
      });
      await server.connect(mcp);
      await mcp.handleRequest(req as http.IncomingMessage, response, message);
    })()
      .catch(async (err: unknown) => {
        await drainUnreadBody(req);
        if (err instanceof JsonRpcHttpError) {
          sendError(response, err.status, err.code, err.message, err.headers);
        } else {
          logger.error({ error: loggableError(err) }, "MCP request failed");
          sendError(response, 500, ErrorCode.InternalError, "internal error");
        }
        resetUnreadStream(req);
      })
      .finally(body.release);
  };
}

/** A refused key, or a full server, as the HTTP answer MCP clients expect before any exchange. */
function refusal(err: unknown): never {
  if (err instanceof JsonRpcHttpError || !(err instanceof DomainError)) throw err;
  const error = toConnectError(err);
  const status = codeToHttpStatus(error.code);
  const headers: Record<string, string> =
    status === 401 ? { "www-authenticate": 'Bearer realm="engram"' } : retryAfter(err.retryAfterMs);
  const code = status === 401 ? UNAUTHENTICATED : SERVER_ERROR;
  throw new JsonRpcHttpError(status, code, `${codeName(error.code).toLowerCase()}: ${err.message}`, headers);
}

function retryAfter(ms: number | undefined): Record<string, string> {
  return ms === undefined ? {} : { "retry-after": String(Math.max(1, Math.ceil(ms / 1000))) };
}

function sendError(
  response: http.ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  response
    .writeHead(status, { ...headers, "content-type": "application/json" })
    .end(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }));
}
