import { readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";

/** One observation of a LoCoMo conversation: a fact about a speaker, with the turns it came from. */
export interface Observation {
  speaker: string;
  fact: string;
  diaIds: string[];
}

/** A question the benchmark asks: categories 1-4 with evidence (5, adversarial, is skipped). */
export interface Question {
  question: string;
  category: number;
  evidence: string[];
}

export interface Conversation {
  /** The file's name without .json, e.g. conv-26. */
  id: string;
  observations: Observation[];
  questions: Question[];
}

interface RawConversation {
  qa?: { question: string; category: number; evidence?: string[] }[];
  [key: string]: unknown;
}

type RawObservations = Record<string, [string, string | string[]][]>;

const OBSERVATION_KEY = /^session_(\d+)_observation$/;

/** Reads every conv-*.json of the LoCoMo directory, in name order. Ids are taken as the data gives them. */
export async function loadLocomo(dir: string): Promise<Conversation[]> {
  const files = (await readdir(dir)).filter((f) => /^conv-.*\.json$/.test(f)).sort();
  if (files.length === 0) throw new Error(`no conv-*.json files in ${dir}`);
  return Promise.all(
    files.map(async (file) => {
      const raw = JSON.parse(await readFile(join(dir, file), "utf8")) as RawConversation;
      return { id: basename(file, ".json"), observations: observationsOf(raw), questions: questionsOf(raw) };
    }),
  );
}

function observationsOf(raw: RawConversation): Observation[] {
  const sessions = Object.keys(raw)
    .map((key) => ({ key, session: Number(OBSERVATION_KEY.exec(key)?.[1]) }))
    .filter((s) => !Number.isNaN(s.session))
    .sort((a, b) => a.session - b.session);
  return sessions.flatMap(({ key }) =>
    Object.entries(raw[key] as RawObservations).flatMap(([speaker, facts]) =>
      facts.map(([fact, ids]) => ({ speaker, fact, diaIds: Array.isArray(ids) ? ids : [ids] })),
    ),
  );
}

function questionsOf(raw: RawConversation): Question[] {
  return (raw.qa ?? [])
    .filter((q) => q.category >= 1 && q.category <= 4 && (q.evidence ?? []).length > 0)
    .map((q) => ({ question: q.question, category: q.category, evidence: q.evidence! }));
}
