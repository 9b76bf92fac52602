import type { ShownError } from "./api.js";

/** A failed call, announced to screen readers: code, reason and each field at fault. */
export function ErrorBox({
  error,
  announce = true,
}: {
  error: ShownError | null;
  /** False for a refusal the page shows as part of a record (a staged write's preview): it is not news. */
  announce?: boolean;
}) {
  if (error === null) return null;
  return (
    <div class="error" role={announce ? "alert" : undefined}>
      <strong>{error.code}</strong>
      {error.reason && <code class="reason">{error.reason}</code>}
      <p>{error.message}</p>
      {error.fields.length > 0 && (
        <ul>
          {error.fields.map((f) => (
            <li key={f.field}>
              <code>{f.field}</code>: {f.description}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
