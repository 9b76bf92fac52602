import type { EntityManager } from "@mikro-orm/sql";
import type { Viewer } from "../../auth/principal.js";
import type { MemoryRecord } from "../record.js";
import type { MemoryRepository } from "../memory.repository.js";
import { blend, passageOf, rerankDepth } from "../../rerank/rerank.js";
import { RerankerBusy, type RerankReservation, type Reranker } from "../../rerank/reranker.js";
import { stillMatches } from "./search-hits.js";
import type { RerankEvent, Scored, SearchQuery } from "./search-query.js";
import { modelSpan } from "../../telemetry/model-spans.js";

/** A reranker, and the room a search reserved with it. */
export interface Room {
  reranker: Reranker;
  reservation: RerankReservation;
}

/** What reranking a search needs: the reranker (none: the fused order is kept), and who hears how it went. */
export interface Reranking {
  em: EntityManager;
  memories: (em: EntityManager) => MemoryRepository;
  reranker: Reranker | null;
  onRerank: (event: RerankEvent) => void;
}

/**
 * The reranker and room reserved with it when its model is loaded and not already too busy for
 * this search; else null, and its loading starts in the background. A search it is too busy for
 * ranks as one that did not ask for rerank: the same pool, the same records read, at the same speed.
 */
export function reserveReranker({ reranker, onRerank }: Reranking, q: SearchQuery): Room | null {
  if (reranker?.loaded === true) {
    const reservation = reranker.reserve(rerankDepth(q.topK, q.tuning.rerankCandidates));
    if (reservation !== null) return { reranker, reservation };
    onRerank({ outcome: "busy" });
    return null;
  }
  // The reranker reports its own load failures (and waits before trying again).
  reranker?.ready().catch(() => undefined);
  onRerank({ outcome: "unavailable" });
  return null;
}

/**
 * The first rerankDepth(top_k) results reordered by the reranker, with their records (read
 * once: the reranker needs their text, the response their all); no ranking when the reranker
 * is busy or failed.
 */
export async function rerankResults(
  { memories, em, onRerank }: Reranking,
  { reranker, reservation }: Room,
  viewer: Viewer,
  q: SearchQuery,
  ranked: Scored[],
): Promise<{ ranked: Scored[] | null; records: Map<string, MemoryRecord> }> {
  const found = await memories(em.fork()).findMany(
    viewer,
    ranked.slice(0, rerankDepth(q.topK, q.tuning.rerankCandidates)).map((r) => r.id),
  );
  const records = new Map(found.filter((m) => stillMatches(m, q)).map((m) => [m.id, m]));
  const candidates = ranked.filter((r) => records.has(r.id));
  try {
    // Its room becomes the call's own, counted by score() before it awaits anything.
    reservation.release();
    const passages = candidates.map((c) => passageOf(records.get(c.id) as MemoryRecord));
    const scores = await modelSpan("rerank", reranker.id, passages.length, () =>
      reranker.score(q.text, passages, q.signal),
    );
    onRerank({ outcome: "applied" });
    return { ranked: blend(candidates, scores, q.tuning.rerankWeight), records };
  } catch (err) {
    // No one is waiting for the results any more.
    if (q.signal?.aborted === true) throw err;
    onRerank(err instanceof RerankerBusy ? { outcome: "busy" } : { outcome: "failed", error: err });
    return { ranked: null, records };
  }
}
