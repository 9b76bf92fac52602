import type { Reranker } from "../src/rerank/reranker.js";

/**
 * The cross-encoder as the benchmark's server uses it, remembering each call's scores, so that a
 * rerank list (retrieval.ts) that asks for the very candidates a server search reranked for the
 * same question takes that call's scores instead of running the model on them again: in the
 * smoke, whose lists score only the shipped candidate count, that was half the run's model time.
 * A call is remembered whole, by its set of passages: the int8 model's scores depend on the pairs
 * run together (src/rerank/rerank-worker.ts), and only the same set, in any order, scores the
 * same. Any other set is scored by the model, as a search reranking it would be.
 */
export class RememberedScores {
  private readonly calls = new Map<string, Map<string, number>>();
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

  /** Each passage's score for `query`, from a call that scored this very set, or from the model now. */
  async score(query: string, passages: string[]): Promise<number[]> {
    const remembered = this.calls.get(callKey(query, passages));
    if (remembered !== undefined) return passages.map((p) => remembered.get(p)!);
    return this.scored(query, passages, () => this.model.score(query, passages));
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
    this.calls.set(callKey(query, passages), new Map(passages.map((p, i) => [p, scores[i]!])));
    return scores;
  }
}

/** A call's question and its set of passages, whatever their order. */
function callKey(query: string, passages: string[]): string {
  return JSON.stringify([query, [...new Set(passages)].sort()]);
}
