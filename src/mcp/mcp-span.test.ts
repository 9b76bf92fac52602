import { describe, expect, it } from "vitest";
import { mcpSpanOf } from "./mcp-span.js";

const TOOLS = new Set(["write_memory"]);

describe("mcpSpanOf", () => {
  it("names a tool call by its method and tool, as the GenAI conventions for MCP do", () => {
    expect(mcpSpanOf({ method: "tools/call", params: { name: "write_memory", arguments: {} } }, TOOLS)).toEqual({
      name: "tools/call write_memory",
      attributes: {
        "mcp.method.name": "tools/call",
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "write_memory",
      },
    });
    expect(mcpSpanOf({ method: "tools/list" }, TOOLS)).toEqual({
      name: "tools/list",
      attributes: { "mcp.method.name": "tools/list" },
    });
  });

  it("uses only names the server defines: never a caller's tool name, method or arguments", () => {
    expect(mcpSpanOf({ method: "tools/call", params: { name: "Ana's diary" } }, TOOLS).name).toBe("tools/call");
    expect(mcpSpanOf({ method: "say: the launch code is 1234" }, TOOLS)).toEqual({ name: "mcp", attributes: {} });
    expect(mcpSpanOf({ method: "launchcode" }, TOOLS)).toEqual({ name: "mcp", attributes: {} });
    expect(mcpSpanOf([{ method: "tools/list" }], TOOLS).name).toBe("mcp batch");
    expect(mcpSpanOf(undefined, TOOLS).name).toBe("mcp");
  });
});
