/**
 * A few LoCoMo questions' recorded lists, for replaying fusion and rerank without a model or a
 * database (bench/replay.test.ts): each retriever's ranking and HYBRID's scores of the other's
 * candidates (fusion-tuning.ts), HYBRID's results with the reranker's scores of the shipped
 * candidate count (rerank-tuning.ts), and where the server put the first memory citing the
 * question's evidence, HYBRID at top 20 and HYBRID + rerank at top 10. Recorded by
 *
 *   LOCOMO_CONVERSATIONS=2 LOCOMO_QUESTIONS=8 npm run bench:retrieval -- --smoke --record bench/fixtures/locomo-replay.json
 *
 * Memory ids are replaced by numbers written in the ids' order, so that ties break as they did;
 * scores the API sends as 32-bit floats are written to the 9 digits that keep them exact.
 */
import type { FusionSetting, ListEntry, QuestionLists } from "./fusion-tuning.js";
import type { FusedEntry, RerankLists, RerankSetting } from "./rerank-tuning.js";

/** [id, score, hit (1 or 0), index into names]. */
type ListRow = [string, number, number, number];

interface RecordedQuestion {
  question: string;
  conversation: string;
  category: number;
  semantic: ListRow[];
  keyword: ListRow[];
  /** [id, semantic score, keyword score]. */
  other: [string, number, number][];
  /** [id, fused score, hit (1 or 0)]. */
  fused: [string, number, number][];
  /** The reranker's scores of the first `rerank.candidates` fused results, scored together. */
  rerank: number[];
  /** 1-based rank of the first result citing evidence in the server's answer; null when none. */
  server: { hybridTop20: number | null; rerankTop10: number | null };
}

export interface ReplayFixture {
  fusion: FusionSetting;
  rerank: RerankSetting;
  /** The names (subject id, title, linked entities) lists refer to by index. */
  names: string[][];
  questions: RecordedQuestion[];
}

/** One question as the replays read it, and where the server put its first hit. */
export interface ReplayQuestion {
  lists: QuestionLists;
  rerankLists: RerankLists;
  /** Infinity when the server's answer held no hit. */
  server: { hybridTop20: number; rerankTop10: number };
}

const float32 = (x: number) => Number(Math.fround(x).toPrecision(9));

export function encodeFixture(fusion: FusionSetting, rerank: RerankSetting, recorded: ReplayQuestion[]): ReplayFixture {
  const names: string[][] = [];
  const nameIndex = new Map<string, number>();
  const nameOf = (entry: ListEntry) => {
    const key = JSON.stringify(entry.names);
    let index = nameIndex.get(key);
    if (index === undefined) {
      index = names.push(entry.names) - 1;
      nameIndex.set(key, index);
    }
    return index;
  };
  const questions = recorded.map(({ lists, rerankLists, server }): RecordedQuestion => {
    const ids = [...new Set([...lists.semantic, ...lists.keyword, ...rerankLists.fused].map((e) => e.id))];
    ids.push(...[...lists.other.keys()].filter((id) => !ids.includes(id)));
    const width = String(ids.length).length;
    const short = new Map(
      ids.sort((a, b) => a.localeCompare(b)).map((id, i) => [id, String(i).padStart(width, "0")] as const),
    );
    const inSemantic = new Set(lists.semantic.map((e) => e.id));
    const inKeyword = new Set(lists.keyword.map((e) => e.id));
    const row = (e: ListEntry): ListRow => [short.get(e.id)!, float32(e.score), e.hit ? 1 : 0, nameOf(e)];
    const scores = rerankLists.rerank.get(rerank.candidates);
    if (scores === undefined) throw new Error(`no rerank scores recorded for ${rerank.candidates} candidates`);
    const rank = (r: number) => (Number.isFinite(r) ? r : null);
    return {
      question: lists.question,
      conversation: lists.conversation,
      category: lists.category,
      semantic: lists.semantic.map(row),
      keyword: lists.keyword.map(row),
      // Read only for a memory one list lacks (fusion-tuning.ts's completed()).
      other: [...lists.other]
        .filter(([id]) => !(inSemantic.has(id) && inKeyword.has(id)))
        .map(([id, s]) => [short.get(id)!, float32(s.semantic), float32(s.keyword)]),
      fused: rerankLists.fused.map((e) => [short.get(e.id)!, float32(e.score), e.hit ? 1 : 0]),
      rerank: scores,
      server: { hybridTop20: rank(server.hybridTop20), rerankTop10: rank(server.rerankTop10) },
    };
  });
  return { fusion, rerank, names, questions };
}

export function decodeFixture(fixture: ReplayFixture): ReplayQuestion[] {
  return fixture.questions.map((q) => {
    const entry = ([id, score, hit, names]: ListRow): ListEntry => ({
      id,
      score,
      hit: hit === 1,
      names: fixture.names[names] ?? [],
    });
    const fused = q.fused.map(([id, score, hit]): FusedEntry => ({ id, score, hit: hit === 1 }));
    const rank = (r: number | null) => r ?? Infinity;
    return {
      lists: {
        question: q.question,
        conversation: q.conversation,
        category: q.category,
        semantic: q.semantic.map(entry),
        keyword: q.keyword.map(entry),
        other: new Map(q.other.map(([id, semantic, keyword]) => [id, { semantic, keyword }])),
      },
      rerankLists: {
        conversation: q.conversation,
        category: q.category,
        fused,
        rerank: new Map([[fixture.rerank.candidates, q.rerank]]),
      },
      server: { hybridTop20: rank(q.server.hybridTop20), rerankTop10: rank(q.server.rerankTop10) },
    };
  });
}
