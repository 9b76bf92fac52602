import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { useEffect, useId, useRef, useState } from "preact/hooks";
import type { GetEntityGraphResponse } from "../../../gen/ts/engram/v1/entity_service_pb.js";
import { shownError, type Api, type ShownError } from "../api.js";
import { refText } from "../entity-route.js";
import { ErrorBox } from "../error-box.js";
import { Checkbox, Select } from "../field.js";
import { displayName, GraphPicture, typeClasses } from "../graph-picture.js";

const DEPTHS = [
  ["1", "1 relation away"],
  ["2", "2 relations away"],
  ["3", "3 relations away"],
] as const;

/**
 * The entity's neighbourhood (GetEntityGraph), redrawn as its controls change: how far to look,
 * which relations to follow, and when. `version` changes when the page changed the entity.
 */
export function EntityGraph({
  api,
  entity,
  version,
}: {
  api: Api;
  entity: { type: string; id: string };
  version: number;
}) {
  const [depth, setDepth] = useState<string>(DEPTHS[0][0]);
  // The predicates ticked; none ticked follows every relation, as the API does with none given.
  const [picked, setPicked] = useState<string[]>([]);
  // "YYYY-MM-DDTHH:MM:SS" in UTC, the time the rest of the console shows; empty: now.
  const [asOf, setAsOf] = useState("");
  // Every predicate any answer had: once a filter hides some, they stay available to tick.
  const [known, setKnown] = useState<string[]>([]);
  // The answer drawn, with the depth and time it was asked for: the summary describes what is
  // drawn, not controls whose answer has yet to arrive.
  const [shown, setShown] = useState<Shown | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  // Controls change faster than answers arrive: only the last request's answer is drawn.
  const latest = useRef(0);
  const asOfId = useId();

  useEffect(() => {
    const call = ++latest.current;
    const fail = (err: unknown) => {
      if (call !== latest.current) return;
      setShown(null);
      setError(shownError(err));
    };
    setError(null);
    const when = new Date(`${asOf}Z`);
    if (asOf !== "" && Number.isNaN(when.getTime())) {
      fail(new Error(`"${asOf}" is not a time`));
      return;
    }
    const time = asOf === "" ? undefined : { asOf: timestampFromDate(when) };
    api.entities.getEntityGraph({ ...entity, depth: Number(depth), predicates: picked, time }).then((reply) => {
      if (call !== latest.current) return;
      setShown({ graph: reply, depth, asOf: time === undefined ? null : when });
      setKnown((k) => [...new Set([...k, ...reply.edges.map((e) => e.predicate)])].sort());
    }, fail);
  }, [api, entity.type, entity.id, depth, picked, asOf, version]);

  const toggle = (predicate: string) => (on: boolean) =>
    setPicked(on ? [...picked, predicate].sort() : picked.filter((p) => p !== predicate));
  const types = [...typeClasses(shown?.graph.entities ?? [])];
  return (
    <>
      <h2>Graph</h2>
      <form class="graph-controls" onSubmit={(e) => e.preventDefault()}>
        <Select label="Depth" value={depth} options={DEPTHS} onChange={setDepth} />
        <div class="field">
          <label for={asOfId}>As of (UTC; empty: now)</label>
          <input
            id={asOfId}
            type="datetime-local"
            step={1}
            value={asOf}
            onChange={(e) => setAsOf(e.currentTarget.value)}
          />
        </div>
        <button type="button" disabled={asOf === ""} onClick={() => setAsOf("")}>
          Now
        </button>
        {known.length > 0 && (
          <fieldset>
            <legend>Only these relations (none ticked: all)</legend>
            {known.map((p) => (
              <Checkbox key={p} label={p} checked={picked.includes(p)} onChange={toggle(p)} />
            ))}
          </fieldset>
        )}
      </form>
      <ErrorBox error={error} />
      {shown !== null && (
        <>
          <p role="status" class="hint">
            {summary(shown)}
          </p>
          <ul class="graph-legend" aria-label="Entity types">
            {types.map(([type, colour]) => (
              <li key={type}>
                <svg viewBox="0 0 10 10" aria-hidden="true">
                  <circle cx={5} cy={5} r={5} class={colour} />
                </svg>
                {type}
              </li>
            ))}
          </ul>
          <GraphPicture
            entities={shown.graph.entities}
            edges={shown.graph.edges}
            label={`The graph around ${shown.graph.entities[0] ? displayName(shown.graph.entities[0]) : refText(entity)}`}
          />
          <Relations graph={shown.graph} />
        </>
      )}
    </>
  );
}

interface Shown {
  graph: GetEntityGraphResponse;
  depth: string;
  asOf: Date | null;
}

/**
 * What is drawn, in words. The time is written out to the second from the instant asked for: the
 * field's own value drops the seconds on a whole minute ("T15:42", the form HTML normalises to).
 */
function summary({ graph, depth, asOf }: Shown): string {
  const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  return (
    `${count(graph.entities.length - 1, "entity", "entities")} up to ${depth} away, ` +
    `${count(graph.edges.length, "relation", "relations")}, ${asOf === null ? "now" : `as of ${asOf.toISOString().slice(0, 19)}Z`}` +
    (graph.truncated ? "; more lie within reach than are drawn" : "")
  );
}

/** The relations as text, for whoever cannot see the picture, with how many memories give each. */
function Relations({ graph }: { graph: GetEntityGraphResponse }) {
  const names = new Map(graph.entities.map((e) => [refText(e.ref), displayName(e)] as const));
  const name = (ref: { type: string; id: string } | undefined) => names.get(refText(ref)) ?? refText(ref);
  return (
    <details>
      <summary>Relations as text</summary>
      <ul>
        {graph.edges.map((e, i) => (
          <li key={i}>
            {name(e.subject)} <code>{e.predicate}</code> {name(e.object)} (
            {e.weight === 1 ? "1 memory" : `${e.weight} memories`})
          </li>
        ))}
      </ul>
    </details>
  );
}
