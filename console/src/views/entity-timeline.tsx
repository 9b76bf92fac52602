import { timestampDate } from "@bufbuild/protobuf/wkt";
import { useEffect, useState } from "preact/hooks";
import type { Memory } from "../../../gen/ts/engram/v1/memory_pb.js";
import { shownError, type Api, type ShownError } from "../api.js";
import { StateBadge } from "../badges.js";
import { sameRef } from "../entity-route.js";
import { ErrorBox } from "../error-box.js";
import { mergedFromText, Mentions, roleText } from "../mentions.js";

const PAGE_SIZE = 20;
const SNIPPET_LENGTH = 160;

/**
 * The memories that mention the entity, newest first, by day (UTC), each with how it mentions
 * the entity and what else it mentions. Paged through ListMemories' mentions filter rather than
 * GetEntity's memories, which stop at 100. `version` changes when the page changed the entity.
 */
export function EntityTimeline({
  api,
  entity,
  version,
}: {
  api: Api;
  entity: { type: string; id: string };
  version: number;
}) {
  const [memories, setMemories] = useState<Memory[] | null>(null);
  const [next, setNext] = useState("");
  const [error, setError] = useState<ShownError | null>(null);

  const load = async (pageToken: string, shown: Memory[]) => {
    setError(null);
    try {
      const reply = await api.memories.listMemories({
        filter: { mentions: entity },
        orderBy: "create_time desc",
        pageSize: PAGE_SIZE,
        pageToken,
      });
      setMemories([...shown, ...reply.memories]);
      setNext(reply.nextPageToken);
    } catch (err) {
      setError(shownError(err));
    }
  };
  useEffect(() => {
    void load("", []);
  }, [api, entity.type, entity.id, version]);

  return (
    <>
      <h2>Memories</h2>
      <ErrorBox error={error} />
      {memories !== null && memories.length === 0 && <p>No memory you can read mentions it now.</p>}
      {memories !== null && memories.length > 0 && (
        <ol class="timeline" aria-label="Memories, newest first">
          {byDay(memories).map(([day, ofDay]) => (
            <li key={day}>
              <h3>
                <time>{day}</time>
              </h3>
              <ol>
                {ofDay.map((m) => (
                  <Entry key={m.id} memory={m} entity={entity} />
                ))}
              </ol>
            </li>
          ))}
        </ol>
      )}
      {next !== "" && memories !== null && (
        <button type="button" onClick={() => void load(next, memories)}>
          Load more
        </button>
      )}
    </>
  );
}

/** Consecutive memories of the same UTC day together; the list is already newest first. */
function byDay(memories: Memory[]): [string, Memory[]][] {
  const days: [string, Memory[]][] = [];
  for (const m of memories) {
    const day = m.createTime ? timestampDate(m.createTime).toISOString().slice(0, 10) : "undated";
    const last = days.at(-1);
    if (last?.[0] === day) last[1].push(m);
    else days.push([day, [m]]);
  }
  return days;
}

function Entry({ memory: m, entity }: { memory: Memory; entity: { type: string; id: string } }) {
  const text = m.title || m.content;
  const here = m.mentions.filter((x) => sameRef(x.entity, entity));
  const roles = [...new Set(here.map(roleText))];
  // A merge into this entity brought the memory here: which entity it named before.
  const was = [...new Set(here.flatMap((x) => mergedFromText(x) ?? []))];
  return (
    <li>
      <div class="timeline-head">
        {m.createTime && <time>{timestampDate(m.createTime).toISOString().slice(11, 19)}</time>}
        <a href={`#/memories/${m.id}`}>
          {text.length <= SNIPPET_LENGTH ? text : `${text.slice(0, SNIPPET_LENGTH - 1).trimEnd()}…`}
        </a>
        <StateBadge state={m.state} />
      </div>
      <p class="hint">
        {m.kind} · {m.subjectType}
        {m.subjectId && `/${m.subjectId}`}
        {roles.length > 0 && ` · here as ${roles.join(", ")}`}
        {was.length > 0 && ` (was ${was.join(", ")})`}
      </p>
      <Mentions mentions={m.mentions} except={entity} />
    </li>
  );
}
