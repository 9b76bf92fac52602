import "../entities.css";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { useEffect, useState } from "preact/hooks";
import type { Entity, EntityMerge } from "../../../gen/ts/engram/v1/entity_service_pb.js";
import { shownError, type Api, type ShownError } from "../api.js";
import { entityHref, refText } from "../entity-route.js";
import { ErrorBox } from "../error-box.js";
import { Section } from "../field.js";
import { EntityEdit } from "./entity-edit.js";
import { EntityGraph } from "./entity-graph.js";
import { EntityMerges } from "./entity-merges.js";
import { EntityTimeline } from "./entity-timeline.js";

/**
 * One entity (GetEntity): what is known of it, its graph and its memories as a timeline, and
 * its name and aliases to edit, the merges into it to undo and a merge into another to make.
 * Reached from any memory's mentions and from the graph's nodes.
 */
export function EntityPage({ api, entity: ref }: { api: Api; entity: { type: string; id: string } }) {
  const [entity, setEntity] = useState<Entity | null>(null);
  const [merges, setMerges] = useState<EntityMerge[]>([]);
  const [error, setError] = useState<ShownError | null>(null);
  const [notice, setNotice] = useState("");
  // Raised by every change made here, so the graph and the timeline read it again.
  const [version, setVersion] = useState(0);

  const attempt = async (action: () => Promise<void>) => {
    setError(null);
    setNotice("");
    try {
      await action();
    } catch (err) {
      setError(shownError(err));
    }
  };
  const read = async () => {
    // The timeline pages its memories itself: one is the least GetEntity sends.
    const reply = await api.entities.getEntity({ ...ref, memoryLimit: 1 });
    setEntity(reply.entity ?? null);
    setMerges(reply.merges);
  };
  useEffect(() => {
    setEntity(null);
    void attempt(read);
  }, [api, ref.type, ref.id]);

  if (entity === null) {
    return (
      <Section title="Entity">
        <p>
          <code>{refText(ref)}</code>
        </p>
        <ErrorBox error={error} />
      </Section>
    );
  }
  const time = (t: Entity["firstSeen"]) => (t ? timestampDate(t).toISOString() : "—");
  return (
    <Section title={entity.name || ref.id}>
      <ErrorBox error={error} />
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <dl class="fields">
        <dt>Entity</dt>
        <dd>
          <code>{refText(entity.ref ?? ref)}</code>
        </dd>
        <dt>Aliases</dt>
        <dd>
          {entity.aliases.length === 0 ? (
            "—"
          ) : (
            <ul class="aliases" aria-label="Aliases">
              {entity.aliases.map((a) => (
                <li key={a}>{a}</li>
              ))}
            </ul>
          )}
        </dd>
        <dt>Attributes</dt>
        <dd>
          <pre>{JSON.stringify(entity.attributes ?? {}, null, 2)}</pre>
        </dd>
        <dt>Mentioned by</dt>
        <dd>{entity.mentionCount === 1n ? "1 memory" : `${entity.mentionCount} memories`}</dd>
        <dt>First seen</dt>
        <dd>{time(entity.firstSeen)}</dd>
        <dt>Last seen</dt>
        <dd>{time(entity.lastSeen)}</dd>
      </dl>
      <EntityGraph api={api} entity={ref} version={version} />
      <EntityTimeline api={api} entity={ref} version={version} />
      <EntityEdit
        api={api}
        entity={entity}
        attempt={attempt}
        onSaved={(saved, changed) => {
          setEntity(saved);
          setVersion((v) => v + 1);
          setNotice(`Saved: ${changed.join(", ")}`);
        }}
      />
      <EntityMerges
        api={api}
        entity={ref}
        merges={merges}
        attempt={attempt}
        onUndone={async (undone) => {
          try {
            await read();
          } catch (err) {
            // An entity that existed only through the merge (`into` need not exist first) is gone
            // again: the one it was merged from is where the memories are.
            if (ConnectError.from(err).code !== Code.NotFound || undone.from === undefined) throw err;
            location.hash = entityHref(undone.from);
            return;
          }
          setVersion((v) => v + 1);
          setNotice(`Undone: ${refText(undone.from)} is an entity of its own again`);
        }}
      />
    </Section>
  );
}
