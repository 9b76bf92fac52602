/**
 * BM25 keyword ranking, planned so that its cost stays bounded on a large workspace.
 *
 * A term's weight is its IDF among the memories the search may see (the viewer's visible
 * memories passing the filter), so a speaker's name present in most memories counts for
 * little and the one rare word that matters counts for much; term frequency saturates (k1)
 * and long memories are discounted against the average length (b). IDF is never taken over
 * memories the viewer cannot see: their words would otherwise show through the scores.
 *
 * Scoring every memory that shares a word with a question is what made keyword search slow
 * at 100k memories, so only a bounded candidate set is scored: every memory holding one of
 * the question's rarer words (as many words, rarest first, as fit CANDIDATE_BUDGET postings),
 * plus the memories sharing the most of its common words (found by `keywordTiers`). A memory
 * holding only a few common words is left out; BM25 would rank it low anyway.
 */

/** Term-frequency saturation: the second occurrence of a word adds less than the first. */
export const K1 = 1.2;
/** How strongly a memory's length discounts its matches (0: not at all, 1: fully). */
export const B = 0.75;
/** Document frequencies are counted up to this: beyond it a word is common, whatever its count. */
export const DF_CAP = 2_000;
/** The visible set is counted up to this for IDF (bounded cost on a very large workspace). */
export const N_CAP = 20_000;
/** Postings of rare words scored in full; the remaining words are searched by tiers. */
export const CANDIDATE_BUDGET = 1_000;

/** A query word with the number of visible memories holding it (capped at DF_CAP). */
export interface TermCount {
  lexeme: string;
  df: number;
}

export interface KeywordPlan {
  /** Every query word present in the visible set, with its IDF. */
  terms: { lexeme: string; idf: number }[];
  /** Words whose memories are all scored: the rarest, within CANDIDATE_BUDGET postings. */
  rare: string[];
  /** The other words, whose memories are found by tiers (most shared words first). */
  common: string[];
  /** The sum of every query word's IDF, absent words included: a keyword score's denominator. */
  idfTotal: number;
}

/** BM25's IDF, in the form that stays positive for a word in more than half the memories. */
export function idf(df: number, n: number): number {
  return Math.log(1 + (n - df + 0.5) / (df + 0.5));
}

/** Splits a question's words into rare (scored in full) and common (searched by tiers). */
export function planKeywordSearch(counts: readonly TermCount[], visible: number): KeywordPlan {
  const n = Math.max(visible, ...counts.map((c) => c.df));
  const idfTotal = counts.reduce((sum, c) => sum + idf(c.df, n), 0);
  const present = counts.filter((c) => c.df > 0).sort((a, b) => a.df - b.df || a.lexeme.localeCompare(b.lexeme));
  const rare: string[] = [];
  const common: string[] = [];
  let postings = 0;
  for (const c of present) {
    if (common.length === 0 && c.df < DF_CAP && postings + c.df <= CANDIDATE_BUDGET) {
      rare.push(c.lexeme);
      postings += c.df;
    } else {
      common.push(c.lexeme);
    }
  }
  return { terms: present.map((c) => ({ lexeme: c.lexeme, idf: idf(c.df, n) })), rare, common, idfTotal };
}
