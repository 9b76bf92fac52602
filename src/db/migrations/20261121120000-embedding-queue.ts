import { Migration } from "@mikro-orm/migrations";

/** Bookkeeping for the background embedding worker: attempts and when to try again. */
export class Migration20261121120000EmbeddingQueue extends Migration {
  override up(): void {
    this.addSql(`alter table memories add column embedding_attempts integer not null default 0`);
    this.addSql(`alter table memories add column embedding_retry_time timestamptz null`);
    this.addSql(`
      create index memories_embedding_pending on memories (embedding_retry_time)
        where embedding_status = 'pending'`);
  }
}
