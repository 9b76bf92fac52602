import { toJson, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Fragment } from "preact";
import { useEffect, useState } from "preact/hooks";
import { MemoryChange, MemorySchema, type MemoryRevision } from "../../../gen/ts/engram/v1/memory_pb.js";
import { shownError, type Api, type ShownError } from "../api.js";
import { ErrorBox } from "../error-box.js";

const CHANGES: Record<MemoryChange, string> = {
  [MemoryChange.UNSPECIFIED]: "Changed",
  [MemoryChange.CREATED]: "Created",
  [MemoryChange.UPDATED]: "Updated",
  [MemoryChange.UPSERTED]: "Replaced by a keyed write",
  [MemoryChange.REVIVED]: "Revived by a keyed write",
  [MemoryChange.MERGED]: "Merged with a duplicate",
  [MemoryChange.DELETED]: "Deleted",
  [MemoryChange.UNDELETED]: "Undeleted",
  [MemoryChange.SUPERSEDED]: "Superseded",
  [MemoryChange.UNSUPERSEDED]: "Supersession undone",
  [MemoryChange.EXPIRED]: "Expired",
  [MemoryChange.IMPORTED]: "Imported",
  // Never a revision: an erased memory has no history left to show.
  [MemoryChange.ERASED]: "Erased",
};

/**
 * The memory's revisions, newest first, each with what changed. `revision` is the memory's
 * current one: every change the page makes raises it, and the timeline reloads to show it.
 */
export function MemoryHistory({ api, id, revision }: { api: Api; id: string; revision: bigint }) {
  const [revisions, setRevisions] = useState<MemoryRevision[] | null>(null);
  const [next, setNext] = useState("");
  const [error, setError] = useState<ShownError | null>(null);

  const load = async (pageToken: string, shown: MemoryRevision[]) => {
    setError(null);
    try {
      const reply = await api.memories.listMemoryRevisions({ id, pageSize: 20, pageToken });
      setRevisions([...shown, ...reply.revisions]);
      setNext(reply.nextPageToken);
    } catch (err) {
      setError(shownError(err));
    }
  };
  useEffect(() => {
    void load("", []);
  }, [api, id, revision]);

  return (
    <>
      <h2>History</h2>
      <ErrorBox error={error} />
      {revisions !== null && revisions.length === 0 && <p>No revisions recorded.</p>}
      {revisions !== null && revisions.length > 0 && (
        <ol class="history">
          {revisions.map((r) => (
            <Entry key={String(r.revision)} revision={r} />
          ))}
        </ol>
      )}
      {next !== "" && revisions !== null && (
        <button type="button" onClick={() => void load(next, revisions)}>
          Load more
        </button>
      )}
    </>
  );
}

function Entry({ revision: r }: { revision: MemoryRevision }) {
  // Keyed by proto field name, the names changed_fields uses; a field set to its default is absent.
  const after = r.memory ? (toJson(MemorySchema, r.memory, { useProtoFieldName: true }) as JsonObject) : {};
  return (
    <li>
      <div class="history-head">
        <span>Revision {String(r.revision)}</span>
        <strong>{CHANGES[r.change]}</strong>
        {r.changeTime && <time>{timestampDate(r.changeTime).toISOString()}</time>}
      </div>
      <p class="hint">
        {r.keyId ? (
          <>
            By key <code>{r.keyId}</code>
          </>
        ) : (
          "By the server"
        )}
        {r.agentId && (
          <>
            {" "}
            as agent <code>{r.agentId}</code>
          </>
        )}
      </p>
      {r.reason && <p>Reason: {r.reason}</p>}
      {r.changedFields.length > 0 && (
        <dl class="fields changes">
          {r.changedFields.map((field) => (
            <Fragment key={field}>
              <dt>
                <code>{field}</code>
              </dt>
              <dd>{shownValue(field, after[field])}</dd>
            </Fragment>
          ))}
        </dl>
      )}
    </li>
  );
}

/**
 * A field's new value as text: strings as they are, enum values as the word the badges use
 * ("superseded", not "MEMORY_STATE_SUPERSEDED"), the rest as JSON; "(cleared)" when unset.
 */
function shownValue(field: string, value: JsonValue | undefined): string {
  if (value === undefined) return "(cleared)";
  if (typeof value !== "string") return JSON.stringify(value);
  const desc = MemorySchema.fields.find((f) => f.name === field);
  if (desc?.fieldKind !== "enum") return value;
  return desc.enum.values.find((v) => v.name === value)?.localName.toLowerCase() ?? value;
}
