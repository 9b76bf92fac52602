import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  SearchSettingsRevisionSchema,
  SearchSettingsSchema,
  type SearchSettings,
  type SearchSettingsRevision,
} from "../../gen/ts/engram/v1/search_service_pb.js";
import { DEFAULT_SEARCH_SETTINGS, type WorkspaceSearchSettings } from "../memory/search/search-request.js";
import type { SearchSettingsRevisionRow } from "./search-settings-revision.entity.js";
import type { SettingsChange } from "./search-settings.repository.js";

/** The fields a revision may set, each null when it leaves it to the base it overlays. */
type SettingFields = { [F in keyof WorkspaceSearchSettings]: WorkspaceSearchSettings[F] | null | undefined };

/** `base` with each field the settings give in its place. */
export function overlay(
  base: WorkspaceSearchSettings,
  settings: Partial<SettingFields> | undefined,
): WorkspaceSearchSettings {
  return {
    semanticWeight: settings?.semanticWeight ?? base.semanticWeight,
    candidatePool: settings?.candidatePool ?? base.candidatePool,
    rerankCandidates: settings?.rerankCandidates ?? base.rerankCandidates,
    rerankWeight: settings?.rerankWeight ?? base.rerankWeight,
    rerankByDefault: settings?.rerankByDefault ?? base.rerankByDefault,
  };
}

/** What a workspace's searches use: its revision in force over the server's defaults. */
export function settingsInForce(row: SearchSettingsRevisionRow | null): WorkspaceSearchSettings {
  return overlay(DEFAULT_SEARCH_SETTINGS, row ?? undefined);
}

/** An UpdateSearchSettings' settings as a revision stores them: null for each field not given. */
export function changeOf(settings: SearchSettings | undefined, keyId: string, reason: string): SettingsChange {
  return {
    semanticWeight: settings?.semanticWeight ?? null,
    candidatePool: settings?.candidatePool ?? null,
    rerankCandidates: settings?.rerankCandidates ?? null,
    rerankWeight: settings?.rerankWeight ?? null,
    rerankByDefault: settings?.rerankByDefault ?? null,
    updatedByKeyId: keyId,
    reason,
  };
}

/** A stored revision as the API shows it (revision 0, the defaults, for null). */
export function toRevision(row: SearchSettingsRevisionRow | null): SearchSettingsRevision {
  if (row === null) {
    return create(SearchSettingsRevisionSchema, {
      revision: 0,
      settings: create(SearchSettingsSchema),
      effective: toSettings(DEFAULT_SEARCH_SETTINGS),
    });
  }
  return create(SearchSettingsRevisionSchema, {
    revision: row.revision,
    settings: toSettings(row),
    effective: toSettings(settingsInForce(row)),
    updateTime: timestampFromDate(row.updateTime),
    updatedByKeyId: row.updatedByKeyId,
    reason: row.reason,
  });
}

function toSettings(fields: Partial<SettingFields>): SearchSettings {
  const given = Object.entries(fields).filter(([name, value]) => name in DEFAULT_SEARCH_SETTINGS && value != null);
  return create(SearchSettingsSchema, Object.fromEntries(given));
}
