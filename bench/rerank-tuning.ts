/**
 * Cross-validated tuning of the rerank stage on LoCoMo: the procedure that chose
 * RERANK_CANDIDATES and RERANK_WEIGHT (src/rerank/rerank.ts), run by `npm run bench:retrieval`.
 *
 * Each question's HYBRID results (50 deep, as the server fused them) are scored once by the
 * reranker, in the server's order and groups, so the scores of the first N equal those a
 * search reranking N candidates computes. Every setting is replayed through the server's
 * `blend`, and chosen on one half of the conversations, reported on the other, as the fusion
 * weights are (fusion-tuning.ts).
 */
import { blend, RERANK_CANDIDATES, RERANK_WEIGHT } from "../src/rerank/rerank.js";
import { mean, splits } from "./fusion-tuning.js";
import { fixed, table } from "./report.js";

export interface RerankedEntry {
  id: string;
  /** The fused HYBRID score. */
  score: number;
  /** The reranker's score for the memory. */
  rerank: number;
  hit: boolean;
}

export interface RerankLists {
  conversation: string;
  category: number;
  /** HYBRID's results in the server's order. */
  fused: RerankedEntry[];
}

export interface RerankSetting {
  candidates: number;
  weight: number;
}

export const RERANK_KS = [5, 10, 20] as const;

export const RERANK_SETTINGS: RerankSetting[] = [10, 20, 30, 40, 50].flatMap((candidates) =>
  [0.5, 0.6, 0.7, 0.8, 0.9, 1].map((weight) => ({ candidates, weight })),
);

export const SHIPPED_RERANK: RerankSetting = { candidates: RERANK_CANDIDATES, weight: RERANK_WEIGHT };

const describe = (s: RerankSetting) => `${s.candidates} candidates, weight ${s.weight.toFixed(1)}`;

function firstHit(q: RerankLists, s: RerankSetting): number {
  const reranked = blend(
    q.fused.slice(0, s.candidates),
    q.fused.slice(0, s.candidates).map((e) => e.rerank),
    s.weight,
  );
  const order = [...reranked, ...q.fused.slice(s.candidates)];
  const first = order.findIndex((e) => e.hit);
  return first === -1 ? Infinity : first + 1;
}

export function rerankRecalls(questions: RerankLists[], s: RerankSetting): number[] {
  const ranks = questions.map((q) => firstHit(q, s));
  return RERANK_KS.map((k) => ranks.filter((r) => r <= k).length / questions.length);
}

/** In-sample recall of every candidate count at the shipped weight, with the pairs it costs. */
export function candidateSweep(questions: RerankLists[], msPerPair: number): string {
  const rows = [10, 20, 30, 40, 50].map((candidates) => [
    candidates,
    ...rerankRecalls(questions, { candidates, weight: RERANK_WEIGHT }).map((r) => fixed(r)),
    fixed(candidates * msPerPair, 0),
  ]);
  return [
    `rerank candidates at weight ${RERANK_WEIGHT} (all questions; est. ms = candidates x ${fixed(msPerPair, 2)} ms per pair measured here):`,
    table(["candidates", ...RERANK_KS.map((k) => `recall@${k}`), "est. ms"], rows),
  ].join("\n");
}

/** The cross-validated table, and how the shipped setting fares on the same held-out halves. */
export function crossValidateRerank(questions: RerankLists[]): string {
  const conversations = [...new Set(questions.map((q) => q.conversation))].sort();
  const of = (names: string[]) => questions.filter((q) => names.includes(q.conversation));
  const rows: string[][] = [];
  const heldOut: { tuned: number[]; shipped: number[] }[] = [];
  const votes = new Map<string, number>();
  for (const [a, b] of splits(conversations)) {
    for (const [tune, test] of [
      [a, b],
      [b, a],
    ] as const) {
      const tuneSet = of(tune);
      const best = RERANK_SETTINGS.map((s) => ({ s, score: mean(rerankRecalls(tuneSet, s)) })).reduce((x, y) =>
        y.score > x.score ? y : x,
      ).s;
      votes.set(describe(best), (votes.get(describe(best)) ?? 0) + 1);
      const fold = { tuned: rerankRecalls(of(test), best), shipped: rerankRecalls(of(test), SHIPPED_RERANK) };
      heldOut.push(fold);
      rows.push([
        tune.map((c) => c.replace("conv-", "")).join(","),
        describe(best),
        fold.tuned.map((r) => fixed(r)).join(" / "),
        fold.shipped.map((r) => fixed(r)).join(" / "),
      ]);
    }
  }
  const average = (pick: (f: (typeof heldOut)[number]) => number[]) =>
    RERANK_KS.map((_, i) => fixed(mean(heldOut.map((f) => pick(f)[i]!)))).join(" / ");
  const [chosen, count] = [...votes.entries()].reduce((x, y) => (y[1] > x[1] ? y : x));
  return [
    "HYBRID + rerank, cross-validated: tuned on three conversations (by mean recall@5/@10/@20), reported on the other three",
    table(["tuned on (conv-)", "chosen setting", "held out", "shipped, held out"], rows),
    "",
    `mean over the ${heldOut.length} held-out halves (recall@5 / @10 / @20):`,
    `  tuned per fold: ${average((f) => f.tuned)}`,
    `  shipped (${describe(SHIPPED_RERANK)}): ${average((f) => f.shipped)}`,
    `chosen most often: ${chosen} (${count} of ${heldOut.length} folds)` +
      (chosen === describe(SHIPPED_RERANK) ? "; the shipped setting" : `; shipped: ${describe(SHIPPED_RERANK)}`),
  ].join("\n");
}
