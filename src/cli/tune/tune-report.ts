import { textTable } from "../text-output.js";
import { candidateName, type Candidate, type Tuning } from "./settings-grid.js";
import type { Metric, TuneResult } from "./tune-run.js";

const METRIC_NAMES: Record<Metric, (k: number) => string> = {
  ndcg: (k) => `nDCG@${k}`,
  mrr: () => "MRR",
  recall: (k) => `recall@${k}`,
  hit: (k) => `hit@${k}`,
};

export function metricName(metric: Metric, k: number): string {
  return METRIC_NAMES[metric](k);
}

/** Tune's outcome as JSON: the candidates' means, each fold, the held-out figures and the choice. */
export function tuneJson(result: TuneResult, k: number) {
  const { cv, candidates } = result;
  const chosen = candidates[cv.chosen] as Candidate;
  return {
    metric: metricName(result.metric, k),
    queries: result.queries,
    candidates: candidates.map((c, i) => ({ ...c, name: candidateName(c), mean: cv.means[i], current: i === 0 })),
    folds: cv.folds.map((f) => ({ ...f, chosen: candidateName(candidates[f.chosen] as Candidate) })),
    heldOut: cv.heldOut,
    currentHeldOut: cv.currentHeldOut,
    chosen: { ...chosen, name: candidateName(chosen), changed: cv.chosen !== 0 },
    notReranked: result.notReranked,
  };
}

/** Tune's outcome as text: the candidates, the folds, and what it chose. */
export function tuneText(result: TuneResult, k: number): string {
  const { cv, candidates } = result;
  const metric = metricName(result.metric, k);
  const out: string[] = [`HYBRID ${metric} over ${result.queries} labelled queries, each candidate:`];
  out.push(
    textTable(
      [
        ["#", "candidate", metric],
        ...candidates.map((c, i) => [
          String(i),
          `${candidateName(c)}${i === 0 ? " (current)" : ""}`,
          fixed(cv.means[i]),
        ]),
      ],
      [0, 2],
    ),
  );
  out.push(`${cv.folds.length} folds (query i in fold i mod ${cv.folds.length}), each choosing on the others:`);
  out.push(
    textTable(
      [
        ["fold", "queries", "chosen", `held-out ${metric}`, "current"],
        ...cv.folds.map((f) => [
          String(f.fold + 1),
          String(f.queries),
          `#${f.chosen}`,
          fixed(f.heldOut),
          fixed(f.currentHeldOut),
        ]),
      ],
      [1, 3, 4],
    ),
  );
  const gain = cv.heldOut - cv.currentHeldOut;
  out.push(
    `held out: tuned ${fixed(cv.heldOut)}, current ${fixed(cv.currentHeldOut)} (${gain >= 0 ? "+" : ""}${fixed(gain)})`,
  );
  if (result.notReranked > 0) {
    out.push(
      `warning: ${result.notReranked} searches that asked for rerank were not reranked (the server's reranker was unavailable)`,
    );
  }
  const chosen = candidates[cv.chosen] as Candidate;
  out.push(
    cv.chosen === 0
      ? "chosen: the current settings (no candidate did better held out)"
      : `chosen: #${cv.chosen} ${settingsText(chosen.tuning)}, rerank by default ${chosen.rerank ? "on" : "off"}`,
  );
  return `${out.join("\n")}\n`;
}

function settingsText(t: Tuning): string {
  return `semantic_weight ${t.semanticWeight}, candidate_pool ${t.candidatePool}, rerank_candidates ${t.rerankCandidates}, rerank_weight ${t.rerankWeight}`;
}

function fixed(value: number | undefined): string {
  return (value ?? 0).toFixed(3);
}
