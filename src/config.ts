import { Command, Option } from "commander";
import { parseDatabaseUrl } from "./db/database-url.js";
import { argParser } from "./option-parsers.js";
import { SETTINGS } from "./server-settings.js";
import { isSetting, type Setting, type ValuesOf } from "./settings.js";

export type Config = ValuesOf<typeof SETTINGS>;

/** Every setting with its place in Config ("embedding.budgetMs"), in declaration order. */
function entries(group: object = SETTINGS, prefix: string[] = []): [string[], Setting<unknown>][] {
  return Object.entries(group).flatMap(([key, value]) =>
    isSetting(value)
      ? [[[...prefix, key], value] as [string[], Setting<unknown>]]
      : entries(value as object, [...prefix, key]),
  );
}

/** The defaults of every setting: what `engram serve` uses without flags or environment. */
export const DEFAULT_CONFIG: Config = build(() => undefined);

function optionOf(s: Setting<unknown>): Option {
  const option = new Option(s.flag, s.help).env(s.env);
  if (s.choices !== undefined) option.choices(s.choices);
  if (s.parse !== undefined) {
    const parse = argParser(s.parse);
    // A repeatable flag's values add up: --read-database-url a --read-database-url b,c.
    if (s.repeatable === true)
      option.argParser((value, previous: unknown) => [...asList(previous), ...asList(parse(value))]);
    else option.argParser(parse);
  }
  if (s.initial !== undefined && !s.isSwitch) option.default(s.initial, s.initialText);
  return option;
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Every server setting, as a flag with its environment variable and default. */
export function serveOptions(): Option[] {
  return entries().map(([, s]) => optionOf(s));
}

/** The settings `engram reembed` takes (the database and the embedder); the rest are hidden from its help. */
export function reembedOptions(): Option[] {
  return entries().map(([, s]) => (s.reembed === true ? optionOf(s) : optionOf(s).hideHelp()));
}

export function configFrom(command: Command): Config {
  const opts = command.opts<Record<string, unknown>>();
  const config = build((s) => {
    const name = new Option(s.flag).attributeName();
    if (s.isSwitch) return switchValue(command, name, s.env);
    // An empty text (ENGRAM_API_KEY=) is no value.
    return opts[name] === "" ? undefined : opts[name];
  });
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    command.error("error: --tls-cert and --tls-key go together");
  }
  if (config.databaseUrl !== undefined) {
    // Checked here, not by an argParser: commander would quote the whole URL, password included.
    try {
      parseDatabaseUrl(config.databaseUrl);
    } catch (err) {
      command.error(`error: ${(err as Error).message}`);
    }
  }
  checkReadDatabaseUrls(command, config);
  checkRerankerUrl(command, config.reranker);
  return config;
}

/** A --reranker that names a rerank API must be a URL; it is not echoed (it may carry credentials). */
function checkRerankerUrl(command: Command, reranker: string): void {
  if (!/^https?:/i.test(reranker)) return;
  if (!URL.canParse(reranker) || new URL(reranker).host === "") {
    command.error("error: --reranker is not a valid http(s) URL");
  }
}

/** Read replicas are replicas of a Postgres primary, each a Postgres URL (named by position, never shown). */
function checkReadDatabaseUrls(command: Command, config: Config): void {
  if (config.readDatabaseUrls.length === 0) return;
  if (config.databaseUrl === undefined) {
    command.error("error: --read-database-url names replicas of --database-url, which is not set");
  }
  for (const [index, url] of config.readDatabaseUrls.entries()) {
    try {
      parseDatabaseUrl(url);
    } catch (err) {
      const problem = (err as Error).message.replace(/^DATABASE_URL /, "");
      command.error(`error: --read-database-url, URL ${index + 1}: ${problem}`);
    }
  }
}

/** A Config from each setting's value (`valueOf`), or its default where that gives none. */
function build(valueOf: (s: Setting<unknown>) => unknown): Config {
  const config: Record<string, unknown> = {};
  for (const [path, s] of entries()) {
    let group = config;
    for (const key of path.slice(0, -1)) group = (group[key] ??= {}) as Record<string, unknown>;
    group[path.at(-1) ?? ""] = valueOf(s) ?? s.initial;
  }
  return config as Config;
}

/**
 * A switch that commander sets from the mere presence of its variable; here
 * ENGRAM_CREATE_DATABASE=false (or 0) means false, and only true or 1 mean true.
 */
function switchValue(command: Command, name: string, env: string): boolean {
  if (command.getOptionValueSource(name) !== "env") return command.opts()[name] === true;
  const value = (process.env[env] ?? "").trim().toLowerCase();
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0" || value === "") return false;
  return command.error(`error: ${env} must be true, false, 1 or 0`);
}
