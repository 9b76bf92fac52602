import type { ComponentChildren } from "preact";
import { useId } from "preact/hooks";

/** A labelled input: every control in the console has a visible label tied to it. */
export function Field({
  label,
  value,
  onInput,
  numeric = false,
  multiline = false,
}: {
  label: string;
  value: string;
  onInput: (value: string) => void;
  /** A number typed as text: no spinner, a numeric keyboard on phones. */
  numeric?: boolean;
  multiline?: boolean;
}) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {multiline ? (
        <textarea id={id} value={value} onInput={(e) => onInput(e.currentTarget.value)} rows={4} />
      ) : (
        <input
          id={id}
          type="text"
          inputMode={numeric ? "decimal" : "text"}
          value={value}
          onInput={(e) => onInput(e.currentTarget.value)}
        />
      )}
    </div>
  );
}

export function Checkbox({
  label,
  checked,
  onChange,
}: {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  return (
    <label class="checkbox">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.currentTarget.checked)} />
      {label}
    </label>
  );
}

export function Select({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: string;
  options: readonly (readonly [string, string])[];
  onChange: (value: string) => void;
}) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}

export function Section({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <section>
      <h1>{title}</h1>
      {children}
    </section>
  );
}

/** "a, b ,c" -> ["a", "b", "c"]: lists are typed comma-separated. */
export function listOf(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}
