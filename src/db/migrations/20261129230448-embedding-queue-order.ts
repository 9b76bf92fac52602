import { Migration } from "@mikro-orm/migrations";

/**
 * The embedding queue's index in the order claims read it (update_time), with the retry time the
 * claim filters by and nextRetryTime reads. On the retry time alone it left a claim to sort every
 * pending memory: with 100k pending on Postgres, 74-101 ms to find the workspace and 117-200 ms
 * to claim 32, against 0.1 and 17-24 ms now. It only holds pending memories, so it stays small
 * unless a backlog builds.
 */
export class Migration20261129230448EmbeddingQueueOrder extends Migration {
  override up(): void {
    this.addSql('drop index "memories_embedding_pending"');
    this.addSql(
      'create index "memories_embedding_pending" on "memories" ("update_time", "embedding_retry_time") where embedding_status = \'pending\'',
    );
  }
}
