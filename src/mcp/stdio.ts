import { createConnectTransport } from "@connectrpc/connect-node";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { createMcpServer } from "./server.js";

export interface StdioOptions {
  /** A running Engram server, e.g. http://127.0.0.1:8080. */
  url: string;
  apiKey: string;
}

/**
 * `engram mcp`: MCP over stdin/stdout for runtimes that launch their tools as processes. It
 * holds no data and runs no service code; every tool call is a Connect call to the server.
 */
export async function serveStdio({ url, apiKey }: StdioOptions): Promise<void> {
  const transport = createConnectTransport({ baseUrl: url, httpVersion: "1.1" });
  const server = createMcpServer({ transport, headers: { authorization: `Bearer ${apiKey}` } });
  await server.connect(new StdioServerTransport());
}
