import "../entities.css";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { useEffect, useState } from "preact/hooks";
import { EntityOrder, type Entity } from "../../../gen/ts/engram/v1/entity_service_pb.js";
import { shownError, type Api, type ShownError } from "../api.js";
import { entityHref, refText } from "../entity-route.js";
import { ErrorBox } from "../error-box.js";
import { Field, Section, Select } from "../field.js";

const ORDERS = [
  [String(EntityOrder.LAST_SEEN), "Recently seen"],
  [String(EntityOrder.MENTION_COUNT), "Most mentioned"],
  [String(EntityOrder.NAME), "By name"],
] as const;

/** The entities the caller's memories mention (ListEntities): by name, alias or id prefix, and type. */
export function Entities({ api }: { api: Api }) {
  const [prefix, setPrefix] = useState("");
  const [type, setType] = useState("");
  const [order, setOrder] = useState<string>(ORDERS[0][0]);
  const [rows, setRows] = useState<Entity[] | null>(null);
  const [pages, setPages] = useState<string[]>([""]);
  const [next, setNext] = useState("");
  const [error, setError] = useState<ShownError | null>(null);

  const load = async (pageToken: string, trail: string[]) => {
    setError(null);
    try {
      const reply = await api.entities.listEntities({
        namePrefix: prefix,
        type,
        orderBy: Number(order) as EntityOrder,
        pageSize: 25,
        pageToken,
      });
      setRows(reply.entities);
      setNext(reply.nextPageToken);
      setPages(trail);
    } catch (err) {
      setError(shownError(err));
    }
  };
  // Opening the view lists the most recently seen at once, as Browse does with memories.
  useEffect(() => {
    void load("", [""]);
  }, [api]);

  return (
    <Section title="Entities">
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          void load("", [""]);
        }}
      >
        <Field label="Name starts with" value={prefix} onInput={setPrefix} />
        <Field label="Type" value={type} onInput={setType} />
        <Select label="Order" value={order} options={ORDERS} onChange={setOrder} />
        <button type="submit">Find entities</button>
      </form>
      <ErrorBox error={error} />
      {rows !== null && rows.length === 0 && <p>No entities match.</p>}
      {rows !== null && rows.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Entity</th>
                <th scope="col">Memories</th>
                <th scope="col">Last seen</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <tr key={refText(e.ref)}>
                  <td>
                    <a href={e.ref ? entityHref(e.ref) : undefined}>{e.name || e.ref?.id}</a>
                    {e.aliases.length > 0 && <span class="mention-role"> also {e.aliases.join(", ")}</span>}
                  </td>
                  <td>
                    <code>{refText(e.ref)}</code>
                  </td>
                  <td>{String(e.mentionCount)}</td>
                  <td>{e.lastSeen && timestampDate(e.lastSeen).toISOString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {rows !== null && (
        <div class="pager">
          <button type="button" disabled={pages.length <= 1} onClick={() => void load("", [""])}>
            First page
          </button>
          <span>Page {pages.length}</span>
          <button type="button" disabled={next === ""} onClick={() => void load(next, [...pages, next])}>
            Next page
          </button>
        </div>
      )}
    </Section>
  );
}
