/**
 * Choosing search settings by k-fold cross-validation: each candidate's per-query figure is
 * known (every candidate ran every query), so a fold's choice is the candidate best on the
 * other folds, judged on its own. The held-out figures are what the choice is worth on queries
 * it did not see; the final choice is the best on every query, kept only when, held out, the
 * choosing beat the current settings (candidate 0).
 */

export interface FoldResult {
  fold: number;
  /** Queries held out in this fold. */
  queries: number;
  /** The candidate best on the other folds, and its and the current settings' mean on this one. */
  chosen: number;
  heldOut: number;
  currentHeldOut: number;
}

export interface CrossValidation {
  folds: FoldResult[];
  /** Means over every held-out query: choosing by cross-validation, and keeping the current settings. */
  heldOut: number;
  currentHeldOut: number;
  /** Each candidate's mean over every query. */
  means: number[];
  /** The candidate best on every query, or 0 (the current settings) when choosing did not beat them held out. */
  chosen: number;
}

/**
 * `figures[c][q]`: candidate c's figure (higher is better) on query q; candidate 0 is the
 * current settings. Query q is in fold q mod `folds` (the file's order spread evenly).
 */
export function crossValidate(figures: readonly (readonly number[])[], folds: number): CrossValidation {
  const queries = figures[0]?.length ?? 0;
  if (figures.length === 0 || queries === 0) throw new Error("cross-validation needs candidates and queries");
  if (figures.some((f) => f.length !== queries)) throw new Error("every candidate needs a figure for every query");
  const k = Math.max(2, Math.min(folds, queries));
  const foldOf = (q: number) => q % k;
  const results: FoldResult[] = [];
  let heldOutSum = 0;
  let currentSum = 0;
  for (let fold = 0; fold < k; fold++) {
    const train = (q: number) => foldOf(q) !== fold;
    const chosen = best(figures.map((f) => mean(f, train)));
    const test = (q: number) => foldOf(q) === fold;
    const chosenFigures = figures[chosen] as readonly number[];
    const current = figures[0] as readonly number[];
    results.push({
      fold,
      queries: count(queries, test),
      chosen,
      heldOut: mean(chosenFigures, test),
      currentHeldOut: mean(current, test),
    });
    heldOutSum += sum(chosenFigures, test);
    currentSum += sum(current, test);
  }
  const means = figures.map((f) => mean(f, () => true));
  const heldOut = heldOutSum / queries;
  const currentHeldOut = currentSum / queries;
  return { folds: results, heldOut, currentHeldOut, means, chosen: heldOut > currentHeldOut ? best(means) : 0 };
}

/** The index of the largest value; the first of equals, so a tie keeps the earlier candidate. */
function best(values: readonly number[]): number {
  let at = 0;
  values.forEach((v, i) => {
    if (v > (values[at] as number)) at = i;
  });
  return at;
}

function sum(values: readonly number[], keep: (q: number) => boolean): number {
  return values.reduce((total, v, q) => (keep(q) ? total + v : total), 0);
}

function count(queries: number, keep: (q: number) => boolean): number {
  let n = 0;
  for (let q = 0; q < queries; q++) if (keep(q)) n++;
  return n;
}

function mean(values: readonly number[], keep: (q: number) => boolean): number {
  const n = count(values.length, keep);
  return n === 0 ? 0 : sum(values, keep) / n;
}
