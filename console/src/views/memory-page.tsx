import type { JsonObject } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { useEffect, useState } from "preact/hooks";
import { MemoryState, Visibility, type Memory } from "../../../gen/ts/engram/v1/memory_pb.js";
import { shownError, type Api, type ShownError } from "../api.js";
import { EmbeddingBadge, StateBadge } from "../badges.js";
import { ErrorBox } from "../error-box.js";
import { Field, listOf, Section, Select } from "../field.js";
import { Mentions } from "../mentions.js";
import { MemoryHistory } from "./memory-history.js";

/** The editable fields, as the form holds them. */
interface Draft {
  title: string;
  content: string;
  kind: string;
  tags: string;
  visibility: string;
  confidence: string;
  metadata: string;
}

function draftOf(m: Memory): Draft {
  return {
    title: m.title,
    content: m.content,
    kind: m.kind,
    tags: m.tags.join(", "),
    visibility: String(m.visibility),
    confidence: String(m.confidence ?? 1),
    metadata: JSON.stringify(m.metadata ?? {}, null, 2),
  };
}

/** The proto field name of each form field, for the update mask. */
const MASK_PATHS: Record<keyof Draft, string> = {
  title: "title",
  content: "content",
  kind: "kind",
  tags: "tags",
  visibility: "visibility",
  confidence: "confidence",
  metadata: "metadata",
};

/**
 * Every field, and edit (exactly the changed fields, with the etag), delete and undelete, undo
 * a supersession, and the memory's history.
 */
export function MemoryPage({ api, id }: { api: Api; id: string }) {
  const [memory, setMemory] = useState<Memory | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<ShownError | null>(null);
  const [notice, setNotice] = useState("");

  const show = (m: Memory | undefined) => {
    if (m === undefined) return;
    setMemory(m);
    setDraft(draftOf(m));
  };
  const attempt = async (action: () => Promise<void>) => {
    setError(null);
    setNotice("");
    try {
      await action();
    } catch (err) {
      setError(shownError(err));
    }
  };
  useEffect(() => {
    void attempt(async () => show((await api.memories.getMemory({ id })).memory));
  }, [api, id]);

  if (memory === null || draft === null) {
    return (
      <Section title="Memory">
        <ErrorBox error={error} />
      </Section>
    );
  }
  const original = draftOf(memory);
  const changed = (Object.keys(MASK_PATHS) as (keyof Draft)[]).filter((f) => draft[f] !== original[f]);
  const save = () =>
    attempt(async () => {
      let metadata: JsonObject;
      try {
        metadata = JSON.parse(draft.metadata) as JsonObject;
      } catch {
        throw new Error("metadata is not valid JSON");
      }
      const reply = await api.memories.updateMemory({
        id,
        etag: memory.etag,
        updateMask: { paths: changed.map((f) => MASK_PATHS[f]) },
        memory: {
          title: draft.title,
          content: draft.content,
          kind: draft.kind,
          tags: listOf(draft.tags),
          visibility: Number(draft.visibility) as Visibility,
          confidence: Number(draft.confidence),
          metadata,
        },
      });
      show(reply.memory);
      setNotice(`Saved: ${changed.join(", ")}`);
    });
  const set = (name: keyof Draft) => (value: string) => setDraft({ ...draft, [name]: value });
  const deleted = memory.state === MemoryState.DELETED;
  const superseded = memory.state === MemoryState.SUPERSEDED;

  return (
    <Section title="Memory">
      <ErrorBox error={error} />
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <dl class="fields">
        <dt>Id</dt>
        <dd>
          <code>{memory.id}</code>
        </dd>
        <dt>State</dt>
        <dd>
          <StateBadge state={memory.state} /> <EmbeddingBadge status={memory.embeddingStatus} />
        </dd>
        <dt>Subject</dt>
        <dd>
          {memory.subjectType}
          {memory.subjectId && `/${memory.subjectId}`}
        </dd>
        <dt>Agent</dt>
        <dd>{memory.agentId || "—"}</dd>
        <dt>Key</dt>
        <dd>{memory.key || "—"}</dd>
        <dt>Revision</dt>
        <dd>{String(memory.revision)}</dd>
        <dt>Etag</dt>
        <dd>
          <code>{memory.etag}</code>
        </dd>
        <dt>Created</dt>
        <dd>{memory.createTime && timestampDate(memory.createTime).toISOString()}</dd>
        <dt>Updated</dt>
        <dd>{memory.updateTime && timestampDate(memory.updateTime).toISOString()}</dd>
        <dt>Valid from</dt>
        <dd>{memory.validFrom && timestampDate(memory.validFrom).toISOString()}</dd>
        <dt>Valid until</dt>
        <dd>{memory.validUntil ? timestampDate(memory.validUntil).toISOString() : "still holds"}</dd>
        {memory.supersededBy && (
          <>
            <dt>Superseded by</dt>
            <dd>
              <a href={`#/memories/${memory.supersededBy}`}>{memory.supersededBy}</a>
            </dd>
          </>
        )}
        {memory.forgetReason && (
          <>
            <dt>Forget reason</dt>
            <dd>{memory.forgetReason}</dd>
          </>
        )}
        <dt>Linked entities</dt>
        <dd>
          {memory.linkedEntities.length === 0 ? "—" : memory.linkedEntities.map((e) => `${e.type}:${e.id}`).join(", ")}
        </dd>
        <dt>Mentions</dt>
        <dd>{memory.mentions.length === 0 ? "—" : <Mentions mentions={memory.mentions} labelled={false} />}</dd>
        <dt>Metadata</dt>
        <dd>
          <pre>{JSON.stringify(memory.metadata ?? {}, null, 2)}</pre>
        </dd>
      </dl>

      {superseded && (
        <>
          <h2>Supersession</h2>
          <p>A newer memory replaced this one: lists and searches leave it out.</p>
          <button
            type="button"
            onClick={() =>
              void attempt(async () => {
                show((await api.memories.unsupersedeMemory({ id })).memory);
                setNotice("Supersession undone");
              })
            }
          >
            Undo supersession
          </button>
        </>
      )}

      <h2>Edit</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <Field label="Title" value={draft.title} onInput={set("title")} />
        <Field label="Content" value={draft.content} onInput={set("content")} multiline />
        <Field label="Kind" value={draft.kind} onInput={set("kind")} />
        <Field label="Tags (comma-separated)" value={draft.tags} onInput={set("tags")} />
        <Select
          label="Visibility"
          value={draft.visibility}
          options={[
            [String(Visibility.PRIVATE), "Private"],
            [String(Visibility.SHARED), "Shared"],
          ]}
          onChange={set("visibility")}
        />
        <Field label="Confidence" numeric value={draft.confidence} onInput={set("confidence")} />
        <Field label="Metadata (JSON)" value={draft.metadata} onInput={set("metadata")} multiline />
        <button type="submit" disabled={changed.length === 0 || deleted}>
          Save changes
        </button>
      </form>

      <h2>{deleted ? "Restore" : "Delete"}</h2>
      {deleted ? (
        <button
          type="button"
          onClick={() => void attempt(async () => show((await api.memories.undeleteMemory({ id })).memory))}
        >
          Undelete
        </button>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void attempt(async () => show((await api.memories.deleteMemory({ id, reason, etag: memory.etag })).memory));
          }}
        >
          <Field label="Reason for deleting" value={reason} onInput={setReason} />
          <button type="submit" class="danger">
            Delete
          </button>
        </form>
      )}

      <MemoryHistory api={api} id={id} revision={memory.revision} />
    </Section>
  );
}
