import { UnderscoreNamingStrategy } from "@mikro-orm/core";
import { vectorLiteral } from "../db/vector-literal.js";
import type { WriteEmbedding } from "../embedding/embeddings.js";
import { Sql, sql } from "../db/sql.js";
import type { MemoryRow, MentionRow } from "./memory.entity.js";
import type { MemoryDraft, MemoryRecord } from "./record.js";
import { fingerprintOf } from "./identity.js";
import type { ContentExtraction } from "../graph/content-mentions.js";

/**
 * The one column map the hand-written SQL over `memories` is built from. Column names come
 * from the entity's property names by the ORM's own naming strategy, so they are defined once,
 * in memory.entity.ts; the types below fail to compile when a field here is not a property there.
 */
const naming = new UnderscoreNamingStrategy();

function columnOf(field: keyof MemoryRow & string): string {
  return naming.propertyToColumnName(field);
}

// Each decoder names the driver values it accepts; the map below only cares what it returns.
type Decoder<T> = (value: never) => T;

const text: Decoder<string> = (v: string) => v;
const nullableText: Decoder<string | null> = (v: string | null) => v;
const number: Decoder<number> = (v: number | string | bigint) => Number(v);
/** A 64-bit integer, exactly: bigint columns arrive as strings (pg) or bigints (PGlite). */
const int64: Decoder<bigint> = (v: number | string | bigint) => BigInt(v);
const toDate = (v: Date | string): Date => (v instanceof Date ? v : new Date(v));
const time: Decoder<Date> = toDate;
const nullableTime: Decoder<Date | null> = (v: Date | string | null) => (v === null ? null : toDate(v));
// The drivers parse json and text[] columns; a literal only comes back from one that has no parser.
const json = <T>(v: T | string): T => (typeof v === "string" ? (JSON.parse(v) as T) : v);
/** Revisions recorded before a jsonb list column existed hold no value for it: an empty list. */
const jsonList = <T>(v: T[] | string | null | undefined): T[] => (v === null || v === undefined ? [] : json(v));
const textArray: Decoder<string[]> = (v: string[] | string) => (typeof v === "string" ? parseTextArray(v) : v);

/** Every field of a stored memory and how its column is read back. */
const RECORD: { [K in keyof MemoryRecord]: Decoder<MemoryRecord[K]> } = {
  workspaceId: text,
  id: text,
  agentId: nullableText,
  subjectType: text,
  subjectId: nullableText,
  kind: text,
  key: nullableText,
  content: text,
  title: text,
  visibility: text as Decoder<MemoryRecord["visibility"]>,
  metadata: json,
  tags: textArray,
  linkedEntities: json,
  relations: jsonList,
  mentions: jsonList,
  confidence: number,
  sourceKind: nullableText,
  sourceId: nullableText,
  provenance: nullableText,
  parentMemoryId: nullableText,
  expireTime: nullableTime,
  forgetReason: nullableText,
  embeddingModel: nullableText,
  embeddingStatus: text as Decoder<MemoryRecord["embeddingStatus"]>,
  revision: int64,
  createTime: time,
  updateTime: time,
  deleteTime: nullableTime,
  validFrom: nullableTime,
  validUntil: nullableTime,
  supersededBy: nullableText,
};

const RECORD_READERS = (Object.keys(RECORD) as (keyof MemoryRecord)[]).map(
  (field) => [field, columnOf(field), RECORD[field] as (value: unknown) => unknown] as const,
);

/** The select list of a whole record, qualified so it also serves joins and upserts. */
export const RECORD_COLUMNS = Sql.raw(RECORD_READERS.map(([, column]) => `memories.${column}`).join(", "));

/** A raw row, keyed by column name. */
export type MemoryColumns = Record<string, unknown>;

/**
 * Reads a row into a record through an object literal of fixed shape, compiled once from the
 * map above (names from our own constants only): a loop over the map that sets keys one by one
 * cost 5 µs a row against 0.1 µs, and the retrievers and batch writes read hundreds of rows.
 */
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- compiled from our own constants, for speed (above)
const buildRecord = new Function(
  "row",
  "readers",
  `return { ${RECORD_READERS.map(([field, column], i) => `${field}: readers[${i}](row[${JSON.stringify(column)}])`).join(", ")} };`,
) as (row: MemoryColumns, readers: readonly ((value: unknown) => unknown)[]) => MemoryRecord;
const READERS = RECORD_READERS.map(([, , read]) => read);

export function toRecord(row: MemoryColumns): MemoryRecord {
  return buildRecord(row, READERS);
}

/** A record keyed by column name, as a revision holds it (to_jsonb of the row; toRecord reads it back). */
export function snapshotOf(record: MemoryRecord): Record<string, unknown> {
  return Object.fromEntries(
    RECORD_READERS.map(([field, column]) => {
      const value = record[field];
      return [column, typeof value === "bigint" ? value.toString() : value];
    }),
  );
}

/** Every writable field: the cast its parameter needs, and how its value is sent. */
const DRAFT: { [K in keyof MemoryDraft]: { cast?: string; encode?: (value: MemoryDraft[K]) => unknown } } = {
  agentId: {},
  subjectType: {},
  subjectId: {},
  kind: {},
  key: {},
  content: {},
  title: {},
  visibility: {},
  metadata: { cast: "jsonb", encode: (v) => JSON.stringify(v) },
  tags: { cast: "text[]" },
  linkedEntities: { cast: "jsonb", encode: (v) => JSON.stringify(v) },
  relations: { cast: "jsonb", encode: (v) => JSON.stringify(v) },
  confidence: {},
  sourceKind: {},
  sourceId: {},
  provenance: {},
  parentMemoryId: {},
  expireTime: { cast: "timestamptz" },
  validFrom: { cast: "timestamptz" },
  validUntil: { cast: "timestamptz" },
};

const DRAFT_FIELDS = Object.keys(DRAFT) as (keyof MemoryDraft)[];
const DRAFT_ENCODERS = DRAFT_FIELDS.map((f) => (DRAFT[f].encode ?? ((v: unknown) => v)) as (value: unknown) => unknown);
// The content's fingerprint is written beside the draft's own fields, and compared with them.
const COMPARED_NAMES = [...DRAFT_FIELDS.map(columnOf), columnOf("contentFingerprint")];
const COMPARED_PLACEHOLDERS = [...DRAFT_FIELDS.map((f) => (DRAFT[f].cast ? `?::${DRAFT[f].cast}` : "?")), "?"];
// So are the names and relations found in the content (src/graph/content-mentions.ts), which
// the mentions trigger completes: what it stores differs from what is sent, so they are never
// compared (they follow from the content, which is).
const DRAFT_COLUMN_NAMES = [...COMPARED_NAMES, columnOf("mentions"), columnOf("foundRelations")];
const DRAFT_PLACEHOLDERS = [...COMPARED_PLACEHOLDERS, "?::jsonb", "?::jsonb"].join(", ");

export const DRAFT_COLUMNS = Sql.raw(DRAFT_COLUMN_NAMES.join(", "));

function comparedValues(d: MemoryDraft): unknown[] {
  return [...DRAFT_FIELDS.map((f, i) => DRAFT_ENCODERS[i]?.(d[f])), fingerprintOf(d.content)];
}

/**
 * The values of DRAFT_COLUMNS for a draft, in their order, its content's facts found by
 * `extract`. `kept`: the content's mentions as another server resolved them (an import), stored
 * as they are rather than found again.
 */
export function draftValues(d: MemoryDraft, extract: ContentExtraction, kept?: readonly MentionRow[]): Sql {
  const found = extract(d.content);
  const mentions = kept === undefined ? found.mentions : kept.map((m) => ({ ...m, kept: true }));
  return Sql.bind(DRAFT_PLACEHOLDERS, [
    ...comparedValues(d),
    JSON.stringify(mentions),
    JSON.stringify(found.relations),
  ]);
}

/** `column = excluded.column` for every draft column: an upsert's replacement of the writable fields. */
export const DRAFT_FROM_EXCLUDED = Sql.raw(DRAFT_COLUMN_NAMES.map((c) => `${c} = excluded.${c}`).join(", "));

/** Whether an upsert's incoming draft sets any draft column differently from the stored row. */
export const EXCLUDED_DIFFERS = Sql.raw(
  `row(${COMPARED_NAMES.map((c) => `memories.${c}`).join(", ")}) is distinct from row(${COMPARED_NAMES.map((c) => `excluded.${c}`).join(", ")})`,
);

/** Whether the stored row differs from a draft in any draft column. */
export function differsFrom(d: MemoryDraft): Sql {
  return sql`row(${Sql.raw(COMPARED_NAMES.join(", "))}) is distinct from row(${Sql.bind(COMPARED_PLACEHOLDERS.join(", "), comparedValues(d))})`;
}

export const EMBEDDING_COLUMNS = Sql.raw(
  (["embedding", "embeddingModel", "embeddingStatus", "embeddingAttempts", "embeddingRetryTime"] as const)
    .map(columnOf)
    .join(", "),
);

/** The EMBEDDING_COLUMNS of a write: its vector, or PENDING (held by the writer until heldUntil). */
export function embeddingValues(embedded: WriteEmbedding): Sql {
  if (embedded === null) return sql`null::vector, null, 'pending', 0, null::timestamptz`;
  if ("heldUntil" in embedded) return sql`null::vector, null, 'pending', 0, ${embedded.heldUntil}::timestamptz`;
  return sql`${vectorLiteral(embedded.vector)}::vector, ${embedded.model}, 'attached', 0, null::timestamptz`;
}

export function single<T>(rows: T[]): T {
  const row = rows[0];
  if (row === undefined) throw new Error("expected one row from the database, got none");
  return row;
}

function parseTextArray(literal: string): string[] {
  // Mirrors the array literal sql.ts sends.
  const inner = literal.slice(1, -1);
  if (inner === "") return [];
  const items: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|([^,]+)/g;
  for (const m of inner.matchAll(re)) {
    items.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : (m[2] ?? ""));
  }
  return items;
}
