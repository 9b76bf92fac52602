/**
 * The hand-written SQL over `memories` depends on one column map: rows must decode to the
 * same record whether the driver parsed json, arrays, bigints and times or handed back text,
 * and a draft's bound values must line up one to one, in order, with DRAFT_COLUMNS.
 */
import { describe, expect, it } from "vitest";
import { sql } from "../db/sql.js";
import { contentFacts, NO_CONTENT_FACTS } from "../graph/content-mentions.js";
import {
  DRAFT_COLUMNS,
  DRAFT_FROM_EXCLUDED,
  draftValues,
  EMBEDDING_COLUMNS,
  embeddingValues,
  RECORD_COLUMNS,
  single,
  toRecord,
} from "./columns.js";
import { fingerprintOf } from "./identity.js";
import type { MemoryDraft, MemoryRecord } from "./record.js";

const created = new Date("2024-01-02T03:04:05.006Z");
const expires = new Date("2026-01-01T00:00:00.000Z");

const expected: MemoryRecord = {
  workspaceId: "w1",
  id: "0190a6f2-1c2b-7d3e-8f40-123456789abc",
  agentId: null,
  subjectType: "contact",
  subjectId: "c-1",
  kind: "note",
  key: null,
  content: "Prefers email",
  title: "Channel",
  visibility: "shared",
  metadata: { channel: "email", n: 2 },
  tags: ["vip", "a,b"],
  linkedEntities: [{ type: "company", id: "acme" }],
  relations: [
    { subject: { type: "person", id: "ana" }, predicate: "works_at", object: { type: "company", id: "acme" } },
  ],
  confidence: 0.5,
  sourceKind: null,
  sourceId: "s-1",
  provenance: "observed",
  parentMemoryId: null,
  expireTime: expires,
  forgetReason: null,
  mentions: [{ type: "company", id: "acme", role: "linked" }],
  embeddingModel: "m",
  embeddingStatus: "attached",
  revision: 3n,
  createTime: created,
  updateTime: created,
  deleteTime: null,
  validFrom: created,
  validUntil: null,
  supersededBy: null,
};

/** The row a driver that parses every type returns: the record's values under snake_case column names. */
const parsedRow: Record<string, unknown> = Object.fromEntries(
  Object.entries(expected).map(([field, value]) => [field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), value]),
);

const draft: MemoryDraft = {
  agentId: "agent-a",
  subjectType: "contact",
  subjectId: null,
  kind: "note",
  key: "channel",
  content: "  Prefers EMAIL ",
  title: "T",
  visibility: "private",
  metadata: { a: 1 },
  tags: ["x", 'q"uote'],
  linkedEntities: [{ type: "company", id: "acme" }],
  relations: [],
  confidence: 0.75,
  sourceKind: "call",
  sourceId: null,
  provenance: null,
  parentMemoryId: "p-1",
  expireTime: expires,
  validFrom: null,
  validUntil: expires,
};

describe("toRecord", () => {
  it("decodes a row whose values the driver already parsed", () => {
    expect(toRecord(parsedRow)).toEqual(expected);
  });

  it("decodes a row of text: json, array literals, numeric strings and ISO times", () => {
    const textRow = {
      ...parsedRow,
      metadata: '{"channel":"email","n":2}',
      tags: '{vip,"a,b"}',
      linked_entities: '[{"type":"company","id":"acme"}]',
      confidence: "0.5",
      revision: "3",
      expire_time: "2026-01-01T00:00:00.000Z",
      create_time: "2024-01-02T03:04:05.006Z",
      update_time: "2024-01-02T03:04:05.006Z",
    };
    expect(toRecord(textRow)).toEqual(expected);
  });

  it("reads a revision past 2^53 exactly, whether the driver gives a bigint or a string", () => {
    expect(toRecord({ ...parsedRow, revision: 9007199254740993n }).revision).toBe(9007199254740993n);
    expect(toRecord({ ...parsedRow, revision: "9007199254740993" }).revision).toBe(9007199254740993n);
  });

  it("reads a set delete_time as a date and keeps null times null", () => {
    const record = toRecord({ ...parsedRow, delete_time: "2025-02-03T04:05:06.000Z", expire_time: null });
    expect(record.deleteTime).toEqual(new Date("2025-02-03T04:05:06.000Z"));
    expect(record.expireTime).toBeNull();
  });

  it("reads array literals back as sql.ts sends them, quotes, commas and backslashes included", () => {
    const tags = ["plain", "a,b", 'say "hi"', "back\\slash", "{braces}", "with space"];
    const [literal] = sql`${tags}`.params;
    expect(toRecord({ ...parsedRow, tags: literal }).tags).toEqual(tags);
  });

  it("reads empty array literals and Postgres' unquoted elements", () => {
    expect(toRecord({ ...parsedRow, tags: "{}" }).tags).toEqual([]);
    expect(toRecord({ ...parsedRow, tags: '{a,b-c,"d e"}' }).tags).toEqual(["a", "b-c", "d e"]);
  });
});

describe("column lists", () => {
  it("selects every record field, table-qualified, and neither the vector nor the search document", () => {
    const columns = RECORD_COLUMNS.text.split(", ").sort();
    expect(columns).toEqual(
      Object.keys(parsedRow)
        .map((c) => `memories.${c}`)
        .sort(),
    );
    expect(RECORD_COLUMNS.params).toEqual([]);
  });

  it("lists the draft columns, then the fingerprint and the content's names", () => {
    expect(DRAFT_COLUMNS.text).toBe(
      "agent_id, subject_type, subject_id, kind, key, content, title, visibility, metadata, tags, " +
        "linked_entities, relations, confidence, source_kind, source_id, provenance, parent_memory_id, expire_time, " +
        "valid_from, valid_until, content_fingerprint, mentions, found_relations",
    );
  });

  it("replaces every draft column from excluded in an upsert", () => {
    const pairs = DRAFT_FROM_EXCLUDED.text.split(", ");
    expect(pairs).toEqual(DRAFT_COLUMNS.text.split(", ").map((c) => `${c} = excluded.${c}`));
  });

  it("lists the embedding columns", () => {
    expect(EMBEDDING_COLUMNS.text).toBe(
      "embedding, embedding_model, embedding_status, embedding_attempts, embedding_retry_time",
    );
  });
});

describe("draftValues", () => {
  const values = draftValues(draft, contentFacts);

  it("binds one parameter per draft column, with casts for json, arrays and times", () => {
    expect(values.text).toBe(
      "?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::text[], ?::jsonb, ?::jsonb, ?, ?, ?, ?, ?, ?::timestamptz, ?::timestamptz, ?::timestamptz, ?, ?::jsonb, ?::jsonb",
    );
    expect(values.params).toHaveLength(DRAFT_COLUMNS.text.split(", ").length);
  });

  it("binds each value to its column", () => {
    const columns = DRAFT_COLUMNS.text.split(", ");
    expect(Object.fromEntries(columns.map((c, i) => [c, values.params[i]]))).toEqual({
      agent_id: "agent-a",
      subject_type: "contact",
      subject_id: null,
      kind: "note",
      key: "channel",
      content: "  Prefers EMAIL ",
      title: "T",
      visibility: "private",
      metadata: '{"a":1}',
      tags: '{"x","q\\"uote"}',
      linked_entities: '[{"type":"company","id":"acme"}]',
      relations: "[]",
      confidence: 0.75,
      source_kind: "call",
      source_id: null,
      provenance: null,
      parent_memory_id: "p-1",
      expire_time: expires,
      valid_from: null,
      valid_until: expires,
      content_fingerprint: fingerprintOf("prefers email"),
      mentions: "[]",
      found_relations: "[]",
    });
  });

  it("sends the names found in the content as content mentions", () => {
    const named = draftValues({ ...draft, content: "Met Ana Lopez of Acme Corp in Lisbon; ana@acme.io" }, contentFacts);
    const mentions = JSON.parse(named.params.at(-2) as string) as unknown[];
    expect(mentions).toEqual(
      expect.arrayContaining([
        { type: "person", id: "ana lopez", role: "content", text: "Ana Lopez" },
        { type: "place", id: "lisbon", role: "content", text: "Lisbon" },
        { type: "email", id: "ana@acme.io", role: "content", text: "ana@acme.io" },
      ]),
    );
  });

  it("sends the relations the content says in words, between names by their text", () => {
    const content = "John Smith is the CTO of Acme Corp. He joined in 2022.";
    expect(JSON.parse(draftValues({ ...draft, content }, contentFacts).params.at(-1) as string)).toEqual([
      { subject: "John Smith", predicate: "works_at", object: "Acme Corp" },
    ]);
    // Extraction off (--content-extraction off): neither names nor relations.
    expect(draftValues({ ...draft, content }, NO_CONTENT_FACTS).params.slice(-2)).toEqual(["[]", "[]"]);
  });
});

describe("embeddingValues", () => {
  it("writes a missing vector as pending with no retry time", () => {
    const values = embeddingValues(null);
    expect(values.text).toBe("null::vector, null, 'pending', 0, null::timestamptz");
    expect(values.params).toEqual([]);
  });

  it("writes a held vector as pending until the writer's deadline", () => {
    const heldUntil = new Date("2025-01-01T00:00:05.000Z");
    const values = embeddingValues({ heldUntil });
    expect(values.text).toBe("null::vector, null, 'pending', 0, ?::timestamptz");
    expect(values.params).toEqual([heldUntil]);
  });

  it("writes a ready vector as attached, with its model", () => {
    const values = embeddingValues({ vector: [0.5, -1, 0.25], model: "minilm" });
    expect(values.text).toBe("?::vector, ?, 'attached', 0, null::timestamptz");
    expect(values.params).toEqual(["[0.5,-1,0.25]", "minilm"]);
  });
});

describe("single", () => {
  it("returns the first row and refuses none", () => {
    expect(single([{ id: 1 }, { id: 2 }])).toEqual({ id: 1 });
    expect(() => single([])).toThrow("expected one row from the database, got none");
  });
});
