import type { EntityManager } from "@mikro-orm/sql";
import type { Viewer } from "../../auth/principal.js";
import type { MemoryRecord } from "../record.js";
import type { MemoryRepository } from "../memory.repository.js";
import type { SuccessorNames } from "../successors.js";
import type { Scored, SearchHit, SearchQuery } from "./search-query.js";

/** Search results are read from the database, and streamed, in batches of this size. */
const STREAM_BATCH = 10;

/** What reading a search's results needs: the memories, and what the results may name (successors.ts). */
export interface HitReading {
  em: EntityManager;
  memories: (em: EntityManager) => MemoryRepository;
  successors: SuccessorNames;
}

/** The results a search shows: those scoring at least min_score, the first top_k. */
export function topOf(ranked: Scored[], q: SearchQuery): Scored[] {
  return (
    ranked
      // Compared as reported (a proto float): a result shown scoring exactly min_score is kept.
      .filter((r) => q.minScore === 0 || Math.fround(r.score) >= q.minScore)
      .slice(0, q.topK)
  );
}

/** The results' records, in order, read in batches (those already read are not read again). */
export async function* readHits(
  { em, memories, successors }: HitReading,
  viewer: Viewer,
  q: SearchQuery,
  results: Scored[],
  known: Map<string, MemoryRecord>,
  asOf: Date,
): AsyncGenerator<SearchHit> {
  let rank = 0;
  for (let i = 0; i < results.length; i += STREAM_BATCH) {
    const batch = results.slice(i, i + STREAM_BATCH);
    const missing = batch.filter((r) => !known.has(r.id)).map((r) => r.id);
    const found = missing.length === 0 ? [] : await memories(em.fork()).findMany(viewer, missing);
    const records = new Map([...known, ...found.map((m) => [m.id, m] as const)]);
    const hits = batch.flatMap((r) => {
      const record = records.get(r.id);
      return record === undefined || !stillMatches(record, q) ? [] : [{ r, record }];
    });
    const shown = await successors.carriers(viewer, hits);
    for (const { r, record } of shown) {
      rank += 1;
      yield {
        record,
        rank,
        score: r.score,
        semanticScore: r.semanticScore,
        keywordScore: r.keywordScore,
        rerankScore: r.rerankScore,
        graphLink: r.graphLink,
        asOf,
      };
    }
  }
}

/**
 * Whether a memory read after ranking is still one the search may show: deleted or superseded
 * since (a concurrent request), it is left out rather than shown stale, unless the filter asks
 * for such memories.
 */
export function stillMatches(record: MemoryRecord, q: SearchQuery): boolean {
  return (
    (q.filter.showDeleted || record.deleteTime === null) && (q.filter.includeSuperseded || record.supersededBy === null)
  );
}
