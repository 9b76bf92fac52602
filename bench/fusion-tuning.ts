/**
 * Cross-validated tuning of HYBRID fusion on LoCoMo: the procedure that chose the shipped
 * constants (SEMANTIC_WEIGHT and ENTITY_WEIGHT in src/memory/search/ranking.ts, the candidate
 * pool in src/memory/search/search.ts), run by `npm run bench:retrieval` on every engine.
 *
 * Each retriever's own ranking of every question (SEMANTIC and KEYWORD, 100 deep) is replayed
 * through the server's `fuse` under every candidate setting. A memory only one retriever's
 * replayed list holds takes its other score as the server gives it: from the other list when
 * deeper in it, else from HYBRID's answer at top 100 (`other`). For every way of splitting the
 * six conversations into two halves of three, the setting with the best mean recall@5/@10/@20
 * on one half is chosen and reported on the other, both ways, so no reported number comes
 * from the conversations its setting was chosen on.
 */
import { QueryNames } from "../src/memory/search/entity-names.js";
import { fuse, withEntityBonus, type Retrieved } from "../src/memory/search/ranking.js";
import { fixed, table } from "./report.js";

export interface ListEntry {
  id: string;
  score: number;
  /** Whether this memory cites one of the question's evidence turns. */
  hit: boolean;
  /** Its subject id, title and linked entities' ids, for entity-aware ranking. */
  names: string[];
}

export interface QuestionLists {
  question: string;
  conversation: string;
  category: number;
  semantic: ListEntry[];
  keyword: ListEntry[];
  /**
   * Both scores of the memories HYBRID ranked first at top 100, where each candidate is scored
   * by both retrievers: a similarity is exact at any pool; a keyword score here is against a
   * 500-deep pool's average length (the server scores against its own pool's).
   */
  other: Map<string, { semantic: number; keyword: number }>;
}

export interface FusionSetting {
  semanticWeight: number;
  entityWeight: number;
  /** How deep each retriever's list is read: topK x the server's pool factor. */
  pool: number;
}

/** The settings tried: the pool as top 20 times 1, 3 and 5 (shipped), entity weights from none up. */
export const SETTINGS: FusionSetting[] = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9].flatMap((semanticWeight) =>
  [20, 60, 100].flatMap((pool) =>
    [0, 0.01, 0.02, 0.05, 0.1].map((entityWeight) => ({ semanticWeight, entityWeight, pool })),
  ),
);

export const KS = [5, 10, 20] as const;

const describe = (s: FusionSetting) =>
  `weight ${s.semanticWeight.toFixed(1)}, entity ${s.entityWeight.toFixed(2)}, pool ${s.pool}`;

/** The 1-based rank of the first result citing evidence, Infinity when none is in the top 20. */
export function firstHit(q: QuestionLists, s: FusionSetting): number {
  const hits = new Map([...q.semantic, ...q.keyword].map((e) => [e.id, e.hit]));
  const query = new QueryNames(q.question);
  const named = new Set([...q.semantic, ...q.keyword].filter((e) => query.names(e.names)).map((e) => e.id));
  const [semantic, keyword] = completed(q, s.pool);
  // The server reads names only where the bonus could matter (mayBeRaised); naming every
  // result here ranks the same.
  const ranked = withEntityBonus(fuse(semantic, keyword, s.semanticWeight), named, s.entityWeight).slice(0, 20);
  const first = ranked.findIndex((r) => hits.get(r.id));
  return first === -1 ? Infinity : first + 1;
}

/**
 * Each retriever's first `pool` candidates, and its score of the other's candidates, as HYBRID
 * scores them; a memory whose other score is nowhere in the lists keeps only the one it has.
 */
function completed(q: QuestionLists, pool: number): [Retrieved[], Retrieved[]] {
  const semantic = q.semantic.slice(0, pool);
  const keyword = q.keyword.slice(0, pool);
  const fill = (own: Retrieved[], others: ListEntry[], deeper: ListEntry[], pick: "semantic" | "keyword") => {
    const listed = new Set(own.map((e) => e.id));
    const scores = new Map(deeper.map((e) => [e.id, e.score]));
    return others
      .filter((e) => !listed.has(e.id))
      .flatMap((e) => {
        const score = scores.get(e.id) ?? q.other.get(e.id)?.[pick];
        return score === undefined ? [] : [{ id: e.id, score }];
      });
  };
  return [
    [...semantic, ...fill(semantic, keyword, q.semantic, "semantic")],
    [...keyword, ...fill(keyword, semantic, q.keyword, "keyword")],
  ];
}

function recalls(questions: QuestionLists[], rankOf: (q: QuestionLists) => number): number[] {
  const ranks = questions.map(rankOf);
  return KS.map((k) => ranks.filter((r) => r <= k).length / questions.length);
}

const single = (which: "semantic" | "keyword") => (q: QuestionLists) => {
  const first = q[which].slice(0, 20).findIndex((e) => e.hit);
  return first === -1 ? Infinity : first + 1;
};

export const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Every split of the conversations into two halves (first half holding the first conversation). */
export function splits(conversations: string[]): [string[], string[]][] {
  const half = Math.floor(conversations.length / 2);
  const [first, ...others] = conversations;
  const out: [string[], string[]][] = [];
  const choose = (start: number, picked: string[]) => {
    if (picked.length === half - 1) {
      const a = [first!, ...picked];
      out.push([a, conversations.filter((c) => !a.includes(c))]);
      return;
    }
    for (let i = start; i < others.length; i++) choose(i + 1, [...picked, others[i]!]);
  };
  choose(0, []);
  return out;
}

export interface TuningReport {
  text: string;
  /** The setting chosen most often across folds. */
  chosen: FusionSetting;
}

/** The cross-validated table, and how the shipped setting fares on the same held-out halves. */
export function crossValidate(questions: QuestionLists[], shipped: FusionSetting): TuningReport {
  const conversations = [...new Set(questions.map((q) => q.conversation))].sort();
  const of = (names: string[]) => questions.filter((q) => names.includes(q.conversation));
  const rows: (string | number)[][] = [];
  const heldOut: { tuned: number[]; shipped: number[]; semantic: number[]; keyword: number[] }[] = [];
  const votes = new Map<string, { setting: FusionSetting; count: number }>();
  for (const [a, b] of splits(conversations)) {
    for (const [tune, test] of [
      [a, b],
      [b, a],
    ] as const) {
      const tuneSet = of(tune);
      const testSet = of(test);
      const best = SETTINGS.map((s) => ({ s, score: mean(recalls(tuneSet, (q) => firstHit(q, s))) })).reduce((x, y) =>
        y.score > x.score ? y : x,
      ).s;
      const vote = votes.get(describe(best)) ?? { setting: best, count: 0 };
      vote.count += 1;
      votes.set(describe(best), vote);
      const fold = {
        tuned: recalls(testSet, (q) => firstHit(q, best)),
        shipped: recalls(testSet, (q) => firstHit(q, shipped)),
        semantic: recalls(testSet, single("semantic")),
        keyword: recalls(testSet, single("keyword")),
      };
      heldOut.push(fold);
      rows.push([
        tune.map((c) => c.replace("conv-", "")).join(","),
        describe(best),
        fold.tuned.map((r) => fixed(r)).join(" / "),
        fold.semantic.map((r) => fixed(r)).join(" / "),
        fold.keyword.map((r) => fixed(r)).join(" / "),
      ]);
    }
  }
  const average = (pick: (f: (typeof heldOut)[number]) => number[]) =>
    KS.map((_, i) => fixed(mean(heldOut.map((f) => pick(f)[i]!)))).join(" / ");
  const chosen = [...votes.values()].reduce((x, y) => (y.count > x.count ? y : x)).setting;
  const lines = [
    "HYBRID fusion, cross-validated: tuned on three conversations (by mean recall@5/@10/@20), reported on the other three",
    table(["tuned on (conv-)", "chosen setting", "HYBRID held out", "SEMANTIC held out", "KEYWORD held out"], rows),
    "",
    `mean over the ${heldOut.length} held-out halves (recall@5 / @10 / @20):`,
    `  HYBRID, tuned per fold:            ${average((f) => f.tuned)}`,
    `  HYBRID, shipped (${describe(shipped)}): ${average((f) => f.shipped)}`,
    `  SEMANTIC:                          ${average((f) => f.semantic)}`,
    `  KEYWORD:                           ${average((f) => f.keyword)}`,
    `chosen most often: ${describe(chosen)} (${votes.get(describe(chosen))!.count} of ${heldOut.length} folds)` +
      (describe(chosen) === describe(shipped) ? "; the shipped setting" : `; shipped: ${describe(shipped)}`),
  ];
  return { text: lines.join("\n"), chosen };
}

/** Recall of a replayed setting over all questions: must equal the server's own HYBRID run. */
export function replayRecalls(questions: QuestionLists[], setting: FusionSetting): number[] {
  return recalls(questions, (q) => firstHit(q, setting));
}
