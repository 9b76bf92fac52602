/**
 * Entity-name extraction (src/graph/extraction/), measured on bench/entities/labelled.jsonl:
 * precision, recall and F1 per type, on the half the clean-up rules were tuned on (dev), the half
 * they were not (held out) and all; each relation pattern's precision and recall; and the cost
 * of one content, on the labelled sentences and on long and hostile texts. `--compare` adds the
 * alternatives of decision 0023. It prints numbers and asserts nothing. `npm run bench:entities`.
 */
import { performance } from "node:perf_hooks";

const t0 = performance.now();
const { extractNames, MAX_ANALYSED_CHARS } = await import("../src/graph/extraction/extract.js");
const importMs = performance.now() - t0;
const { PATTERNS, extractRelations, matchRelations } = await import("../src/graph/extraction/relations.js");
const { isDev, loadLabelled, prf, scoreNames, scoreRelations, TYPES } = await import("./entities/score.js");
type Found = import("./entities/score.js").Found;
type Labelled = import("./entities/score.js").Labelled;

const compare = process.argv.includes("--compare");
const set = loadLabelled(new URL("entities/labelled.jsonl", import.meta.url).pathname);
const halves: [string, (i: number) => boolean][] = [
  ["dev", isDev],
  ["held out", (i) => !isDev(i)],
  ["all", () => true],
];
const f3 = (n: number) => n.toFixed(3);

const firstCall = performance.now();
extractNames("Warm-up: John Smith of Acme Corp lives in Paris.");
const firstCallMs = performance.now() - firstCall;

const shipped = (text: string): Found[] => extractNames(text);
const extractors: [string, (text: string) => Found[]][] = [["compromise + rules (shipped)", shipped]];
if (compare) {
  const { compromiseRaw, winkProperNouns } = await import("./entities/alternatives.js");
  extractors.push(["compromise as it comes", compromiseRaw], ["wink-nlp proper nouns + rules", winkProperNouns]);
}

const counts = set.reduce((n, s) => n + s.entities.length, 0);
console.log(`\n## Names: ${set.length} sentences, ${counts} labelled names`);
console.log(
  `(${TYPES.map((t) => `${t} ${set.flatMap((s) => s.entities).filter((e) => e.type === t).length}`).join(", ")})\n`,
);
for (const [label, extract] of extractors) {
  const found = set.map((s) => extract(s.text));
  console.log(`### ${label}\n`);
  console.log("| type | " + halves.map(([h]) => `${h} P | R | F1`).join(" | ") + " |");
  console.log("| --- | " + halves.map(() => "---: | ---: | ---:").join(" | ") + " |");
  const byHalf = halves.map(([, keep]) => {
    const idx = set.map((_, i) => i).filter(keep);
    return scoreNames(
      idx.map((i) => set[i]!),
      idx.map((i) => found[i]!),
    ).counts;
  });
  for (const row of [...TYPES, "all", "any type"]) {
    const cells = byHalf.map((c) => {
      const s = prf(c.get(row) ?? { tp: 0, fp: 0, fn: 0 });
      return `${f3(s.p)} | ${f3(s.r)} | ${f3(s.f1)}`;
    });
    console.log(`| ${row} | ${cells.join(" | ")} |`);
  }
  console.log("");
}

console.log(`## Relations: ${set.reduce((n, s) => n + s.relations.length, 0)} labelled, per pattern (all sentences)\n`);
const namesOf = set.map((s) => extractNames(s.text));
const asFound = (s: Labelled, i: number, patterns: typeof PATTERNS) =>
  matchRelations(s.text, namesOf[i]!, patterns).map((r) => ({
    subject: r.subject.name,
    predicate: r.predicate,
    object: r.object.name,
  }));
console.log("| pattern | found | right | precision | recall of its predicate |\n| --- | ---: | ---: | ---: | ---: |");
for (const pattern of PATTERNS) {
  const c = scoreRelations(
    set,
    set.map((s, i) => asFound(s, i, [pattern])),
  ).get(pattern.predicate) ?? { tp: 0, fp: 0, fn: 0 };
  console.log(`| ${pattern.id} | ${c.tp + c.fp} | ${c.tp} | ${f3(prf(c).p)} | ${f3(prf(c).r)} |`);
}
console.log("\n| predicate | " + halves.map(([h]) => `${h} P | R`).join(" | ") + " |");
console.log("| --- | " + halves.map(() => "---: | ---:").join(" | ") + " |");
const relByHalf = halves.map(([, keep]) => {
  const idx = set.map((_, i) => i).filter(keep);
  return scoreRelations(
    idx.map((i) => set[i]!),
    idx.map((i) => asFound(set[i]!, i, PATTERNS)),
  );
});
for (const predicate of ["works_at", "lives_in", "founded", "located_in", "all"]) {
  const cells = relByHalf.map((c) => {
    const s = prf(c.get(predicate) ?? { tp: 0, fp: 0, fn: 0 });
    return `${f3(s.p)} | ${f3(s.r)}`;
  });
  console.log(`| ${predicate} | ${cells.join(" | ")} |`);
}

// Cost: each content timed alone (names, then names and relations), after a warm-up pass.
const time = (texts: string[], extract: (text: string) => unknown, rounds: number, cap: number) => {
  const micros: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const text of texts) {
      const start = performance.now();
      extract(text);
      micros.push((performance.now() - start) * 1000);
    }
  }
  micros.sort((a, b) => a - b);
  const chars = texts.reduce((n, t) => n + Math.min(t.length, cap), 0) * rounds;
  const total = micros.reduce((a, b) => a + b, 0);
  return { mean: total / micros.length, p95: micros[Math.floor(micros.length * 0.95)]!, perKb: total / (chars / 1024) };
};
const sentences = set.map((s) => s.text);
const prose = (chars: number) => {
  let out = "";
  for (let i = 0; out.length < chars; i++) out += sentences[i % sentences.length]! + " ";
  return out.slice(0, chars);
};
const random = (chars: number, alphabet: string) =>
  Array.from({ length: chars }, (_, i) => alphabet[(i * 7919 + ((i * i) % 13)) % alphabet.length]).join("");
const inputs: [string, string[], number][] = [
  ["labelled sentences (mean 70 chars)", sentences, 5],
  ["notes of 1 KB", [prose(1024), prose(1024).split("").reverse().join("")], 20],
  ["notes of 4 KB (about the cap)", [prose(4096)], 10],
  ["notes of 10 KB", [prose(10_000)], 5],
  ["notes of 50 KB (read to the cap)", [prose(50_000)], 5],
  ["50 KB of capitalised words", [random(50_000, "Abc Def Ghi Jkl Mno, Pqr. ")], 3],
  ["50 KB without a space", [random(50_000, "abc.DEF@-/:")], 3],
  ["50 KB of emails and URLs", [prose(200).concat(" a@b.co https://x.io/p ".repeat(2400))], 3],
];
console.log(`\n## Cost per content (µs; import ${importMs.toFixed(0)} ms, first call ${firstCallMs.toFixed(0)} ms)\n`);
// Per KB counts the characters each extractor reads: the shipped one stops at its cap.
const costOf: [string, (text: string) => unknown, number][] = [
  ["names", extractNames, MAX_ANALYSED_CHARS],
  ["names + relations", (t) => extractRelations(t, extractNames(t)), MAX_ANALYSED_CHARS],
];
if (compare) for (const [label, extract] of extractors.slice(1)) costOf.push([label, extract, Infinity]);
console.log("| input | " + costOf.map(([l]) => `${l} mean | p95 | per KB`).join(" | ") + " |");
console.log("| --- | " + costOf.map(() => "---: | ---: | ---:").join(" | ") + " |");
for (const [label, texts, rounds] of inputs) {
  const cells = costOf.map(([, f, cap]) => {
    time(texts, f, 1, cap);
    const c = time(texts, f, rounds, cap);
    return `${c.mean.toFixed(0)} | ${c.p95.toFixed(0)} | ${c.perKb.toFixed(0)}`;
  });
  console.log(`| ${label} | ${cells.join(" | ")} |`);
}
const rss = process.memoryUsage().rss / 2 ** 20;
console.log(`\nresident memory at the end: ${rss.toFixed(0)} MiB`);
