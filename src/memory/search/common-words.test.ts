/**
 * CommonWords remembers, per search scope, the words counted as common (DF_CAP visible memories
 * or more) so that searches stop counting them: only such words, only for a while, and never
 * across scopes (another viewer or another filter may see far fewer memories holding them).
 */
import { describe, expect, it } from "vitest";
import { DF_CAP } from "./bm25.js";
import { CommonWords, countScope } from "./common-words.js";
import { toFilterQuery } from "../filter-query.js";

/** What a search with no MemoryFilter asks for, as the server reads it. */
const noFilter = toFilterQuery(undefined);

function clocked(options = { ttlMs: 1_000, maxScopes: 10, maxWordsPerScope: 3 }) {
  let now = 0;
  return { words: new CommonWords(options, () => now), advance: (ms: number) => (now += ms) };
}

describe("CommonWords", () => {
  it("remembers the words counted at DF_CAP or more, and no others", () => {
    const { words } = clocked();
    words.record("s", [
      { lexeme: "price", df: DF_CAP },
      { lexeme: "zanzibar", df: 3 },
      { lexeme: "absent", df: 0 },
    ]);
    expect(words.known("s")).toEqual(["price"]);
  });

  it("forgets a word once its time is up, or when a count finds it no longer common", () => {
    const { words, advance } = clocked();
    words.record("s", [
      { lexeme: "price", df: DF_CAP },
      { lexeme: "renew", df: DF_CAP },
    ]);
    advance(600);
    words.record("s", [{ lexeme: "renew", df: DF_CAP - 1 }]);
    expect(words.known("s")).toEqual(["price"]);
    advance(400);
    expect(words.known("s")).toEqual([]);
  });

  it("keeps each scope's words apart", () => {
    const { words } = clocked();
    words.record("a", [{ lexeme: "price", df: DF_CAP }]);
    expect(words.known("b")).toEqual([]);
  });

  it("holds a bounded number of words per scope, dropping the longest counted", () => {
    const { words, advance } = clocked();
    for (const lexeme of ["w1", "w2", "w3", "w4"]) {
      words.record("s", [{ lexeme, df: DF_CAP }]);
      advance(1);
    }
    words.record("s", [{ lexeme: "w2", df: DF_CAP }]);
    words.record("s", [{ lexeme: "w5", df: DF_CAP }]);
    expect(words.known("s")).toEqual(["w4", "w2", "w5"]);
  });
});

describe("countScope", () => {
  const agent = (agentId: string | null, admin = false) => ({ workspaceId: "w", agentId, admin });

  it("differs between agents, between an agent and an admin, and between workspaces", () => {
    const scopes = [
      countScope(agent("a"), noFilter),
      countScope(agent("b"), noFilter),
      countScope(agent(null), noFilter),
      countScope(agent(null, true), noFilter),
      countScope({ ...agent("a"), workspaceId: "other" }, noFilter),
    ];
    expect(new Set(scopes).size).toBe(scopes.length);
  });

  it("differs between filters, and not between admins acting as different agents", () => {
    expect(countScope(agent("a"), { ...noFilter, subjectId: "acme" })).not.toBe(countScope(agent("a"), noFilter));
    expect(countScope(agent("a"), { ...noFilter, showDeleted: true })).not.toBe(countScope(agent("a"), noFilter));
    // An admin reads the whole workspace whichever agent it names.
    expect(countScope(agent("a", true), noFilter)).toBe(countScope(agent("b", true), noFilter));
  });

  it("forgets every scope of an erased-from workspace, and only those (null: every workspace)", () => {
    const { words } = clocked();
    const scope = (workspaceId: string) => countScope({ workspaceId, agentId: "a", admin: false }, noFilter);
    for (const ws of ["ws-1", "ws-10", "ws-2"]) words.record(scope(ws), [{ lexeme: "price", df: DF_CAP }]);
    words.forgetWorkspace("ws-1");
    expect([scope("ws-1"), scope("ws-10"), scope("ws-2")].map((s) => words.known(s))).toEqual([
      [],
      ["price"],
      ["price"],
    ]);
    words.forgetWorkspace(null);
    expect(words.known(scope("ws-2"))).toEqual([]);
  });
});
