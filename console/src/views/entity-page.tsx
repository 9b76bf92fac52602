import "../entities.css";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { useEffect, useState } from "preact/hooks";
import type { Entity } from "../../../gen/ts/engram/v1/entity_service_pb.js";
import { shownError, type Api, type ShownError } from "../api.js";
import { refText } from "../entity-route.js";
import { ErrorBox } from "../error-box.js";
import { Section } from "../field.js";
import { EntityEdit } from "./entity-edit.js";
import { EntityGraph } from "./entity-graph.js";
import { EntityTimeline } from "./entity-timeline.js";

/**
 * One entity (GetEntity): what is known of it, its graph and its memories as a timeline, and
 * its name and aliases to edit. Reached from any memory's mentions and from the graph's nodes.
 */
export function EntityPage({ api, entity: ref }: { api: Api; entity: { type: string; id: string } }) {
  const [entity, setEntity] = useState<Entity | null>(null);
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
  useEffect(() => {
    setEntity(null);
    // The timeline pages its memories itself: one is the least GetEntity sends.
    void attempt(async () => setEntity((await api.entities.getEntity({ ...ref, memoryLimit: 1 })).entity ?? null));
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
    </Section>
  );
}
