/**
 * Cross-validated tuning of the rerank stage on LoCoMo: the procedure that chose
 * RERANK_CANDIDATES and RERANK_WEIGHT (src/rerank/rerank.ts), run by `npm run bench:retrieval`.
 *
 * Each question's HYBRID results (50 deep, as the server fused them) are scored by the reranker
 * once for each candidate count N, the first N together, as a search reranking N candidates
 * scores them (a pair's score depends on the pairs the int8 model runs it with). Every setting
 * is replayed through the server's `blend`, and chosen on one half of the conversations,
 * reported on the other, as the fusion weights are (fusion-tuning.ts).
 */
import { blend, RERANK_CANDIDATES, RERANK_WEIGHT } from "../src/rerank/rerank.js";
import { mean, splits } from "./fusion-tuning.js";
import { fixed, table } from "./report.js";

export interface FusedEntry {
  id: string;
  /** The fused HYBRID score. */
  score: number;
  hit: boolean;
}

export interface RerankedEntry extends FusedEntry {
  /** The reranker's score for the memory. */
  rerank: number;
}

export interface RerankLists {
  conversation: string;
  category: number;
  /** HYBRID's results in the server's order. */
  fused: FusedEntry[];
  /** For each of RERANK_COUNTS, the reranker's scores of that many first results, scored together. */
  rerank: Map<number, number[]>;
}

export interface RerankSetting {
  candidates: number;
  weight: number;
}

export const RERANK_KS = [5, 10, 20] as const;

/** The candidate counts tuned over: every tenth up to 50, and the shipped one. */
export const RERANK_COUNTS: readonly number[] = [...new Set([10, 20, 30, 40, 50, RERANK_CANDIDATES])].sort(
  (a, b) => a - b,
);

export const RERANK_SETTINGS: RerankSetting[] = RERANK_COUNTS.flatMap((candidates) =>
  [0.5, 0.6, 0.7, 0.8, 0.9, 1].map((weight) => ({ candidates, weight })),
);

export const SHIPPED_RERANK: RerankSetting = { candidates: RERANK_CANDIDATES, weight: RERANK_WEIGHT };

const describe = (s: RerankSetting) => `${s.candidates} candidates, weight ${s.weight.toFixed(1)}`;

/** The first `candidates` results with the scores a search reranking that many gives them. */
function scored(q: RerankLists, candidates: number): RerankedEntry[] {
  const scores = q.rerank.get(candidates);
  if (scores === undefined) throw new Error(`no rerank scores collected for ${candidates} candidates`);
  return q.fused.slice(0, candidates).map((e, i) => ({ ...e, rerank: scores[i]! }));
}

export function firstHit(q: RerankLists, s: RerankSetting): number {
  const read = scored(q, s.candidates);
  const reranked = blend(
    read,
    read.map((e) => e.rerank),
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

/**
 * How a candidate is scored from its reranker score, its fused score and its places in the two
 * orders (0-based): the shipped `blend` and the alternatives blendForms() weighs it against.
 */
type BlendForm = (e: RerankedEntry, fusedPlace: number, rerankPlace: number) => number;

/** The cross-encoder's logit, recovered from its 0..1 score. */
const logit = (p: number) => Math.log(Math.max(p, 1e-12) / Math.max(1 - p, 1e-12));

function formRecalls(questions: RerankLists[], candidates: number, form: BlendForm): number[] {
  const ranks = questions.map((q) => {
    const read = scored(q, candidates);
    const byRerank = [...read].sort((a, b) => b.rerank - a.rerank);
    const order = read
      .map((e, i) => ({ e, s: form(e, i, byRerank.indexOf(e)) }))
      .sort((a, b) => b.s - a.s || a.e.id.localeCompare(b.e.id))
      .map((x) => x.e);
    const first = [...order, ...q.fused.slice(candidates)].findIndex((e) => e.hit);
    return first === -1 ? Infinity : first + 1;
  });
  return RERANK_KS.map((k) => ranks.filter((r) => r <= k).length / questions.length);
}

/**
 * Other ways to combine the reranker with the fused ranking, each at its best setting chosen
 * on all questions (in-sample, so an upper bound for that form): the logit, which does not
 * flatten near 1 as the 0..1 score does, plus the fused score; and reciprocal-rank fusion of the
 * two orders. None of them is held out; they say whether the blend's form is what limits it.
 */
export function blendForms(questions: RerankLists[]): string {
  const best = (forms: [string, BlendForm][]) =>
    forms
      .map(([name, form]) => ({ name, recalls: formRecalls(questions, RERANK_CANDIDATES, form) }))
      .reduce((x, y) => (mean(y.recalls) > mean(x.recalls) ? y : x));
  const rows = [
    {
      name: `shipped: ${RERANK_WEIGHT} x rerank + ${fixed(1 - RERANK_WEIGHT, 1)} x fused`,
      recalls: formRecalls(
        questions,
        RERANK_CANDIDATES,
        (e) => RERANK_WEIGHT * e.rerank + (1 - RERANK_WEIGHT) * e.score,
      ),
    },
    { name: "rerank score alone", recalls: formRecalls(questions, RERANK_CANDIDATES, (e) => e.rerank) },
    best(
      [0.5, 1, 2, 5, 10, 20].map((a): [string, BlendForm] => [
        `best logit + a x fused (a = ${a})`,
        (e) => logit(e.rerank) + a * e.score,
      ]),
    ),
    best(
      [5, 10, 30, 60].flatMap((k) =>
        [0.6, 0.7, 0.8, 0.9].map((w): [string, BlendForm] => [
          `best RRF (k ${k}, rerank weight ${w})`,
          (_, fusedPlace, rerankPlace) => w / (k + rerankPlace) + (1 - w) / (k + fusedPlace),
        ]),
      ),
    ),
  ];
  return [
    `blend forms over ${RERANK_CANDIDATES} candidates (all questions; "best" settings chosen in-sample):`,
    table(
      ["form", ...RERANK_KS.map((k) => `recall@${k}`)],
      rows.map((r) => [r.name, ...r.recalls.map((x) => fixed(x))]),
    ),
  ].join("\n");
}

/** In-sample recall of every candidate count at the shipped weight, with the pairs it costs. */
export function candidateSweep(questions: RerankLists[], msPerPair: number): string {
  const rows = RERANK_COUNTS.map((candidates) => [
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
