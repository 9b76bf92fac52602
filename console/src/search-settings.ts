import type { SearchSettings } from "../../gen/ts/engram/v1/search_service_pb.js";

/**
 * The numeric settings in the order the page shows them, with the range the server accepts: the
 * labels tell a person the range, since the server refuses a value outside it.
 */
export const NUMBER_SETTINGS = [
  { name: "semanticWeight", label: "Semantic weight", range: "0 to 1", whole: false },
  { name: "candidatePool", label: "Candidate pool", range: "10 to 300", whole: true },
  { name: "rerankCandidates", label: "Rerank candidates", range: "10 to 100", whole: true },
  { name: "rerankWeight", label: "Rerank weight", range: "0 to 1", whole: false },
] as const;

type NumberSetting = (typeof NUMBER_SETTINGS)[number]["name"];

/** The settings as the form holds them: "" for a field left to the server's default. */
export type SettingsDraft = Record<NumberSetting, string> & { rerankByDefault: string };

/** The choices for rerank by default: a boolean that may also be left unset (the server's default). */
export const RERANK_BY_DEFAULT = [
  ["", "Server default"],
  ["true", "Yes"],
  ["false", "No"],
] as const;

export function draftOf(settings: SearchSettings | undefined): SettingsDraft {
  const text = (value: number | boolean | undefined) => (value === undefined ? "" : String(value));
  return {
    semanticWeight: text(settings?.semanticWeight),
    candidatePool: text(settings?.candidatePool),
    rerankCandidates: text(settings?.rerankCandidates),
    rerankWeight: text(settings?.rerankWeight),
    rerankByDefault: text(settings?.rerankByDefault),
  };
}

/**
 * The settings to send: every field the form leaves empty is left out, which UpdateSearchSettings
 * reads as the server's default. Only what is not a number at all is refused here; the range is
 * the server's to check, so its field violations show as for any other call.
 */
export function settingsOf(
  draft: SettingsDraft,
): Partial<Record<NumberSetting, number>> & { rerankByDefault?: boolean } {
  const settings: Partial<Record<NumberSetting, number>> & { rerankByDefault?: boolean } = {};
  for (const { name, label, range, whole } of NUMBER_SETTINGS) {
    const text = draft[name].trim();
    if (text === "") continue;
    const value = Number(text);
    if (!Number.isFinite(value) || (whole && !Number.isInteger(value))) {
      throw new Error(
        `${label} must be ${whole ? "a whole number" : "a number"} from ${range}, or empty for the default`,
      );
    }
    settings[name] = value;
  }
  if (draft.rerankByDefault !== "") settings.rerankByDefault = draft.rerankByDefault === "true";
  return settings;
}

/** Each setting's label and value in words; the value is undefined for a field `settings` leaves out. */
export function shownSettings(settings: SearchSettings | undefined): { label: string; value: string | undefined }[] {
  const rerank = settings?.rerankByDefault;
  return [
    ...NUMBER_SETTINGS.map(({ name, label }) => ({ label, value: settings?.[name]?.toString() })),
    { label: "Rerank by default", value: rerank === undefined ? undefined : rerank ? "yes" : "no" },
  ];
}
