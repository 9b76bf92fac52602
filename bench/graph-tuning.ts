/**
 * Cross-validated weights of graph-aware search (GRAPH_WEIGHTS in src/memory/search/ranking.ts,
 * decision 0026), run by `npm run bench:retrieval -- --graph`.
 *
 * Each question's HYBRID answer with graph expansion, 50 deep, carries each result's two scores,
 * its names and how the query's entities reach it (graph_link). Replayed under every pair of
 * weights (the entity bonus as shipped), the first result citing evidence is found; for every
 * way of splitting the conversations into halves, the pair best on one half (by mean
 * recall@5/@10/@20, ties to the larger) is reported on the other, as fusion-tuning.ts does for
 * the fusion weights.
 * A replay reads the 50-deep answer, whose pool (250 a retriever) is deeper than a top 10
 * search's (50): the server's own runs at the chosen weights are what the decision quotes.
 */
import { QueryNames } from "../src/memory/search/entity-names.js";
import { byScore, ENTITY_WEIGHT, SEMANTIC_WEIGHT } from "../src/memory/search/ranking.js";
import { KS, mean, splits } from "./fusion-tuning.js";
import { fixed, table } from "./report.js";

/** A result of the graph-expanded answer, as the replay reads it. */
export interface GraphEntry {
  id: string;
  semantic: number;
  keyword: number;
  /** Its subject id, title and linked entities' ids, for the entity bonus. */
  names: string[];
  /** 0 not reached, 1 it mentions an entity the query names, 2 a neighbour. */
  link: number;
  hit: boolean;
}

export interface GraphLists {
  question: string;
  conversation: string;
  category: number;
  entries: GraphEntry[];
}

export interface GraphWeights {
  named: number;
  neighbour: number;
}

/** The pairs tried, in ascending order: a neighbour's memory weighs less than a named entity's. */
export const GRAPH_SETTINGS: GraphWeights[] = [0, 0.01, 0.02, 0.05, 0.1].flatMap((named) =>
  [0, 0.005, 0.01, 0.02, 0.05].filter((n) => n < named || n === 0).map((neighbour) => ({ named, neighbour })),
);

const describe = (w: GraphWeights) => `named ${w.named.toFixed(3)}, neighbour ${w.neighbour.toFixed(3)}`;

/** The 1-based rank of the first result citing evidence under these weights, Infinity past 20. */
function firstHit(q: GraphLists, w: GraphWeights): number {
  const query = new QueryNames(q.question);
  const gain = [0, w.named, w.neighbour];
  const ranked = q.entries
    .map((e) => {
      const fused = SEMANTIC_WEIGHT * e.semantic + (1 - SEMANTIC_WEIGHT) * e.keyword;
      const graphed = Math.min(1, fused + (gain[e.link] ?? 0));
      return { id: e.id, hit: e.hit, score: Math.min(1, graphed + (query.names(e.names) ? ENTITY_WEIGHT : 0)) };
    })
    .sort(byScore)
    .slice(0, 20);
  const first = ranked.findIndex((r) => r.hit);
  return first === -1 ? Infinity : first + 1;
}

function recalls(questions: GraphLists[], w: GraphWeights): number[] {
  const ranks = questions.map((q) => firstHit(q, w));
  return KS.map((k) => ranks.filter((r) => r <= k).length / questions.length);
}

/** Recall@10 per category (1-4) under these weights. */
function byCategory(questions: GraphLists[], w: GraphWeights): string {
  return [1, 2, 3, 4]
    .map((c) =>
      fixed(
        recalls(
          questions.filter((q) => q.category === c),
          w,
        )[1]!,
      ),
    )
    .join(" / ");
}

/** The cross-validated table, how often each pair was chosen, and the shipped and no-weight pairs held out. */
export function crossValidateGraph(questions: GraphLists[], shipped: GraphWeights): string {
  const conversations = [...new Set(questions.map((q) => q.conversation))].sort();
  const of = (names: string[]) => questions.filter((q) => names.includes(q.conversation));
  const none = { named: 0, neighbour: 0 };
  const rows: string[][] = [];
  const heldOut: { tuned: number[]; shipped: number[]; none: number[] }[] = [];
  const votes = new Map<string, number>();
  for (const [a, b] of splits(conversations)) {
    for (const [tune, test] of [
      [a, b],
      [b, a],
    ] as const) {
      const tuneSet = of(tune);
      const testSet = of(test);
      // Ties go to the larger weights (GRAPH_SETTINGS ascends): a caller asking for the graph
      // gets as much of it as the tuning half shows costs nothing.
      const best = GRAPH_SETTINGS.map((w) => ({ w, score: mean(recalls(tuneSet, w)) })).reduce((x, y) =>
        y.score >= x.score ? y : x,
      ).w;
      votes.set(describe(best), (votes.get(describe(best)) ?? 0) + 1);
      const fold = { tuned: recalls(testSet, best), shipped: recalls(testSet, shipped), none: recalls(testSet, none) };
      heldOut.push(fold);
      rows.push([
        tune.map((c) => c.replace("conv-", "")).join(","),
        describe(best),
        fold.tuned.map((r) => fixed(r)).join(" / "),
        fold.none.map((r) => fixed(r)).join(" / "),
      ]);
    }
  }
  const average = (pick: (f: (typeof heldOut)[number]) => number[]) =>
    KS.map((_, i) => fixed(mean(heldOut.map((f) => pick(f)[i]!)))).join(" / ");
  const all = GRAPH_SETTINGS.map((w) => [
    describe(w),
    recalls(questions, w)
      .map((r) => fixed(r))
      .join(" / "),
    byCategory(questions, w),
  ]);
  const reaching = (link: number) => questions.filter((q) => q.entries.some((e) => e.link === link)).length;
  const evidence = (link: number) => questions.filter((q) => q.entries.some((e) => e.link === link && e.hit)).length;
  return [
    `questions whose 50-deep answer the graph reaches: ${reaching(1)} through an entity they name ` +
      `(${evidence(1)} of them an evidence memory), ${reaching(2)} through a neighbour (${evidence(2)})`,
    "",
    "Graph weights, cross-validated: tuned on half the conversations (mean recall@5/@10/@20), reported on the other half",
    table(["tuned on (conv-)", "chosen weights", "held out", "no graph weight, held out"], rows),
    "",
    `mean over the ${heldOut.length} held-out halves (recall@5 / @10 / @20):`,
    `  tuned per fold:                     ${average((f) => f.tuned)}`,
    `  shipped (${describe(shipped)}): ${average((f) => f.shipped)}`,
    `  no graph weight:                    ${average((f) => f.none)}`,
    `chosen: ${[...votes].map(([w, n]) => `${w} (${n})`).join("; ")}`,
    "",
    "every pair on all questions (replayed from the 50-deep answers):",
    table(["weights", "recall@5 / @10 / @20", "recall@10 by category 1 / 2 / 3 / 4"], all),
  ].join("\n");
}
