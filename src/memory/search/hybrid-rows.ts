import type { Retrieved as Candidate } from "./ranking.js";
import type { TermCount } from "./bm25.js";

/** How the query's entities reach a candidate (graph-statements.ts): none, named, or a neighbour. */
export type GraphLinkValue = 0 | 1 | 2;

/**
 * HYBRID's candidates: the nearest memories and the keyword matches, each scored by both
 * retrievers (a memory is weighed on both its words and its meaning, as one both returned is,
 * rather than as if it had nothing in common with the query on the side that left it out),
 * with their names for the entity bonus, and, with graph expansion, the memories the query's
 * entities reach, scored the same way.
 */
export interface HybridCandidates {
  /** The similarity of every candidate with a vector of the query's model. */
  semantic: Candidate[];
  /** The word score of every candidate holding a query word. */
  keyword: Candidate[];
  /** A candidate's names: its subject id, its title, its linked entities' ids (read when asked for). */
  namesOf: (id: string) => string[];
  /** How the query's entities reach a candidate; 0 without graph expansion. */
  linkOf: (id: string) => GraphLinkValue;
  /** The words whose memories the keyword search counted (for CommonWords). */
  counted: TermCount[];
}

interface NameRow {
  subject_id: string | null;
  title: string;
  /** JSON text: an array of { type, id }. */
  linked_entities: string;
}

/** A row of the HYBRID statement: a nearest memory, a keyword match or one the graph reached, with both scores and its names. */
export interface HybridRow extends NameRow {
  id: string;
  nearest: boolean;
  distance: number | string | null;
  /** BM25 (before normalising by the query's total IDF); null without a query word. */
  words: number | string | null;
  /** With graph expansion only. */
  link?: number;
}

function namesOf(row: NameRow): string[] {
  const linked = JSON.parse(row.linked_entities) as { id: string }[];
  return [row.subject_id ?? "", row.title, ...linked.map((e) => e.id)].filter((n) => n !== "");
}

/** Cosine similarity from pgvector's distance, floored at 0: an opposite meaning is no more relevant than an unrelated one. */
export function similarity(distance: number | string): number {
  return Math.max(0, 1 - Number(distance));
}

/** The statement's rows as candidates: word scores normalised by the query's total IDF. */
export function hybridCandidatesOf(rows: HybridRow[], idfTotal: number, counted: TermCount[]): HybridCandidates {
  const inKeyword = new Set(rows.filter((r) => !r.nearest).map((r) => r.id));
  const byId = new Map(rows.map((r) => [r.id, r]));
  return {
    semantic: rows.flatMap((r) => (r.distance === null ? [] : [{ id: r.id, score: similarity(r.distance) }])),
    keyword: rows.flatMap((r) =>
      r.words === null || (r.nearest && inKeyword.has(r.id))
        ? []
        : [{ id: r.id, score: Math.min(1, Number(r.words) / idfTotal) }],
    ),
    namesOf: (id) => {
      const row = byId.get(id);
      return row === undefined ? [] : namesOf(row);
    },
    linkOf: (id) => Number(byId.get(id)?.link ?? 0) as GraphLinkValue,
    counted,
  };
}
