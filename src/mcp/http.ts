import type http from "node:http";
import type { Transport } from "@connectrpc/connect";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { Logger } from "pino";
import type { RequestHandler } from "../server/listener.js";
import { createMcpServer } from "./server.js";

export interface McpHttpOptions {
  /** The server's own router transport: tool calls run the same interceptors as any RPC. */
  transport: Transport;
  /** Whether an Authorization header carries a live API key. */
  authenticate(authorization: string | undefined): Promise<boolean>;
  logger: Logger;
}

/**
 * MCP over Streamable HTTP at /mcp, stateless: each request gets a server bound to its own
 * Authorization header, so every tool call is made as the caller and nothing is shared.
 */
export function mcpHandler({ transport, authenticate, logger }: McpHttpOptions): RequestHandler {
  return (req, res) => {
    const response = res as http.ServerResponse;
    const authorization = req.headers.authorization;
    void (async () => {
      if (!(await authenticate(authorization))) {
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
