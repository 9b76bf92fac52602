import { timestampDate } from "@bufbuild/protobuf/wkt";
import { useState } from "preact/hooks";
import { MemoryChange } from "../../../gen/ts/engram/v1/memory_pb.js";
import type { ChangeEvent } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import type { Api } from "../api.js";
import { ChangeBadge } from "../badges.js";
import { MAX_CHANGES, useChangeFeed, type Feed, type FeedStatus, type WatchFilter } from "../change-feed.js";
import { ErrorBox } from "../error-box.js";
import { Checkbox, Field, listOf, Section } from "../field.js";
import { Mentions } from "../mentions.js";

const EMPTY_FILTER = {
  agentId: "",
  subjectType: "",
  subjectId: "",
  kinds: "",
  tags: "",
  showDeleted: false,
  includeSuperseded: false,
};

type FilterForm = typeof EMPTY_FILTER;

function watchFilter(form: FilterForm): WatchFilter {
  return { ...form, kinds: listOf(form.kinds), tags: listOf(form.tags) };
}

/** A memory's content is often paragraphs: the feed shows the start of it. */
const SNIPPET_LENGTH = 120;

/**
 * The workspace's changes as they are committed (WatchMemories), newest on top. Applying a
 * filter starts a new feed from now; a dropped connection resumes where it left off.
 */
export function Live({ api }: { api: Api }) {
  const [form, setForm] = useState(EMPTY_FILTER);
  // A new object restarts the stream, so typing alone does not: only Apply does.
  const [watched, setWatched] = useState<WatchFilter>(() => watchFilter(EMPTY_FILTER));
  const feed = useChangeFeed(api, watched);
  const set = (name: keyof FilterForm) => (value: string | boolean) => setForm({ ...form, [name]: value });

  return (
    <Section title="Live">
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setWatched(watchFilter(form));
        }}
      >
        <Field label="Agent" value={form.agentId} onInput={set("agentId")} />
        <Field label="Subject type" value={form.subjectType} onInput={set("subjectType")} />
        <Field label="Subject id" value={form.subjectId} onInput={set("subjectId")} />
        <Field label="Kinds (comma-separated)" value={form.kinds} onInput={set("kinds")} />
        <Field label="All of these tags" value={form.tags} onInput={set("tags")} />
        <Checkbox label="Show deleted" checked={form.showDeleted} onChange={set("showDeleted")} />
        <Checkbox label="Include superseded" checked={form.includeSuperseded} onChange={set("includeSuperseded")} />
        <button type="submit">Apply filters</button>
      </form>
      <p class="hint">
        Deleting, expiring or superseding a matching memory always shows; later changes to such a memory only when asked
        for above.
      </p>
      <FeedState feed={feed} />
      <ChangeList changes={feed.changes} />
    </Section>
  );
}

function FeedState({ feed }: { feed: Feed }) {
  const { status, cursor, expiredCursor } = feed;
  return (
    <>
      <div class="feed-state">
        <p role="status" class={`connection connection-${status.state}`}>
          {statusText(status)}
        </p>
        <p class="hint">
          Cursor <code>{cursor || "—"}</code>
        </p>
      </div>
      {(status.state === "reconnecting" || status.state === "stopped") && (
        // A retried failure is routine: only the one that stops the feed interrupts a screen reader.
        <ErrorBox error={status.error} announce={status.state === "stopped"} />
      )}
      {expiredCursor !== null && (
        <p class="notice warning" role="alert">
          The change log no longer reaches back to cursor <code>{expiredCursor}</code>, so the feed restarted from now:
          changes made while it was disconnected are not listed. Browse shows every memory as it is now.
        </p>
      )}
    </>
  );
}

function statusText(status: FeedStatus): string {
  switch (status.state) {
    case "connecting":
      return "Connecting…";
    case "live":
      return "Live: new changes appear at the top";
    case "reconnecting":
      return `Reconnecting in ${Math.round(status.retryMs / 1000)} s, from the last cursor`;
    case "stopped":
      return "Stopped: fix the cause below, then apply the filters again";
  }
}

function ChangeList({ changes }: { changes: ChangeEvent[] }) {
  if (changes.length === 0) return <p>No changes yet.</p>;
  return (
    <>
      <p class="hint">
        {changes.length === 1 ? "1 change" : `${changes.length} changes`}, newest first
        {changes.length === MAX_CHANGES && ` (the latest ${MAX_CHANGES}; older ones were dropped)`}
      </p>
      <ol class="feed" aria-label="Changes">
        {changes.map((change) => (
          <Entry key={change.cursor} change={change} />
        ))}
      </ol>
    </>
  );
}

function Entry({ change: c }: { change: ChangeEvent }) {
  const m = c.memory;
  return (
    <li>
      <div class="feed-head">
        <ChangeBadge change={c.change} />
        {c.change === MemoryChange.ERASED ? (
          <span>
            Memory <code>{m?.id}</code> was erased
          </span>
        ) : m ? (
          <a href={`#/memories/${m.id}`}>{snippet(m.title || m.content)}</a>
        ) : (
          <span>(memory not sent)</span>
        )}
        {c.changeTime && <time>{timestampDate(c.changeTime).toISOString()}</time>}
      </div>
      <p class="hint">
        Revision {String(c.revision)}
        {m && (
          <>
            {" · "}
            {m.subjectType}
            {m.subjectId && `/${m.subjectId}`} · {m.kind}
          </>
        )}
        {" · "}
        {c.keyId ? (
          <>
            by key <code>{c.keyId}</code>
          </>
        ) : (
          "by the server"
        )}
        {c.agentId && (
          <>
            {" "}
            as agent <code>{c.agentId}</code>
          </>
        )}
      </p>
      {c.reason && <p class="feed-reason">Reason: {c.reason}</p>}
      {m && <Mentions mentions={m.mentions} />}
    </li>
  );
}

function snippet(text: string): string {
  return text.length <= SNIPPET_LENGTH ? text : `${text.slice(0, SNIPPET_LENGTH - 1).trimEnd()}…`;
}
