/**
 * The write guard, measured with the real model (all-MiniLM-L6-v2, int8, from .models/):
 * - kind classification accuracy on bench/guard-set.ts's labelled set (nearest prototype);
 * - the near-duplicate threshold: at each similarity, the share of LoCoMo observations (all
 *   distinct facts) that would merge into an earlier observation of the same speaker (false
 *   merges), and the share of the labelled paraphrase pairs that would (wanted merges);
 * - the conflict examples: each pair's similarity, and whether the guard lists it;
 * - contradiction marks (what supersede_conflicts supersedes): how many of the labelled conflicts
 *   the guard marks, and how many paraphrases and LoCoMo observations (all distinct facts) it
 *   would wrongly supersede, at several similarity floors.
 * It embeds texts directly (no server) and asserts nothing. `npm run bench:guard`.
 */
import { LocalEmbedder } from "../src/embedding/local.js";
import { KindClassifier } from "../src/memory/write/guard/kind-classifier.js";
import { cosineSimilarity } from "../src/memory/write/guard/similarity.js";
import {
  CONFLICT_SIMILARITY,
  MAX_CONFLICTS,
  MERGE_SIMILARITY,
  isNearDuplicate,
  sameNumbers,
} from "../src/memory/write/guard/write-guard.js";
import { normaliseContent } from "../src/memory/record.js";
import { CONFLICTS, LABELLED_KINDS, NEAR_DUPLICATES } from "./guard-set.js";
import { CONTRADICTION_SIMILARITY, contradictionOf } from "../src/memory/write/guard/contradiction.js";
import { loadLocomo } from "./locomo.js";

const THRESHOLDS = [0.8, 0.85, 0.88, 0.9, 0.91, 0.92, 0.93, 0.94, 0.95, 0.96, 0.97];

const embedder = new LocalEmbedder({
  model: "Xenova/all-MiniLM-L6-v2",
  modelDir: process.env.ENGRAM_MODEL_DIR ?? ".models",
  dtype: "q8",
});
await embedder.ready();
const embed = async (texts: string[]): Promise<number[][]> => {
  const out: number[][] = [];
  for (let i = 0; i < texts.length; i += 64) out.push(...(await embedder.embed(texts.slice(i, i + 64))));
  return out;
};
const pct = (n: number, d: number) => `${((100 * n) / Math.max(1, d)).toFixed(1)}%`;

// 1. Classification.
const classifier = new KindClassifier({
  embed: async (texts) => (await embed(texts)).map((vector) => ({ vector, model: embedder.id })),
});
const kinds = Object.keys(LABELLED_KINDS);
const confusion = new Map(kinds.map((k) => [k, new Map(kinds.map((j) => [j, 0]))]));
let correct = 0;
let total = 0;
let confidenceRight = 0;
let confidenceWrong = 0;
for (const [kind, texts] of Object.entries(LABELLED_KINDS)) {
  const vectors = await embed([...texts]);
  for (const vector of vectors) {
    const got = await classifier.classify({ vector, model: embedder.id });
    const row = confusion.get(kind);
    row?.set(got.kind, (row.get(got.kind) ?? 0) + 1);
    total++;
    if (got.kind === kind) {
      correct++;
      confidenceRight += got.confidence;
    } else {
      confidenceWrong += got.confidence;
    }
  }
}
console.log(`\n## Kind classification (mean of the four nearest prototypes per kind), ${total} labelled contents\n`);
console.log(`accuracy ${pct(correct, total)} (${correct}/${total}); chance ${pct(1, kinds.length)}`);
console.log(
  `mean confidence: right ${(confidenceRight / Math.max(1, correct)).toFixed(2)}, ` +
    `wrong ${(confidenceWrong / Math.max(1, total - correct)).toFixed(2)}\n`,
);
console.log(`| labelled \\ classified | ${kinds.join(" | ")} |`);
console.log(`| --- | ${kinds.map(() => "---:").join(" | ")} |`);
for (const kind of kinds) {
  console.log(`| ${kind} | ${kinds.map((k) => confusion.get(kind)?.get(k) ?? 0).join(" | ")} |`);
}

// 2. Near duplicates: LoCoMo observations against the earlier ones of the same speaker.
const conversations = await loadLocomo(process.env.LOCOMO_DIR ?? "../shared/bench/locomo");
const nearest: number[] = [];
/** Every possible conflict the guard would list for a LoCoMo observation: the earlier ones of its speaker. */
const locomoConflicts: { content: string; other: string; similarity: number }[] = [];
let exactRepeats = 0;
for (const conversation of conversations) {
  const vectors = await embed(conversation.observations.map((o) => o.fact));
  const seen = new Map<string, { vectors: number[][]; facts: string[]; contents: Set<string> }>();
  conversation.observations.forEach((o, i) => {
    const vector = vectors[i] ?? [];
    const speaker = seen.get(o.speaker) ?? { vectors: [], facts: [], contents: new Set<string>() };
    seen.set(o.speaker, speaker);
    const content = normaliseContent(o.fact);
    if (speaker.contents.has(content)) {
      // The same normalised text merges by rule, whatever the threshold.
      exactRepeats++;
    } else {
      const similarities = speaker.vectors.map((v) => cosineSimilarity(vector, v));
      // Only an earlier observation with the same numbers could be merged into.
      nearest.push(
        similarities.reduce(
          (best, s, j) => (sameNumbers(o.fact, speaker.facts[j] ?? "") ? Math.max(best, s) : best),
          0,
        ),
      );
      const listedFor = similarities
        .map((similarity, j) => ({ content: o.fact, other: speaker.facts[j] ?? "", similarity }))
        .filter((c) => c.similarity >= CONFLICT_SIMILARITY && !isNearDuplicate(c.content, c.other, c.similarity))
        .sort((a, b) => b.similarity - a.similarity)
        .slice(0, MAX_CONFLICTS);
      locomoConflicts.push(...listedFor);
    }
    speaker.vectors.push(vector);
    speaker.facts.push(o.fact);
    speaker.contents.add(content);
  });
}
const pairs = await Promise.all(NEAR_DUPLICATES.map(async ([a, b]) => embed([a, b])));
// A pair whose numbers differ never merges: its similarity counts as 0.
const pairSimilarity = pairs.map(([a, b], i) => {
  const [first, second] = NEAR_DUPLICATES[i] ?? ["", ""];
  return sameNumbers(first, second) ? cosineSimilarity(a ?? [], b ?? []) : 0;
});
console.log(
  `\n## Near-duplicate threshold: ${nearest.length} LoCoMo observations (${exactRepeats} exact repeats left out), ` +
    `${NEAR_DUPLICATES.length} paraphrase pairs\n`,
);
console.log("| similarity >= | LoCoMo false merges | paraphrases merged |");
console.log("| ---: | ---: | ---: |");
for (const t of THRESHOLDS) {
  const falseMerges = nearest.filter((s) => s >= t).length;
  const merged = pairSimilarity.filter((s) => s >= t).length;
  const shipped = Math.abs(t - MERGE_SIMILARITY) < 1e-9 ? " (shipped)" : "";
  console.log(
    `| ${t.toFixed(2)}${shipped} | ${pct(falseMerges, nearest.length)} (${falseMerges}) | ${pct(merged, pairs.length)} (${merged}) |`,
  );
}

// 3. Conflicts.
console.log(
  `\n## Conflict examples: listed at similarity ${CONFLICT_SIMILARITY} or more unless a near duplicate ` +
    `(${MERGE_SIMILARITY} or more with the same numbers)\n`,
);
console.log("| first | second | similarity | guard |");
console.log("| --- | --- | ---: | --- |");
let listed = 0;
for (const [a, b] of CONFLICTS) {
  const [va, vb] = await embed([a, b]);
  const s = cosineSimilarity(va ?? [], vb ?? []);
  const verdict = isNearDuplicate(b, a, s) ? "merged (wrong)" : s >= CONFLICT_SIMILARITY ? "listed" : "not listed";
  if (verdict === "listed") listed++;
  console.log(`| ${a} | ${b} | ${s.toFixed(3)} | ${verdict} |`);
}
console.log(`\nlisted ${listed}/${CONFLICTS.length}`);

// 4. Contradiction marks: what a write with supersede_conflicts would supersede.
const conflictPairs = await Promise.all(
  CONFLICTS.map(async ([a, b]) => {
    const [va, vb] = await embed([a, b]);
    return { content: b, other: a, similarity: cosineSimilarity(va ?? [], vb ?? []) };
  }),
);
const paraphrasePairs = NEAR_DUPLICATES.map(([a, b], i) => {
  const [va, vb] = pairs[i] ?? [];
  return { content: b, other: a, similarity: cosineSimilarity(va ?? [], vb ?? []) };
});
/** Listed as a conflict (not merged), and marked as contradicting at this similarity floor. */
const marked = (c: { content: string; other: string; similarity: number }, floor: number) =>
  c.similarity >= Math.max(floor, CONFLICT_SIMILARITY) &&
  !isNearDuplicate(c.content, c.other, c.similarity) &&
  contradictionOf(c.content, c.other, 1) !== null;
console.log(
  `\n## Contradiction marks (supersede_conflicts): ${CONFLICTS.length} labelled conflicts, ` +
    `${NEAR_DUPLICATES.length} paraphrases, ${locomoConflicts.length} LoCoMo possible conflicts (distinct facts)\n`,
);
console.log("| similarity >= | labelled conflicts marked | paraphrases wrongly marked | LoCoMo wrongly marked |");
console.log("| ---: | ---: | ---: | ---: |");
for (const floor of [0.6, 0.65, 0.7, 0.75, 0.8, 0.85]) {
  const right = conflictPairs.filter((c) => marked(c, floor)).length;
  const paraphrases = paraphrasePairs.filter((c) => marked(c, floor)).length;
  const locomo = locomoConflicts.filter((c) => marked(c, floor)).length;
  const shipped = Math.abs(floor - CONTRADICTION_SIMILARITY) < 1e-9 ? " (shipped)" : "";
  console.log(
    `| ${floor.toFixed(2)}${shipped} | ${pct(right, CONFLICTS.length)} (${right}) | ` +
      `${pct(paraphrases, NEAR_DUPLICATES.length)} (${paraphrases}) | ${pct(locomo, locomoConflicts.length)} (${locomo}) |`,
  );
}
const examples = locomoConflicts.filter((c) => marked(c, CONTRADICTION_SIMILARITY)).slice(0, 5);
console.log("\nLoCoMo pairs marked at the shipped floor (first five):\n");
for (const c of examples) console.log(`- ${c.similarity.toFixed(3)}: "${c.other}" -> "${c.content}"`);
