import type { EntityManager } from "@mikro-orm/sql";
import { memoryRepositories, type MemoryRepositories } from "../../src/memory/repositories.js";
import type { Reranker } from "../../src/rerank/reranker.js";
import { RERANK_MAX_TOKENS } from "../../src/rerank/rerank.js";

/** The packaged cross-encoder, as the tests load it (from ENGRAM_MODEL_DIR, .models by default). */
export const LOCAL_RERANKER = {
  model: "cross-encoder/ms-marco-MiniLM-L-12-v2",
  modelDir: process.env.ENGRAM_MODEL_DIR ?? ".models",
  dtype: "q8",
  maxLength: RERANK_MAX_TOKENS,
} as const;

/** A reranker that does what `inner` does, telling `onScore` of each score() call and its result. */
export function watchedReranker(
  inner: Reranker,
  onScore: (call: { signal: AbortSignal | undefined; scored: Promise<number[]> }) => void,
): Reranker {
  return {
    id: inner.id,
    get loaded() {
      return inner.loaded;
    },
    ready: () => inner.ready(),
    reserve: (pairs) => inner.reserve(pairs),
    score: (query, passages, signal) => {
      const scored = inner.score(query, passages, signal);
      onScore({ signal, scored });
      return scored;
    },
    close: () => inner.close(),
  };
}

/** Repositories whose HYBRID statement records the candidate pool (limit) each search asks for. */
export function poolsRecordedIn(pools: number[]): Partial<MemoryRepositories> {
  return {
    retrieval: (em: EntityManager) => {
      const repository = memoryRepositories.retrieval(em);
      const hybridCandidates = repository.hybridCandidates.bind(repository);
      repository.hybridCandidates = (options) => {
        pools.push(options.limit);
        return hybridCandidates(options);
      };
      return repository;
    },
  };
}
