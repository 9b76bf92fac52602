import type { JsonObject } from "@bufbuild/protobuf";
import { useEffect, useState } from "preact/hooks";
import type { Entity } from "../../../gen/ts/engram/v1/entity_service_pb.js";
import type { Api } from "../api.js";
import { Field, listOf } from "../field.js";

/** The editable fields as the form holds them; the keys are UpdateEntity's mask paths. */
interface Draft {
  name: string;
  aliases: string;
  attributes: string;
}

function draftOf(e: Entity): Draft {
  return {
    name: e.name,
    aliases: e.aliases.join(", "),
    attributes: JSON.stringify(e.attributes ?? {}, null, 2),
  };
}

/**
 * Name, aliases and attributes (UpdateEntity), sending exactly the fields changed: a name found
 * in content that matches an alias mentions this entity from then on, so aliases matter.
 * `attempt` runs the call and shows its error; `onSaved` gets the entity as it now is.
 */
export function EntityEdit({
  api,
  entity,
  attempt,
  onSaved,
}: {
  api: Api;
  entity: Entity;
  attempt: (action: () => Promise<void>) => Promise<void>;
  onSaved: (entity: Entity, changed: string[]) => void;
}) {
  const [draft, setDraft] = useState(draftOf(entity));
  useEffect(() => setDraft(draftOf(entity)), [entity]);
  const original = draftOf(entity);
  const changed = (Object.keys(original) as (keyof Draft)[]).filter((f) => draft[f] !== original[f]);
  const set = (name: keyof Draft) => (value: string) => setDraft({ ...draft, [name]: value });
  const save = () =>
    attempt(async () => {
      let attributes: JsonObject;
      try {
        attributes = JSON.parse(draft.attributes) as JsonObject;
      } catch {
        throw new Error("attributes is not valid JSON");
      }
      const reply = await api.entities.updateEntity({
        type: entity.ref?.type,
        id: entity.ref?.id,
        entity: { name: draft.name, aliases: listOf(draft.aliases), attributes },
        updateMask: { paths: changed },
      });
      if (reply.entity) onSaved(reply.entity, changed);
    });
  return (
    <>
      <h2>Edit</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <Field label="Name" value={draft.name} onInput={set("name")} />
        <Field label="Aliases (comma-separated)" value={draft.aliases} onInput={set("aliases")} />
        <Field label="Attributes (JSON)" value={draft.attributes} onInput={set("attributes")} multiline />
        <button type="submit" disabled={changed.length === 0}>
          Save entity
        </button>
      </form>
    </>
  );
}
