import type { Attributes } from "@opentelemetry/api";
import { ATTR } from "../telemetry/attributes.js";

/** The MCP specification's methods a client sends: any other name is the caller's own. */
const MCP_METHODS: ReadonlySet<string> = new Set([
  "initialize",
  "ping",
  "tools/list",
  "tools/call",
  "resources/list",
  "resources/read",
  "resources/templates/list",
  "prompts/list",
  "prompts/get",
  "completion/complete",
  "logging/setLevel",
  "notifications/initialized",
  "notifications/cancelled",
]);

/**
 * What an MCP request's span is called and says, as the GenAI conventions for MCP servers name
 * it: `tools/call write_memory`, with the method and the tool. Only names the server defines
 * (its methods, its tools) are used, never the arguments; a batch is `mcp batch`, anything
 * else `mcp`.
 */
export function mcpSpanOf(message: unknown, tools: ReadonlySet<string>): { name: string; attributes: Attributes } {
  if (Array.isArray(message)) return { name: "mcp batch", attributes: {} };
  if (typeof message !== "object" || message === null) return { name: "mcp", attributes: {} };
  const { method, params } = message as { method?: unknown; params?: { name?: unknown } };
  if (typeof method !== "string" || !MCP_METHODS.has(method)) return { name: "mcp", attributes: {} };
  const attributes: Attributes = { [ATTR.mcpMethod]: method };
  const tool = params?.name;
  if (method !== "tools/call" || typeof tool !== "string" || !tools.has(tool)) return { name: method, attributes };
  attributes[ATTR.genAiOperation] = "execute_tool";
  attributes[ATTR.genAiTool] = tool;
  return { name: `${method} ${tool}`, attributes };
}
