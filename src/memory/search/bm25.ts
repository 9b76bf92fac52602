/**
 * BM25 keyword ranking, planned so that its cost stays bounded on a large workspace.
 *
 * A word's weight is its IDF: how few of the memories this search may see (the viewer's
 * visible memories passing the filter) hold it. A speaker's name present in most memories
 * counts for little, the one rare word that matters for much. Memories are short, so a word
 * counts once however often it occurs, and long memories are discounted against the average
 * length of the candidates (BM25's k1 and b). IDF is never taken over memories the viewer
 * cannot see: their words would otherwise show through the scores.
 *
 * Counting is what costs on a large workspace, so document frequencies are counted up to
 * DF_CAP through the full-text index, and IDF is taken against a fixed reference size
 * (REFERENCE_N) rather than a count of every visible memory: a word held by DF_CAP visible
 * memories or more is common and weighs the least, whatever the workspace's size. For a
 * workspace of a few hundred memories this is BM25's own IDF.
 *
 * Scoring every memory that shares a word with a question is what made keyword search slow
 * at 100k memories, so only a bounded candidate set is scored: every memory holding one of
 * the question's rarer words (as many words, rarest first, as fit CANDIDATE_BUDGET postings),
 * plus the memories sharing the most of its common words (found by `keywordTiers`). A memory
 * holding only a few common words is left out; BM25 would rank it low anyway.
 */

/** Length normalisation's scale: how much a memory of twice the average length is discounted. */
export const K1 = 1.2;
/** How strongly a memory's length discounts its matches (0: not at all, 1: fully). */
export const B = 0.75;
/** Document frequencies are counted up to this: beyond it a word is common, whatever its count. */
export const DF_CAP = 100;
/** The collection size IDF is taken against: a word in DF_CAP memories weighs ln 2. */
export const REFERENCE_N = 2 * DF_CAP;
/** A question's first this many distinct words are searched; the rest are left out. */
export const MAX_QUERY_WORDS = 32;
/** Postings of rare words scored in full; the remaining words are searched by tiers. */
export const CANDIDATE_BUDGET = 500;

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

/** BM25's IDF against REFERENCE_N memories: positive for every count up to DF_CAP. */
export function idf(df: number): number {
  const d = Math.min(df, DF_CAP);
  return Math.log(1 + (REFERENCE_N - d + 0.5) / (d + 0.5));
}

/** Splits a question's words into rare (scored in full) and common (searched by tiers). */
export function planKeywordSearch(counts: readonly TermCount[]): KeywordPlan {
  const idfTotal = counts.reduce((sum, c) => sum + idf(c.df), 0);
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
  return { terms: present.map((c) => ({ lexeme: c.lexeme, idf: idf(c.df) })), rare, common, idfTotal };
}
