import { defineEntity, p, type InferEntity } from "@mikro-orm/core";

/**
 * The `search_settings_revisions` table: every change of a workspace's search settings, the
 * newest in force. A null field is one the change left to the server's default. Revisions are
 * only ever added, so the history is the table (ListSearchSettingsRevisions).
 */
export const SearchSettingsRevisionEntity = defineEntity({
  name: "SearchSettingsRevision",
  tableName: "search_settings_revisions",
  properties: {
    workspaceId: p.text().primary(),
    revision: p.integer().primary(),
    semanticWeight: p.double().runtimeType("number").$type<number>().nullable(),
    candidatePool: p.integer().nullable(),
    rerankCandidates: p.integer().nullable(),
    rerankWeight: p.double().runtimeType("number").$type<number>().nullable(),
    rerankByDefault: p.boolean().nullable(),
    reason: p.text().default(""),
    updatedByKeyId: p.text(),
    updateTime: p.datetime(),
  },
  // The API checks each range first; these keep any other writer to the same ones (MikroORM
  // cannot compare a check on a double precision column with the catalog, so the weights have none).
  checks: [
    { name: "search_settings_candidate_pool_check", expression: "candidate_pool >= 10 and candidate_pool <= 300" },
    {
      name: "search_settings_rerank_candidates_check",
      expression: "rerank_candidates >= 10 and rerank_candidates <= 100",
    },
  ],
});

export type SearchSettingsRevisionRow = InferEntity<typeof SearchSettingsRevisionEntity>;
