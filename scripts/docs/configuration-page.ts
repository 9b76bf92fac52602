// docs/configuration.md: every server setting, from the one declaration of them (SETTINGS).
import { SETTINGS } from "../../src/server-settings.js";
import { isSetting, type Setting } from "../../src/settings.js";
import { code, generatedFrom, table } from "./markdown.js";

/** Every setting, in declaration order (which is also --help's order). */
function settings(group: object = SETTINGS): Setting<unknown>[] {
  return Object.values(group).flatMap((value) => (isSetting(value) ? [value] : settings(value as object)));
}

function defaultOf(s: Setting<unknown>): string {
  if (s.initialText !== undefined) return s.initialText;
  if (s.isSwitch) return "off";
  if (s.initial === undefined) return "unset";
  return code(typeof s.initial === "string" ? s.initial : JSON.stringify(s.initial));
}

function meaningOf(s: Setting<unknown>): string {
  let meaning = s.help;
  if (s.choices !== undefined) meaning += `; one of ${s.choices.map(code).join(", ")}`;
  if (s.isSwitch) meaning += ` (a switch: ${code(s.env)} takes true, false, 1 or 0)`;
  return meaning;
}

export function configurationPage(): string {
  const all = settings();
  const rows = all.map((s) => [code(s.flag), code(s.env), defaultOf(s), meaningOf(s)]);
  const reembed = all.filter((s) => s.reembed === true).map((s) => code(s.flag.split(" ")[0] ?? s.flag));
  return `# Configuration

${generatedFrom("the settings declaration, `src/server-settings.ts`")}

Every setting of \`engram serve\` is a flag and an environment variable; a flag wins over its variable. \`npx engram serve --help\` lists the same ${all.length} settings. \`engram reembed\` takes the database's and the embedder's: ${reembed.join(", ")}.

${table(["flag", "environment", "default", "meaning"], rows)}

How the database URL and CORS origins are read: [operations.md](operations.md). The models
and where they come from: [models.md](models.md). Rate limits and body limits:
[limits.md](limits.md). The storage reserve: [disk-space.md](disk-space.md). Metrics:
[metrics.md](metrics.md). Traces are configured by OpenTelemetry's own \`OTEL_*\` variables, off
unless they ask for an exporter: [tracing.md](tracing.md).
`;
}
