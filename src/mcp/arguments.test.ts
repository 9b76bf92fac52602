import { describe, expect, it } from "vitest";
import { toolArguments } from "./arguments.js";
import { ERASE_TOOL } from "./erase-tool.js";
import { MEMORY_TOOLS } from "./tools.js";

describe("toolArguments", () => {
  it("gives every tool's fields distinct argument names", () => {
    for (const tool of MEMORY_TOOLS) expect(() => toolArguments(tool), tool.name).not.toThrow();
  });

  it("refuses two fields under one name, which would leave the model one of them", () => {
    const shown = { ...ERASE_TOOL, hidden: ERASE_TOOL.hidden?.filter((path) => path !== "filter.owner_agent_ids") };
    expect(() => toolArguments(shown)).toThrow(/owner_agent_id names both/);
  });

  it("lists owner_agent_id for list_memory as a filter of owners", () => {
    const list = MEMORY_TOOLS.find((tool) => tool.name === "list_memory");
    expect(list && toolArguments(list).paths.get("owner_agent_id")).toBe("filter.owner_agent_ids");
  });
});
