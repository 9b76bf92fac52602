import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Fragment } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { SearchSettingsRevision } from "../../../gen/ts/engram/v1/search_service_pb.js";
import { shownError, type Api, type ShownError } from "../api.js";
import { ErrorBox } from "../error-box.js";
import { shownSettings } from "../search-settings.js";

/**
 * The settings' revisions, newest first, each as the change gave them. `revision` is the one in
 * force: a save raises it, and the list reloads to show the new revision on top.
 */
export function SearchSettingsHistory({ api, revision }: { api: Api; revision: number }) {
  const [revisions, setRevisions] = useState<SearchSettingsRevision[] | null>(null);
  const [next, setNext] = useState("");
  const [error, setError] = useState<ShownError | null>(null);
  const [adminOnly, setAdminOnly] = useState(false);

  const load = async (pageToken: string, shown: SearchSettingsRevision[]) => {
    setError(null);
    try {
      const reply = await api.search.listSearchSettingsRevisions({ pageSize: 20, pageToken });
      setRevisions([...shown, ...reply.revisions]);
      setNext(reply.nextPageToken);
    } catch (err) {
      const refused = shownError(err);
      // The history is for admin keys, as the settings' changes are: for any other key that is
      // expected, not an error worth an alert.
      if (refused.reason === "MISSING_SCOPE") setAdminOnly(true);
      else setError(refused);
    }
  };
  useEffect(() => {
    void load("", []);
  }, [api, revision]);

  return (
    <>
      <h2>History</h2>
      <ErrorBox error={error} />
      {adminOnly && <p class="hint">Only an admin key may read the history.</p>}
      {revisions !== null && revisions.length === 0 && <p>Never changed: every setting is the server's default.</p>}
      {revisions !== null && revisions.length > 0 && (
        <ol class="history" aria-label="Search settings revisions">
          {revisions.map((r) => (
            <Entry key={r.revision} revision={r} />
          ))}
        </ol>
      )}
      {next !== "" && revisions !== null && (
        <button type="button" onClick={() => void load(next, revisions)}>
          Load more
        </button>
      )}
    </>
  );
}

function Entry({ revision: r }: { revision: SearchSettingsRevision }) {
  const given = shownSettings(r.settings).filter((s) => s.value !== undefined);
  return (
    <li>
      <div class="history-head">
        <span>Revision {r.revision}</span>
        {r.updateTime && <time>{timestampDate(r.updateTime).toISOString()}</time>}
      </div>
      <p class="hint">
        By key <code>{r.updatedByKeyId}</code>
      </p>
      {r.reason && <p>Reason: {r.reason}</p>}
      {given.length === 0 ? (
        <p>Every setting back to the server's default.</p>
      ) : (
        <dl class="fields">
          {given.map(({ label, value }) => (
            <Fragment key={label}>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </Fragment>
          ))}
        </dl>
      )}
    </li>
  );
}
