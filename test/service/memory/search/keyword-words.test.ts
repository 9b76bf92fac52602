/**
 * The keyword retriever reads a question's words and counts their memories in one statement,
 * quoting each word as a tsquery in SQL (QUOTED_LEXEME); the tiers and the ranking quote the same
 * words in TypeScript (lexemeQuery). Both must write the same tsquery, whatever the word holds.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { query, sql } from "../../../../src/db/sql.js";
import { lexemeQuery } from "../../../../src/memory/search/keyword-tiers.js";
import { QUOTED_LEXEME } from "../../../../src/memory/search/retrieval-statements.js";
import { startServices, type ServiceHarness } from "../../../support/service.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices();
});
afterAll(() => services.close());

describe("a word quoted as a tsquery", () => {
  it("is the same in SQL as in TypeScript, and reads back as that one word", async () => {
    const words = ["renew", "o'brien", "back\\slash", "''", "\\'", "a|b & !c", "naïve", "東京", ":*"];
    const rows = await query<{ lexeme: string; quoted: string; parsed: string }>(
      services.db.em.fork(),
      sql`select lexeme, ${QUOTED_LEXEME} as quoted, (${QUOTED_LEXEME})::tsquery::text as parsed
        from unnest(${words}::text[]) with ordinality as w(lexeme, n) order by n`,
    );
    expect(rows.map((r) => r.quoted)).toEqual(words.map(lexemeQuery));
    // Each is one lexeme, its text unchanged: nothing in a word is read as tsquery syntax.
    for (const row of rows) expect(row.parsed).toBe(`'${row.lexeme.replace(/'/g, "''").replace(/\\/g, "\\\\")}'`);
  });
});
