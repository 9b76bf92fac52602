import { useState } from "preact/hooks";
import { SearchMode, type SearchMemoriesResponse } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { shownError, type Api, type ShownError } from "../api.js";
import { StateBadge } from "../badges.js";
import { ErrorBox } from "../error-box.js";
import { Field, Section, Select } from "../field.js";
import { Mentions } from "../mentions.js";

const MODES = [
  [String(SearchMode.HYBRID), "Hybrid"],
  [String(SearchMode.SEMANTIC), "Semantic"],
  [String(SearchMode.KEYWORD), "Keyword"],
] as const;

/** Results appear as the stream delivers them, each with its score and the two parts of it. */
export function Search({ api }: { api: Api }) {
  const [query, setQuery] = useState("");
  const [mode, setMode] = useState<string>(MODES[0][0]);
  const [topK, setTopK] = useState("10");
  const [minScore, setMinScore] = useState("0");
  const [results, setResults] = useState<SearchMemoriesResponse[] | null>(null);
  const [error, setError] = useState<ShownError | null>(null);

  const run = async (event: Event) => {
    event.preventDefault();
    setError(null);
    const found: SearchMemoriesResponse[] = [];
    setResults(found);
    try {
      const stream = api.memories.searchMemories({
        query,
        mode: Number(mode) as SearchMode,
        topK: Number(topK),
        minScore: Number(minScore),
      });
      for await (const result of stream) {
        found.push(result);
        setResults([...found]);
      }
    } catch (err) {
      setError(shownError(err));
    }
  };

  const ran = results?.[0]?.mode;
  return (
    <Section title="Search">
      <form class="search-form" onSubmit={(e) => void run(e)}>
        <Field label="Query" value={query} onInput={setQuery} />
        <Select label="Mode" value={mode} options={MODES} onChange={setMode} />
        <Field label="Top k" numeric value={topK} onInput={setTopK} />
        <Field label="Minimum score" numeric value={minScore} onInput={setMinScore} />
        <button type="submit">Search</button>
      </form>
      <ErrorBox error={error} />
      {results !== null && (
        <>
          <p aria-live="polite">
            {results.length} results{ran !== undefined && ` (${SearchMode[ran].toLowerCase()} search)`}
          </p>
          <ol class="results">
            {results.map((r) => (
              <li key={r.memory?.id}>
                <div class="result-head">
                  <span class="rank">#{r.rank}</span>
                  <a href={`#/memories/${r.memory?.id}`}>{r.memory?.title || r.memory?.content}</a>
                  {r.memory && <StateBadge state={r.memory.state} />}
                </div>
                <Bar label="score" value={r.score} />
                <Bar label="semantic" value={r.semanticScore} />
                <Bar label="keyword" value={r.keywordScore} />
                {r.memory && <Mentions mentions={r.memory.mentions} />}
              </li>
            ))}
          </ol>
        </>
      )}
    </Section>
  );
}

/** A 0..1 score as a meter, so a person sees which part ranked the memory. */
function Bar({ label, value }: { label: string; value: number }) {
  return (
    <div class="bar">
      <span class="bar-label">{label}</span>
      <meter min={0} max={1} value={value} aria-label={`${label} score`} />
      <span class="bar-value">{value.toFixed(2)}</span>
    </div>
  );
}
