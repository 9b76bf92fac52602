import { Migration } from "@mikro-orm/migrations";

/**
 * Per-workspace search settings (docs/search-settings.md): every revision kept, the newest in
 * force; workspace first in the primary key, as sharding by workspace needs.
 */
export class Migration20261128063800SearchSettings extends Migration {
  override up(): void {
    this.addSql(
      'create table "search_settings_revisions" ("workspace_id" text not null, "revision" int not null, "semantic_weight" double precision null, "candidate_pool" int null, "rerank_candidates" int null, "rerank_weight" double precision null, "rerank_by_default" boolean null, "reason" text not null default \'\', "updated_by_key_id" text not null, "update_time" timestamptz not null, primary key ("workspace_id", "revision"))',
    );
    this.addSql(
      'alter table "search_settings_revisions" add constraint "search_settings_candidate_pool_check" check (candidate_pool >= 10 and candidate_pool <= 300)',
    );
    this.addSql(
      'alter table "search_settings_revisions" add constraint "search_settings_rerank_candidates_check" check (rerank_candidates >= 10 and rerank_candidates <= 100)',
    );
  }
}
