import { describe, expect, it } from "vitest";
import { distributionOrder } from "./distribute.js";

const table = (name: string, refersTo: string[] = [], workspace = true) => ({ name, workspace, refers_to: refersTo });

describe("distributionOrder", () => {
  it("puts reference and coordinator tables first, then memories, then each table after those it refers to", () => {
    const ordered = distributionOrder([
      table("webhook_deliveries", ["webhooks"]),
      table("webhooks"),
      table("memory_revisions", ["memories"]),
      table("memories"),
      table("api_keys"),
      table("rate_limits", [], false),
    ]);
    expect(ordered.map((t) => t.name)).toEqual([
      "api_keys",
      "rate_limits",
      "memories",
      "memory_revisions",
      "webhooks",
      "webhook_deliveries",
    ]);
  });

  it("ignores a table's keys to itself and to tables already distributed", () => {
    const ordered = distributionOrder([table("entities", ["entities", "memories"])]);
    expect(ordered.map((t) => t.name)).toEqual(["entities"]);
  });

  it("refuses keys in a cycle, and a table with no workspace that sharding-rules.ts does not place", () => {
    expect(() => distributionOrder([table("a", ["b"]), table("b", ["a"])])).toThrow("foreign keys in a cycle: a, b");
    expect(() => distributionOrder([table("mystery", [], false)])).toThrow("table mystery has no workspace_id");
  });
});
