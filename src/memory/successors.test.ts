import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Viewer } from "../auth/principal.js";
import { aRecord } from "../../test/support/records.js";
import { stateOf } from "./record.js";
import { SuccessorNames, supersededReason, UNNAMED_SUCCESSOR, unsupersededReason } from "./successors.js";

const reader: Viewer = { workspaceId: "ws", agentId: "agent-b", admin: false };
const admin: Viewer = { workspaceId: "ws", agentId: null, admin: true };

const superseded = (by: string | null) => aRecord({ id: randomUUID(), supersededBy: by });

/** Names readable by the reader, and every question asked. */
function namesReadable(readable: string[]) {
  const asked: string[][] = [];
  const names = new SuccessorNames(async (_viewer, ids) => {
    asked.push([...ids]);
    return new Set(ids.filter((id) => readable.includes(id)));
  });
  return { names, asked };
}

describe("SuccessorNames", () => {
  it("leaves a successor the reader may not read unnamed, the memory still superseded", async () => {
    const hidden = randomUUID();
    const shown = randomUUID();
    const { names, asked } = namesReadable([shown]);
    const records = await names.records(reader, [superseded(hidden), superseded(shown), superseded(null)]);
    expect(records.map((r) => r.supersededBy)).toEqual([UNNAMED_SUCCESSOR, shown, null]);
    expect(records.map((r) => stateOf(r, new Date()))).toEqual(["superseded", "superseded", "active"]);
    expect(asked).toEqual([[hidden, shown]]);
  });

  it("rewrites the reasons that name a hidden successor, and only those", async () => {
    const hidden = randomUUID();
    const shown = randomUUID();
    const { names } = namesReadable([shown]);
    const changes = [
      { record: superseded(hidden), reason: supersededReason(hidden) },
      { record: superseded(null), reason: unsupersededReason(hidden) },
      { record: superseded(shown), reason: supersededReason(shown) },
      { record: superseded(null), reason: "stale" },
      { record: superseded(null), reason: null },
    ];
    const reasons = (await names.carriers(reader, changes)).map((c) => c.reason);
    expect(reasons).toEqual([
      "superseded by another memory",
      "was superseded by another memory",
      `superseded by ${shown}`,
      "stale",
      null,
    ]);
  });

  it("asks nothing when nothing is named, or of an admin's reads", async () => {
    const { names, asked } = namesReadable([]);
    await names.records(reader, [superseded(null)]);
    const [record] = await names.records(admin, [superseded(randomUUID())]);
    expect(asked).toEqual([]);
    expect(record?.supersededBy).not.toBe(UNNAMED_SUCCESSOR);
  });
});
