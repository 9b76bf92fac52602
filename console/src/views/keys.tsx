import { timestampDate } from "@bufbuild/protobuf/wkt";
import { useEffect, useState } from "preact/hooks";
import type { ApiKey } from "../../../gen/ts/engram/v1/api_key_service_pb.js";
import { shownError, type Api, type ShownError } from "../api.js";
import { ErrorBox } from "../error-box.js";
import { Checkbox, Field, Section } from "../field.js";

const SCOPES = ["memory:read", "memory:write", "admin"] as const;

/** The workspace's keys (admin keys only): list, create (the secret shown once) and revoke. */
export function Keys({ api }: { api: Api }) {
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [name, setName] = useState("");
  const [agent, setAgent] = useState("");
  const [scopes, setScopes] = useState<string[]>(["memory:read", "memory:write"]);
  const [secret, setSecret] = useState("");
  const [error, setError] = useState<ShownError | null>(null);

  const attempt = async (action: () => Promise<void>) => {
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(shownError(err));
    }
  };
  const reload = () => attempt(async () => setKeys((await api.keys.listApiKeys({ pageSize: 500 })).apiKeys));
  useEffect(() => void reload(), [api]);

  return (
    <Section title="API keys">
      <ErrorBox error={error} />
      {secret && (
        <div class="secret" role="status">
          <p>The new key's secret, shown only this once:</p>
          <code>{secret}</code>
        </div>
      )}
      {keys !== null && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Scopes</th>
                <th scope="col">Agent</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k.id}>
                  <td>{k.displayName || k.id}</td>
                  <td>{k.scopes.join(", ")}</td>
                  <td>{k.agentId || "—"}</td>
                  <td>{k.createTime && timestampDate(k.createTime).toISOString().slice(0, 10)}</td>
                  <td>
                    <button
                      type="button"
                      class="danger"
                      aria-label={`Revoke ${k.displayName || k.id}`}
                      onClick={() =>
                        void attempt(async () => {
                          await api.keys.revokeApiKey({ id: k.id });
                          await reload();
                        })
                      }
                    >
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {keys !== null && (
        <>
          <h2>Create a key</h2>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void attempt(async () => {
                const reply = await api.keys.createApiKey({ apiKey: { displayName: name, agentId: agent, scopes } });
                setSecret(reply.secret);
                await reload();
              });
            }}
          >
            <Field label="Key name" value={name} onInput={setName} />
            <Field label="Bind to agent (optional)" value={agent} onInput={setAgent} />
            <fieldset>
              <legend>Scopes</legend>
              {SCOPES.map((scope) => (
                <Checkbox
                  key={scope}
                  label={scope}
                  checked={scopes.includes(scope)}
                  onChange={(on) => setScopes(on ? [...scopes, scope] : scopes.filter((s) => s !== scope))}
                />
              ))}
            </fieldset>
            <button type="submit">Create key</button>
          </form>
        </>
      )}
    </Section>
  );
}
