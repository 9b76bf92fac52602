import { describe, expect, it } from "vitest";
import { catalogue } from "./server.js";
import { MEMORY_TOOLS } from "./tools.js";

describe("the MCP tool catalogue", () => {
  it("is built once for every request's server, not again per request", () => {
    const first = catalogue();
    expect(catalogue()).toBe(first);
    expect(catalogue().listed[0]?.inputSchema).toBe(first.listed[0]?.inputSchema);
  });

  it("lists every tool, each with the argument mapping its calls use", () => {
    const { tools, listed } = catalogue();
    expect(listed.map((t) => t.name)).toEqual(MEMORY_TOOLS.map((t) => t.name));
    for (const tool of listed) expect(tools.get(tool.name)?.args.schema).toBe(tool.inputSchema);
  });
});
