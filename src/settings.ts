import { z } from "zod";
import { origins, wholeNumber } from "./option-parsers.js";

/**
 * One server setting, declared once: its flag and environment variable, its default, how its
 * text is read and its help line. `engram serve --help`, the defaults (DEFAULT_CONFIG) and the
 * configuration a start gets (configFrom) all come from SETTINGS (config.ts).
 */
export interface Setting<T> {
  flag: string;
  env: string;
  help: string;
  initial: T;
  /** How the default reads in --help, where the value alone would not say it. */
  initialText?: string;
  /** Reads the text of the flag or the variable; none: the text itself. */
  parse?: z.ZodType<T, string>;
  choices?: readonly string[];
  /** A switch (no argument): set by the flag, or by its variable as true, false, 1 or 0. */
  isSwitch?: boolean;
  /** The flag may be given more than once, its lists joined (a list setting's `parse` gives each one's). */
  repeatable?: boolean;
  /** Also a setting of `engram reembed` (the database and the embedder). */
  reembed?: boolean;
}

/** What a group of settings configures: each setting's value, groups nested. */
export type ValuesOf<S> = { [K in keyof S]: S[K] extends Setting<infer T> ? T : ValuesOf<S[K]> };

export function setting<T>(spec: Setting<T>): Setting<T> {
  return spec;
}

/** A setting without a default: unset, or a non-empty text. */
export function optionalText(spec: Omit<Setting<string | undefined>, "initial">): Setting<string | undefined> {
  return { ...spec, initial: undefined };
}

export const text = (spec: Omit<Setting<string>, "parse">): Setting<string> => spec;

export const number = (
  min: number,
  max: number | undefined,
  spec: Omit<Setting<number>, "parse">,
): Setting<number> => ({
  ...spec,
  parse: wholeNumber(min, max),
});

export function choice<const C extends string>(values: readonly C[], spec: Omit<Setting<C>, "choices">): Setting<C> {
  return { ...spec, choices: values };
}

export const originsSetting = (spec: Omit<Setting<string[]>, "parse">): Setting<string[]> => ({
  ...spec,
  parse: origins,
});

/** Whether a value is a setting rather than a group of them. */
export function isSetting(value: unknown): value is Setting<unknown> {
  return typeof value === "object" && value !== null && "flag" in value && "env" in value;
}
