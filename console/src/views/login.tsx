import { useState } from "preact/hooks";
import { apiFor, shownError, type ShownError } from "../api.js";
import { ErrorBox } from "../error-box.js";

/** Asks for an API key and checks it with one cheap call before keeping it. */
export function Login({ onLogin }: { onLogin: (key: string) => void }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<ShownError | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      await apiFor(key.trim()).memories.listMemories({ pageSize: 1 });
      onLogin(key.trim());
    } catch (err) {
      setError(shownError(err));
    }
  };
  return (
    <main class="login">
      <h1>Engram console</h1>
      <form onSubmit={(e) => void submit(e)}>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autocomplete="off"
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
          required
        />
        <button type="submit">Log in</button>
      </form>
      <p class="hint">The key stays in this tab's session storage and is sent only to this server.</p>
      <ErrorBox error={error} />
    </main>
  );
}
