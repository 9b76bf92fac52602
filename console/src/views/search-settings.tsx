import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Fragment } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { SearchSettingsRevision } from "../../../gen/ts/engram/v1/search_service_pb.js";
import { shownError, type Api, type ShownError } from "../api.js";
import { ErrorBox } from "../error-box.js";
import { Field, Section, Select } from "../field.js";
import {
  draftOf,
  NUMBER_SETTINGS,
  RERANK_BY_DEFAULT,
  settingsOf,
  shownSettings,
  type SettingsDraft,
} from "../search-settings.js";
import { SearchSettingsHistory } from "./search-settings-history.js";

/**
 * How the workspace's searches rank: the settings in force and the revision that set them, a
 * form that replaces them (admin keys), and their history. Any key may read the settings; the
 * console does not know a key's scopes, so a key without admin sees the server refuse the save.
 */
export function SearchSettings({ api }: { api: Api }) {
  const [current, setCurrent] = useState<SearchSettingsRevision | null>(null);
  const [draft, setDraft] = useState<SettingsDraft>(draftOf(undefined));
  const [reason, setReason] = useState("");
  const [error, setError] = useState<ShownError | null>(null);
  const [notice, setNotice] = useState("");

  /** Reads the settings in force; `andDraft` also puts them in the form, dropping what was typed. */
  const load = async (andDraft: boolean) => {
    try {
      const read = (await api.search.getSearchSettings({})).current;
      if (read === undefined) return;
      setCurrent(read);
      if (andDraft) setDraft(draftOf(read.settings));
    } catch (err) {
      setError(shownError(err));
    }
  };
  useEffect(() => {
    void load(true);
  }, [api]);

  const save = async (event: Event) => {
    event.preventDefault();
    if (current === null) return;
    setError(null);
    setNotice("");
    try {
      // The revision this page shows: if another admin changed the settings since, the server
      // refuses (ABORTED) rather than overwrite their change with one made without seeing it.
      const reply = await api.search.updateSearchSettings({
        settings: settingsOf(draft),
        expectedRevision: current.revision,
        reason,
      });
      if (reply.current === undefined) return;
      setCurrent(reply.current);
      setDraft(draftOf(reply.current.settings));
      setReason("");
      setNotice(`Saved: revision ${reply.current.revision}`);
    } catch (err) {
      const shown = shownError(err);
      setError(shown);
      // Show the other admin's revision, keeping what was typed: saving again replaces theirs,
      // now knowingly.
      if (shown.reason === "SEARCH_SETTINGS_CHANGED") await load(false);
    }
  };

  const set = (name: keyof SettingsDraft) => (value: string) => setDraft({ ...draft, [name]: value });
  return (
    <Section title="Search settings">
      <ErrorBox error={error} />
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {current !== null && (
        <>
          <CurrentRevision current={current} />
          <h2>Change the settings</h2>
          <p class="hint">
            An empty field takes the server's default. Saving replaces every setting, and takes an admin key.
          </p>
          <form onSubmit={(e) => void save(e)}>
            {NUMBER_SETTINGS.map(({ name, label, range }) => (
              <Field key={name} label={`${label} (${range})`} numeric value={draft[name]} onInput={set(name)} />
            ))}
            <Select
              label="Rerank by default"
              value={draft.rerankByDefault}
              options={RERANK_BY_DEFAULT}
              onChange={set("rerankByDefault")}
            />
            <Field label="Reason for the change" value={reason} onInput={setReason} />
            <button type="submit">Save settings</button>
          </form>
          <SearchSettingsHistory api={api} revision={current.revision} />
        </>
      )}
    </Section>
  );
}

/** What searches use now, each setting marked when it is the server's default, and who set them, when and why. */
function CurrentRevision({ current }: { current: SearchSettingsRevision }) {
  const given = shownSettings(current.settings);
  return (
    <>
      <p>
        {current.revision === 0 ? (
          "Revision 0: the server's defaults, never changed."
        ) : (
          <>
            Revision {current.revision}
            {current.updateTime && <>, set {timestampDate(current.updateTime).toISOString()}</>}
            {current.updatedByKeyId && (
              <>
                {" "}
                by key <code>{current.updatedByKeyId}</code>
              </>
            )}
            .
          </>
        )}
      </p>
      {current.reason && <p>Reason: {current.reason}</p>}
      <h2>In effect</h2>
      <dl class="fields">
        {shownSettings(current.effective).map(({ label, value }, i) => (
          <Fragment key={label}>
            <dt>{label}</dt>
            <dd>
              {value}
              {given[i]?.value === undefined && <span class="hint"> (server default)</span>}
            </dd>
          </Fragment>
        ))}
      </dl>
    </>
  );
}
