import { Migration } from "@mikro-orm/migrations";

/**
 * The embedding queue's index in the order its jobs became due: since their write, or since their
 * lease or backoff ran out. In write order, an idle worker's nextRetryTime read every pending
 * memory to find the first lease to run out: with 100k pending on Postgres, all leased or backing
 * off (an embedder outage), 92-200 ms each time, against 0.5 ms for the first row of this one.
 * Deleted memories leave it, as they leave the queue.
 */
export class Migration20261130021121EmbeddingQueueDue extends Migration {
  override up(): void {
    this.addSql('drop index "memories_embedding_pending"');
    this.addSql(
      `create index "memories_embedding_pending" on "memories" ((coalesce(embedding_retry_time, update_time))) where embedding_status = 'pending' and delete_time is null`,
    );
  }
}
