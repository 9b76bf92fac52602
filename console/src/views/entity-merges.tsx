import { timestampDate } from "@bufbuild/protobuf/wkt";
import { useState } from "preact/hooks";
import type { EntityMerge } from "../../../gen/ts/engram/v1/entity_service_pb.js";
import type { Api } from "../api.js";
import { entityHref, refText } from "../entity-route.js";
import { Field } from "../field.js";

/**
 * The merges in force into the entity (GetEntityResponse.merges, newest first), each with its
 * undo, and a form that merges this entity into another (MergeEntities). A merge moves every
 * mention of this entity to the other, so this page answers NOT_FOUND afterwards: success goes
 * to the other entity's page, where the merge is listed and undone. `attempt` runs a call and
 * shows its error; `onUndone` runs once an undo succeeded, to read the entity again.
 */
export function EntityMerges({
  api,
  entity,
  merges,
  attempt,
  onUndone,
}: {
  api: Api;
  entity: { type: string; id: string };
  merges: readonly EntityMerge[];
  attempt: (action: () => Promise<void>) => Promise<void>;
  onUndone: (merge: EntityMerge) => Promise<void>;
}) {
  // Most merges join two refs of one type (a person under two ids): the type starts as this one's.
  const [into, setInto] = useState({ type: entity.type, id: "" });
  const merge = () =>
    attempt(async () => {
      const reply = await api.entities.mergeEntities({ from: entity, into });
      location.hash = entityHref(reply.merge?.into ?? into);
    });
  const undo = (m: EntityMerge) =>
    attempt(async () => {
      await api.entities.undoEntityMerge({ mergeId: m.id });
      await onUndone(m);
    });
  return (
    <>
      <h2>Merges</h2>
      {merges.length === 0 ? (
        <p class="hint">No other entity is merged into this one.</p>
      ) : (
        <ul class="merges" aria-label="Merged into this entity">
          {merges.map((m) => {
            const when = m.createTime ? timestampDate(m.createTime).toISOString() : undefined;
            return (
              <li key={m.id}>
                <code>{refText(m.from)}</code> merged here on {when ? <time dateTime={when}>{when}</time> : "—"}{" "}
                <button type="button" aria-label={`Undo merge of ${refText(m.from)}`} onClick={() => void undo(m)}>
                  Undo
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <h3>Merge into…</h3>
      <p class="hint">
        The same thing under another ref: every mention of <code>{refText(entity)}</code>, in every memory, names the
        entity below from now on, and so do later writes. Undone from that entity's page.
      </p>
      <form
        aria-label="Merge into another entity"
        onSubmit={(e) => {
          e.preventDefault();
          void merge();
        }}
      >
        <Field label="Into type" value={into.type} onInput={(type) => setInto({ ...into, type })} />
        <Field label="Into id" value={into.id} onInput={(id) => setInto({ ...into, id })} />
        <button type="submit" disabled={into.type === "" || into.id === ""}>
          Merge
        </button>
      </form>
    </>
  );
}
