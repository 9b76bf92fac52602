import type { Reranker } from "../src/rerank/reranker.js";

/**
 * The cross-encoder as the benchmark's server uses it, remembering every score it gave, so that
 * the rerank lists (retrieval.ts) reuse the scores the server's reranked searches got for the
 * same question and passage instead of running the model on the same pairs again: in the
 * smoke, whose lists score only the shipped candidate count, that was half the run's model
 * time. A passage's score does not depend on the others scored with it (src/rerank's order
 * invariance, tested in test/model/rerank), so scores from different calls can be mixed. The
 * replay check still compares like with like: a candidate the server did not rerank is scored
 * here, and the check fails if the server reranked other candidates than the replay reads.
 */
export class RememberedScores {
  private readonly scores = new Map<string, Map<string, number>>();
  /** The pairs the model scored, for the server and for the lists, and the time it took. */
  pairs = 0;
  scoringMs = 0;

  constructor(private readonly model: Reranker) {}

  /** The reranker to hand the server: `model`, remembering what it scores. */
  get reranker(): Reranker {
    const { model } = this;
    return {
      id: model.id,
      get loaded() {
        return model.loaded;
      },
      ready: () => model.ready(),
      reserve: (pairs) => model.reserve(pairs),
      score: (query, passages, signal) => this.scored(query, passages, () => model.score(query, passages, signal)),
      close: () => model.close(),
    };
  }

  /** Each passage's score for `query`: remembered, or scored now (and remembered). */
  async score(query: string, passages: string[]): Promise<number[]> {
    const known = this.scores.get(query) ?? new Map<string, number>();
    const missing = [...new Set(passages.filter((p) => !known.has(p)))];
    if (missing.length > 0) await this.scored(query, missing, () => this.model.score(query, missing));
    const scored = this.scores.get(query)!;
    return passages.map((p) => scored.get(p)!);
  }

  /** The model's time per pair over every call, the server's and the lists'. */
  get msPerPair(): number {
    return this.scoringMs / this.pairs;
  }

  /** Runs one call of the model on `passages`, timing it and remembering its scores. */
  private async scored(query: string, passages: string[], call: () => Promise<number[]>): Promise<number[]> {
    const started = performance.now();
    const scores = await call();
    this.scoringMs += performance.now() - started;
    this.pairs += passages.length;
    const known = this.scores.get(query) ?? new Map<string, number>();
    passages.forEach((p, i) => known.set(p, scores[i]!));
    this.scores.set(query, known);
    return scores;
  }
}
