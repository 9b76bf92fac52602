import type http from "node:http";
import type { Transport } from "@connectrpc/connect";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { Logger } from "pino";
import type { ApiKeys } from "../auth/api-keys.js";
import { bearerToken } from "../server/interceptors/auth.js";
import type { RequestHandler } from "../server/listener.js";
import { createMcpServer } from "./server.js";

export interface McpHttpOptions {
  /** The server's own router transport: tool calls run the same interceptors as any RPC. */
  transport: Transport;
  /** Checks the key before any MCP exchange, so that a bad one is an HTTP 401 as clients expect. */
  apiKeys: ApiKeys;
  logger: Logger;
}

/**
 * MCP over Streamable HTTP at /mcp, stateless: each request gets a server bound to its own
 * Authorization header, so every tool call is made as the caller and nothing is shared.
 */
export function mcpHandler({ transport, apiKeys, logger }: McpHttpOptions): RequestHandler {
  return (req, res) => {
    const response = res as http.ServerResponse;
    const authorization = req.headers.authorization;
    void (async () => {
      const secret = bearerToken(authorization);
      if (secret === null || (await apiKeys.authenticate(secret)) === null) {
        response
          .writeHead(401, { "content-type": "application/json", "www-authenticate": 'Bearer realm="engram"' })
          .end(
            JSON.stringify({
              jsonrpc: "2.0",
              error: { code: -32001, message: "missing or invalid API key: send Authorization: Bearer <key>" },
              id: null,
            }),
          );
        return;
      }
      const server = createMcpServer({ transport, headers: { authorization: authorization ?? "" } });
      const mcp = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      response.once("close", () => {
        void mcp.close();
        void server.close();
      });
      await server.connect(mcp);
      await mcp.handleRequest(req as http.IncomingMessage, response);
    })().catch((err: unknown) => {
      logger.error({ err }, "MCP request failed");
      if (!response.headersSent) response.writeHead(500, { "content-type": "application/json" });
      response.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32603, message: "internal error" }, id: null }));
    });
  };
}
