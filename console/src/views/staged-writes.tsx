import { timestampDate } from "@bufbuild/protobuf/wkt";
import { useEffect, useState } from "preact/hooks";
import { StagedWriteState, type StagedWrite } from "../../../gen/ts/engram/v1/staged_write_service_pb.js";
import { shownError, type Api, type ShownError } from "../api.js";
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
  const [rows, setRows] = useState<StagedWrite[] | null>(null);
  const [pages, setPages] = useState<string[]>([""]);
  const [next, setNext] = useState("");
  const [error, setError] = useState<ShownError | null>(null);

  const load = async (pageToken: string, trail: string[]) => {
    setError(null);
    try {
      const reply = await api.stagedWrites.listStagedWrites({
        state: Number(state) as StagedWriteState,
        pageSize: 20,
        pageToken,
      });
      setRows(reply.stagedWrites);
      setNext(reply.nextPageToken);
      setPages(trail);
    } catch (err) {
      setError(shownError(err));
    }
  };
  useEffect(() => {
    void load("", [""]);
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
          <div class="pager">
            <button type="button" disabled={pages.length <= 1} onClick={() => void load("", [""])}>
              First page
            </button>
            <span>Page {pages.length}</span>
            <button type="button" disabled={next === ""} onClick={() => void load(next, [...pages, next])}>
              Next page
            </button>
          </div>
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
