import { timestampDate } from "@bufbuild/protobuf/wkt";
import { useEffect, useState } from "preact/hooks";
import { StagedWriteState, type StagedWrite } from "../../../gen/ts/engram/v1/staged_write_service_pb.js";
import type { Api } from "../api.js";
import { usePages } from "../pages.js";
import { StagedStateBadge } from "../badges.js";
import { ErrorBox } from "../error-box.js";
import { Section, Select } from "../field.js";

const STATES = [
  [String(StagedWriteState.PENDING), "Pending"],
  [String(StagedWriteState.APPLIED), "Applied"],
  [String(StagedWriteState.DISCARDED), "Discarded"],
  [String(StagedWriteState.EXPIRED), "Expired"],
  [String(StagedWriteState.UNSPECIFIED), "Any state"],
] as const;

/**
 * The staged writes this key may see, newest first, in the server's pages. It starts on the
 * pending ones: those are what a person comes here to apply or discard.
 */
export function StagedWrites({ api }: { api: Api }) {
  const [state, setState] = useState<string>(STATES[0][0]);

  const { rows, error, first, pager } = usePages(async (pageToken: string) => {
    const reply = await api.stagedWrites.listStagedWrites({
      state: Number(state) as StagedWriteState,
      pageSize: 20,
      pageToken,
    });
    return { rows: reply.stagedWrites, next: reply.nextPageToken };
  });
  useEffect(() => {
    first();
  }, [api, state]);

  return (
    <Section title="Staged writes">
      {/* The state applies as it is chosen: there is nothing to submit. */}
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <Select label="State" value={state} options={STATES} onChange={setState} />
      </form>
      <ErrorBox error={error} />
      {rows !== null && (
        <>
          <StagedTable rows={rows} />
          {pager}
        </>
      )}
    </Section>
  );
}

function StagedTable({ rows }: { rows: StagedWrite[] }) {
  if (rows.length === 0) return <p>No staged writes.</p>;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Writes</th>
            <th scope="col">State</th>
            <th scope="col">Agent</th>
            <th scope="col">Staged</th>
            <th scope="col">Expires</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((s) => {
            const first = s.requests[0]?.memory;
            return (
              <tr key={s.id}>
                <td>
                  <a href={`#/staged-writes/${s.id}`}>{first?.title || first?.content || s.id}</a>
                  {s.requests.length > 1 && ` and ${s.requests.length - 1} more`}
                </td>
                <td>
                  <StagedStateBadge state={s.state} />
                </td>
                <td>{s.agentId || "—"}</td>
                <td>{s.createTime && timestampDate(s.createTime).toISOString()}</td>
                <td>{s.expireTime && timestampDate(s.expireTime).toISOString()}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
