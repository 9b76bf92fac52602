import "../entities.css";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { useEffect, useState } from "preact/hooks";
import { EntityOrder } from "../../../gen/ts/engram/v1/entity_service_pb.js";
import type { Api } from "../api.js";
import { usePages } from "../pages.js";
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

  const { rows, error, first, pager } = usePages(async (pageToken: string) => {
    const reply = await api.entities.listEntities({
      namePrefix: prefix,
      type,
      orderBy: Number(order) as EntityOrder,
      pageSize: 25,
      pageToken,
    });
    return { rows: reply.entities, next: reply.nextPageToken };
  });
  // Opening the view lists the most recently seen at once, as Browse does with memories.
  useEffect(() => {
    first();
  }, [api]);

  return (
    <Section title="Entities">
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          first();
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
      {rows !== null && pager}
    </Section>
  );
}
