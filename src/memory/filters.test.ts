/**
 * Every memory query is built from these conditions, so a filter must bind its values as
 * parameters (never splice them into the text), always carry the visibility rule first, hide
 * deleted and expired memories unless asked, and match missing owner or subject ids with IS NULL.
 */
import { describe, expect, it } from "vitest";
import type { Viewer } from "../auth/principal.js";
import { sql, type Sql } from "../db/sql.js";
import { allOf, atNaturalKey, atSubject, filterConditions, type FilterQuery } from "./filters.js";
import { aDraft } from "../../test/support/records.js";
import type { MemoryDraft } from "./record.js";

const viewer: Viewer = { workspaceId: "w1", agentId: "agent-a", admin: false };
const now = new Date("2025-03-01T12:00:00.000Z");
const VISIBLE =
  "memories.workspace_id = ? and (memories.visibility = 'shared' or memories.agent_id is null or memories.agent_id = ?)";

const query = (over: Partial<FilterQuery> = {}): FilterQuery => ({
  kinds: [],
  tags: [],
  anyTags: [],
  ownerAgentIds: [],
  showDeleted: false,
  includeSuperseded: false,
  showExpired: false,
  ...over,
});

const draft = (over: Partial<MemoryDraft> = {}): MemoryDraft => aDraft({ agentId: "agent-a", key: "tone", ...over });

const flat = (s: Sql) => ({ text: s.text.replace(/\s+/g, " "), params: s.params });

describe("filterConditions", () => {
  it("on another table (entity_names' rows), qualifies the visibility rule with it and keeps the time conditions", () => {
    const onNames = filterConditions(viewer, query({ validAt: now }), now, "n").map(flat);
    expect(onNames[0]).toEqual({
      text: "n.workspace_id = ? and (n.visibility = 'shared' or n.agent_id is null or n.agent_id = ?)",
      params: ["w1", "agent-a"],
    });
    expect(onNames.slice(1).map((c) => c.text)).toEqual(
      filterConditions(viewer, query({ validAt: now }), now)
        .slice(1)
        .map((c) => flat(c).text),
    );
  });

  it("on another table, refuses any filter beside visibility and time: its columns would bind to memories", () => {
    const narrowing: Partial<FilterQuery>[] = [
      { subjectType: "contact" },
      { subjectId: "c-1" },
      { kinds: ["note"] },
      { tags: ["a"] },
      { anyTags: ["a"] },
      { ownerAgentIds: ["a"] },
      { linkedEntity: { type: "t", id: "i" } },
      { mentions: { type: "t", id: "i" } },
      { visibility: "shared" },
      { key: "k" },
    ];
    for (const over of narrowing) {
      expect(() => filterConditions(viewer, query(over), now, "n"), JSON.stringify(over)).toThrow(/apply to n/);
      expect(filterConditions(viewer, query(over), now).length).toBeGreaterThan(4);
    }
  });

  it("by default keeps visibility and hides deleted, expired and superseded memories, as of now", () => {
    expect(filterConditions(viewer, query(), now).map(flat)).toEqual([
      { text: VISIBLE, params: ["w1", "agent-a"] },
      { text: "delete_time is null", params: [] },
      { text: "(expire_time is null or expire_time > ?)", params: [now] },
      { text: "superseded_by is null", params: [] },
    ]);
  });

  it("keeps only the visibility rule when deleted, expired and superseded memories are shown", () => {
    const where = filterConditions(
      viewer,
      query({ showDeleted: true, showExpired: true, includeSuperseded: true }),
      now,
    );
    expect(where.map(flat)).toEqual([{ text: VISIBLE, params: ["w1", "agent-a"] }]);
  });

  it("uses the admin visibility rule for an admin viewer", () => {
    const admin: Viewer = { workspaceId: "w2", agentId: null, admin: true };
    const [first] = filterConditions(admin, query({ showDeleted: true, showExpired: true }), now);
    expect(first && flat(first)).toEqual({ text: "memories.workspace_id = ?", params: ["w2"] });
  });

  it("adds one bound condition per filter field, in a fixed order", () => {
    const where = filterConditions(
      viewer,
      query({
        subjectType: "contact",
        subjectId: "c-1",
        kinds: ["note", "fact"],
        tags: ["vip", "eu"],
        anyTags: ["hot"],
        linkedEntity: { type: "company", id: "acme" },
        visibility: "shared",
        key: "tone",
        ownerAgentIds: ["agent-a", "agent-b"],
        showDeleted: true,
        showExpired: true,
        includeSuperseded: true,
        validAt: now,
      }),
      now,
    );
    expect(where.slice(1).map(flat)).toEqual([
      { text: "subject_type = ?", params: ["contact"] },
      { text: "subject_id = ?", params: ["c-1"] },
      { text: "kind = any(?::text[])", params: ['{"note","fact"}'] },
      { text: "tags @> ?::text[]", params: ['{"vip","eu"}'] },
      { text: "tags && ?::text[]", params: ['{"hot"}'] },
      { text: "linked_entities @> ?::jsonb", params: ['[{"type":"company","id":"acme"}]'] },
      { text: "visibility = ?", params: ["shared"] },
      { text: "key = ?", params: ["tone"] },
      { text: "agent_id = any(?::text[])", params: ['{"agent-a","agent-b"}'] },
      {
        text: "coalesce(valid_from, create_time) <= ?::timestamptz and (valid_until is null or valid_until > ?::timestamptz)",
        params: [now, now],
      },
    ]);
  });

  it("binds hostile filter values as parameters, leaving the SQL text untouched", () => {
    const hostile = "x' or '1'='1";
    const where = allOf(
      filterConditions(viewer, query({ subjectId: hostile, kinds: [hostile], ownerAgentIds: [hostile] }), now),
    );
    expect(where.text).not.toContain(hostile);
    expect(where.params).toContain(hostile);
    expect(where.params).toContain(`{"x' or '1'='1"}`);
  });

  it("filters on an empty subject id when one is given, unlike an absent one", () => {
    expect(filterConditions(viewer, query({ subjectId: "" }), now).map(flat)).toContainEqual({
      text: "subject_id = ?",
      params: [""],
    });
  });
});

describe("atSubject and atNaturalKey", () => {
  it("binds workspace, owner, subject and kind", () => {
    expect(flat(atSubject("w1", draft()))).toEqual({
      text: "workspace_id = ? and agent_id = ? and subject_type = ? and subject_id = ? and kind = ?",
      params: ["w1", "agent-a", "contact", "c-1", "note"],
    });
  });

  it("matches a missing owner and subject id with IS NULL, binding nothing for them", () => {
    expect(flat(atSubject("w1", draft({ agentId: null, subjectId: null })))).toEqual({
      text: "workspace_id = ? and agent_id is null and subject_type = ? and subject_id is null and kind = ?",
      params: ["w1", "contact", "note"],
    });
  });

  it("adds the key last for the natural key", () => {
    expect(flat(atNaturalKey("w1", draft({ subjectId: null })))).toEqual({
      text: "workspace_id = ? and agent_id = ? and subject_type = ? and subject_id is null and kind = ? and key = ?",
      params: ["w1", "agent-a", "contact", "note", "tone"],
    });
  });
});

describe("allOf", () => {
  it("joins conditions with and, keeping their parameters in order", () => {
    expect(allOf([sql`a = ${1}`, sql`b = ${2}`, sql`c is null`])).toMatchObject({
      text: "a = ? and b = ? and c is null",
      params: [1, 2],
    });
  });
});
