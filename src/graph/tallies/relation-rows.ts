import type { Edge } from "../edge.repository.js";

/** A relation tally row as `among` returns it (relation-tally.entity.ts). */
export type AmongColumns = {
  type: string;
  id: string;
  predicate: string;
  other_type: string;
  other_id: string;
  outward: boolean;
  reader: string;
  tally_id: string | number;
  n: number;
  memory_ids: string[];
  memory_times: (Date | string)[];
  gone_ids: string[];
};

/**
 * The columns of a row as `among` sends it: a JSON array in this order, not an object, as the
 * keys of 400 objects cost a 50-entity graph read 2.4 ms in the database (PGlite).
 */
export const AMONG_TUPLE = [
  "type",
  "id",
  "predicate",
  "other_type",
  "other_id",
  "outward",
  "reader",
  "tally_id",
  "n",
  "memory_ids",
  "memory_times",
  "gone_ids",
] as const satisfies readonly (keyof AmongColumns)[];

/** A row as AMONG_TUPLE lists its columns. */
export type AmongTuple = [
  string,
  string,
  string,
  string,
  string,
  boolean,
  string,
  string | number,
  number,
  string[],
  (Date | string)[],
  string[],
];

/** A row sent as AMONG_TUPLE. */
export function amongRow(t: AmongTuple): AmongColumns {
  const [type, id, predicate, other_type, other_id, outward, reader, tally_id, n, memory_ids, memory_times, gone_ids] =
    t;
  return {
    type,
    id,
    predicate,
    other_type,
    other_id,
    outward,
    reader,
    tally_id,
    n,
    memory_ids,
    memory_times,
    gone_ids,
  };
}

/**
 * The rows' relations: weights summed, and the newest five memories that still give each. Per
 * memory and reader class the latest row (by tally_id) says whether it still does (a memory
 * moving between classes leaves one and enters the other in one statement, in no set order).
 * Merged here, not in SQL: at 100k memories the 4,500 rows of a 50-entity graph took 80 ms of
 * sorting there.
 */
export function edgesOfRows(rows: AmongColumns[]): Edge[] {
  const byEdge = new Map<string, { edge: Edge; rows: AmongColumns[] }>();
  for (const row of rows) {
    // A graph merges about 400 rows per read: with JSON keys, BigInts and a map of every row's
    // memories this took 2.6 ms per 400 rows, plain keys and the one-row case 1.0 ms.
    const key = `${row.type}\u0000${row.id}\u0000${row.predicate}\u0000${row.other_type}\u0000${row.other_id}\u0000${row.outward}`;
    let entry = byEdge.get(key);
    if (entry === undefined) {
      entry = { edge: toEdge(row), rows: [] };
      byEdge.set(key, entry);
    }
    entry.edge.weight += Number(row.n);
    entry.rows.push(row);
  }
  const edges: Edge[] = [];
  for (const { edge, rows: given } of byEdge.values()) {
    if (edge.weight <= 0) continue;
    const [only] = given;
    // A relation's only row that removes no memory (most, once folded) is taken as it lists
    // them: every statement writing a row lists at most five, newest first, ties by id as
    // newestFive breaks them. Parsing and sorting their times cost 1.6 ms of a 400-row read.
    edge.memoryIds =
      given.length === 1 && only !== undefined && only.gone_ids.length === 0
        ? only.memory_ids.slice(0, 5)
        : newestFive(latestOf(given));
    edges.push(edge);
  }
  return edges;
}

/** The memories whose latest delta in some reader class lists them, at their newest time. */
function latestOf(rows: AmongColumns[]): Map<string, number> {
  const latest = new Map<string, Latest>();
  for (const row of rows) {
    // Sequence values, far below 2^53.
    const tally = Number(row.tally_id);
    row.memory_ids.forEach((id, i) => note(latest, row.reader, id, tally, timeOf(row.memory_times[i])));
    for (const id of row.gone_ids) note(latest, row.reader, id, tally, null);
  }
  const listed = new Map<string, number>();
  for (const { id, time } of latest.values()) {
    if (time !== null) listed.set(id, Math.max(time, listed.get(id) ?? time));
  }
  return listed;
}

function newestFive(listed: Map<string, number>): string[] {
  return [...listed]
    .sort(([a, ta], [b, tb]) => tb - ta || (a < b ? 1 : a > b ? -1 : 0))
    .slice(0, 5)
    .map(([id]) => id);
}

/** A memory's latest delta in one reader class: its time if it still gives the relation, else null. */
type Latest = { id: string; tally: number; time: number | null };

function note(latest: Map<string, Latest>, reader: string, id: string, tally: number, time: number | null): void {
  const at = `${reader}\u0000${id}`;
  const seen = latest.get(at);
  if (seen === undefined || seen.tally < tally) latest.set(at, { id, tally, time });
}

function timeOf(time: Date | string | undefined): number {
  return time === undefined ? 0 : typeof time === "string" ? Date.parse(time) : time.getTime();
}

/** The row's relation, subject first, with no weight or memories yet. */
function toEdge(row: AmongColumns): Edge {
  const self = { type: row.type, id: row.id };
  const other = { type: row.other_type, id: row.other_id };
  const [subject, object] = row.outward ? [self, other] : [other, self];
  return { subject, predicate: row.predicate, object, weight: 0, memoryIds: [] };
}
