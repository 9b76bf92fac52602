import { Migration } from "@mikro-orm/migrations";

/**
 * Webhooks (webhooks.md): each webhook with its position in the change feed and its delivery
 * lease, and the delivery log. Workspace first in both primary keys, as issue 52's sharding needs.
 */
export class Migration20261127202240Webhooks extends Migration {
  override up(): void {
    this.addSql(
      'create table "webhooks" ("workspace_id" text not null, "id" uuid not null, "url" text not null, "filter" bytea not null, "secret" text not null, "description" text not null default \'\', "enabled" boolean not null default true, "disabled_reason" text not null default \'\', "consecutive_failures" int not null default 0, "created_by_key_id" text not null, "position" bigint not null default \'0\', "next_attempt_time" timestamptz not null, "lease_owner" text null, "lease_until" timestamptz null, "create_time" timestamptz not null, "update_time" timestamptz not null, "last_delivery_time" timestamptz null, primary key ("workspace_id", "id"))',
    );
    this.addSql('create index "webhooks_due" on "webhooks" ("enabled", "next_attempt_time")');
    this.addSql(
      'create table "webhook_deliveries" ("workspace_id" text not null, "id" uuid not null, "webhook_id" uuid not null, "message_id" text not null, "event_type" text not null, "memory_id" text null, "position" bigint null, "attempt" int not null, "status_code" int not null, "outcome" text not null, "error" text not null default \'\', "duration_ms" int not null, "attempt_time" timestamptz not null, primary key ("workspace_id", "id"))',
    );
    this.addSql(
      'create index "webhook_deliveries_listing" on "webhook_deliveries" ("workspace_id", "webhook_id", "attempt_time")',
    );
    this.addSql('create index "webhook_deliveries_purge" on "webhook_deliveries" ("attempt_time")');
    this.addSql(
      "alter table \"webhook_deliveries\" add constraint \"webhook_deliveries_outcome_check\" check (\"outcome\" in ('delivered', 'failed', 'timed_out', 'refused'))",
    );
  }
}
