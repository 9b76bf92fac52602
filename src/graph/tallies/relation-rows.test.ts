import { describe, expect, it } from "vitest";
import { AMONG_TUPLE, amongRow, edgesOfRows, type AmongColumns, type AmongTuple } from "./relation-rows.js";

const ACME = { type: "organization", id: "acme" };
const ANA = { type: "person", id: "ana" };

/** A delta of the relation ana -> acme (co_mentioned, kept under ana, outward). */
function row(tally: number, reader: string, n: number, listed: [string, string][], gone: string[] = []): AmongColumns {
  return {
    type: ANA.type,
    id: ANA.id,
    predicate: "co_mentioned",
    other_type: ACME.type,
    other_id: ACME.id,
    outward: true,
    reader,
    tally_id: String(tally),
    n,
    memory_ids: listed.map(([id]) => id),
    memory_times: listed.map(([, time]) => time),
    gone_ids: gone,
  };
}

describe("edgesOfRows", () => {
  it("sums the weights of a relation's rows and lists its memories newest first", () => {
    const edges = edgesOfRows([
      row(1, "", 2, [
        ["m1", "2026-01-01T00:00:00Z"],
        ["m2", "2026-01-03T00:00:00Z"],
      ]),
      row(2, "agent-a", 1, [["m3", "2026-01-02T00:00:00Z"]]),
    ]);
    expect(edges).toEqual([
      { subject: ANA, predicate: "co_mentioned", object: ACME, weight: 3, memoryIds: ["m2", "m3", "m1"] },
    ]);
  });

  it("takes a memory's latest delta per reader class, whatever order the rows come in", () => {
    // Both left the shared class (tally 3) after they were listed there (tally 1); m1 moved to
    // agent-a's class in the same statement, so it is listed there whatever the shared class says.
    const rows = [
      row(3, "", -2, [], ["m1", "m2"]),
      row(1, "", 2, [
        ["m1", "2026-01-01T00:00:00Z"],
        ["m2", "2026-01-02T00:00:00Z"],
      ]),
      row(2, "agent-a", 1, [["m1", "2026-01-05T00:00:00Z"]]),
    ];
    expect(edgesOfRows(rows)).toEqual([
      { subject: ANA, predicate: "co_mentioned", object: ACME, weight: 1, memoryIds: ["m1"] },
    ]);
    // m2 comes back later: listed again, at its new time.
    const back = edgesOfRows([row(4, "", 1, [["m2", "2026-01-04T00:00:00Z"]]), ...rows]);
    expect(back).toEqual([
      { subject: ANA, predicate: "co_mentioned", object: ACME, weight: 2, memoryIds: ["m1", "m2"] },
    ]);
  });

  it("drops a relation no memory gives any more, and keeps the newest five of one many give", () => {
    expect(edgesOfRows([row(1, "", 1, [["m1", "2026-01-01T00:00:00Z"]]), row(2, "", -1, [], ["m1"])])).toEqual([]);
    // Two classes' rows, five each, newest first as every row lists them: the newest five of both.
    const listed = (days: number[]) => days.map((d): [string, string] => [`m${d}`, `2026-01-0${d}T00:00:00Z`]);
    const [edge] = edgesOfRows([row(1, "", 5, listed([9, 7, 5, 3, 1])), row(2, "agent-a", 5, listed([8, 6, 4, 2, 1]))]);
    expect(edge?.memoryIds).toEqual(["m9", "m8", "m7", "m6", "m5"]);
  });

  it("takes a relation's only row, removing nothing, as it lists its memories", () => {
    // Rows list theirs newest first: a read trusts that order (these times would say otherwise).
    const [edge] = edgesOfRows([
      row(1, "", 2, [
        ["m1", "2026-01-01T00:00:00Z"],
        ["m2", "2026-01-02T00:00:00Z"],
      ]),
    ]);
    expect(edge?.memoryIds).toEqual(["m1", "m2"]);
  });

  it("names the subject by the row's direction", () => {
    const [edge] = edgesOfRows([
      { ...row(1, "", 1, [["m1", "2026-01-01T00:00:00Z"]]), predicate: "works_at", outward: false },
    ]);
    expect(edge).toMatchObject({ subject: ACME, predicate: "works_at", object: ANA });
  });

  it("reads a row sent as a tuple by AMONG_TUPLE's order (the statement builds it from that list)", () => {
    // Each column given its own name: a column read from the wrong place would carry another's.
    const named = amongRow([...AMONG_TUPLE] as unknown as AmongTuple);
    expect(Object.entries(named).filter(([column, value]) => column !== value)).toEqual([]);
    expect(Object.keys(named).sort()).toEqual([...AMONG_TUPLE].sort());
  });
});
