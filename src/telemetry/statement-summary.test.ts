import { describe, expect, it } from "vitest";
import { statementName, statementSummary } from "./statement-summary.js";

describe("statementSummary", () => {
  it.each([
    ['select "m0".* from "memories" as "m0" where "m0"."id" = ?', "SELECT memories"],
    ["insert into memory_changes (memory_id) values ($1)", "INSERT memory_changes"],
    ['update "public"."memories" set content = $1 where id = $2', "UPDATE memories"],
    ["delete from only entity_names where memory_id = any($1)", "DELETE entity_names"],
    [
      "with moved as (delete from embedding_queue where id = $1 returning *) select * from moved",
      "DELETE embedding_queue",
    ],
    ["with recent as (select id from memories where workspace_id = $1) select count(*) from recent", "SELECT memories"],
    ["/* a note */ -- and a line\n select 1 from relation_tallies", "SELECT relation_tallies"],
    ["begin", "BEGIN"],
    ["select pg_advisory_xact_lock($1)", "SELECT"],
    ["", "STATEMENT"],
  ])("%s -> %s", (sql, name) => {
    expect(statementName(statementSummary(sql))).toBe(name);
  });

  it("never names anything from a statement's literals", () => {
    expect(statementName(statementSummary("select 'it''s from secret_notes' as x"))).toBe("SELECT");
    expect(statementName(statementSummary("select $q$ from private_plans $q$, $$from x$$"))).toBe("SELECT");
    expect(statementName(statementSummary("insert into memories values ('from diary')"))).toBe("INSERT memories");
    const cutOpen = `select ${"x".repeat(4_060)}, 'a long text from secret_notes' as y`;
    expect(statementName(statementSummary(cutOpen))).toBe("SELECT");
  });
});
