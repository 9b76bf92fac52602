import { useEffect, useState } from "preact/hooks";
import { Visibility, type Memory } from "../../../gen/ts/engram/v1/memory_pb.js";
import type { Api } from "../api.js";
import { usePages } from "../pages.js";
import { EmbeddingBadge, StateBadge } from "../badges.js";
import { ErrorBox } from "../error-box.js";
import { Checkbox, Field, listOf, Section, Select } from "../field.js";
import { Mentions } from "../mentions.js";

const EMPTY_FILTER = {
  agentId: "",
  ownerAgentIds: "",
  subjectType: "",
  subjectId: "",
  kinds: "",
  tags: "",
  anyTags: "",
  linkedEntityType: "",
  linkedEntityId: "",
  visibility: "0",
  showDeleted: false,
  showExpired: false,
  includeSuperseded: false,
};

const ORDERS = [
  ["create_time desc", "Newest first"],
  ["create_time", "Oldest first"],
  ["update_time desc", "Recently updated"],
  ["confidence desc", "Most confident"],
  ["confidence", "Least confident"],
] as const;

/** The newest memories, then every MemoryFilter field, an order, and keyset pages (the server's next_page_token). */
export function Browse({ api }: { api: Api }) {
  const [filter, setFilter] = useState(EMPTY_FILTER);
  const [orderBy, setOrderBy] = useState<string>(ORDERS[0][0]);
  const set = (name: keyof typeof EMPTY_FILTER) => (value: string | boolean) => setFilter({ ...filter, [name]: value });

  const { rows, error, first, pager } = usePages(async (pageToken: string) => {
    const reply = await api.memories.listMemories({
      filter: {
        ...filter,
        kinds: listOf(filter.kinds),
        tags: listOf(filter.tags),
        anyTags: listOf(filter.anyTags),
        ownerAgentIds: listOf(filter.ownerAgentIds),
        visibility: Number(filter.visibility) as Visibility,
      },
      orderBy,
      pageSize: 20,
      pageToken,
    });
    return { rows: reply.memories, next: reply.nextPageToken };
  });

  // Opening Browse lists the newest memories at once; filters narrow them.
  useEffect(() => {
    first();
  }, [api]);

  return (
    <Section title="Browse">
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          first();
        }}
      >
        <Field label="Agent" value={filter.agentId} onInput={set("agentId")} />
        <Field label="Owner agents (comma-separated)" value={filter.ownerAgentIds} onInput={set("ownerAgentIds")} />
        <Field label="Subject type" value={filter.subjectType} onInput={set("subjectType")} />
        <Field label="Subject id" value={filter.subjectId} onInput={set("subjectId")} />
        <Field label="Kinds (comma-separated)" value={filter.kinds} onInput={set("kinds")} />
        <Field label="All of these tags" value={filter.tags} onInput={set("tags")} />
        <Field label="Any of these tags" value={filter.anyTags} onInput={set("anyTags")} />
        <Field label="Linked entity type" value={filter.linkedEntityType} onInput={set("linkedEntityType")} />
        <Field label="Linked entity id" value={filter.linkedEntityId} onInput={set("linkedEntityId")} />
        <Select
          label="Visibility"
          value={filter.visibility}
          options={[
            ["0", "Any"],
            [String(Visibility.PRIVATE), "Private"],
            [String(Visibility.SHARED), "Shared"],
          ]}
          onChange={set("visibility")}
        />
        <Select label="Order" value={orderBy} options={ORDERS} onChange={setOrderBy} />
        <Checkbox label="Show deleted" checked={filter.showDeleted} onChange={set("showDeleted")} />
        <Checkbox label="Show expired" checked={filter.showExpired} onChange={set("showExpired")} />
        <Checkbox label="Include superseded" checked={filter.includeSuperseded} onChange={set("includeSuperseded")} />
        <button type="submit">Apply filters</button>
      </form>
      <ErrorBox error={error} />
      {rows !== null && (
        <>
          <MemoryTable rows={rows} />
          {pager}
        </>
      )}
    </Section>
  );
}

export function MemoryTable({ rows }: { rows: Memory[] }) {
  if (rows.length === 0) return <p>No memories match.</p>;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Content</th>
            <th scope="col">Subject</th>
            <th scope="col">Kind</th>
            <th scope="col">Mentions</th>
            <th scope="col">Agent</th>
            <th scope="col">State</th>
            <th scope="col">Embedding</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((m) => (
            <tr key={m.id}>
              <td>
                <a href={`#/memories/${m.id}`}>{m.title || m.content}</a>
              </td>
              <td>
                {m.subjectType}
                {m.subjectId && `/${m.subjectId}`}
              </td>
              <td>{m.kind}</td>
              <td>
                <Mentions mentions={m.mentions} labelled={false} />
              </td>
              <td>{m.agentId || "—"}</td>
              <td>
                <StateBadge state={m.state} />
              </td>
              <td>
                <EmbeddingBadge status={m.embeddingStatus} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
