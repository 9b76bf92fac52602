import { SqlEntityRepository, type EntityManager } from "@mikro-orm/sql";
import { fromSql } from "pgvector";
import { vectorLiteral } from "../../db/vector-literal.js";
import { query, sql } from "../../db/sql.js";
import { fingerprintOf } from "../identity.js";
import { MemoryEntity, type MemoryRow } from "../memory.entity.js";

/** Contents written to one workspace. */
interface StoredContents {
  workspaceId: string;
  contents: string[];
}

/** Memories' vectors by content: reused by a write of content already stored, attached when late. */
export class StoredVectorRepository extends SqlEntityRepository<MemoryRow> {
  constructor(em: EntityManager) {
    super(em, MemoryEntity);
  }

  /**
   * Vectors already stored for any of these exact contents in the workspace, by `model`: a
   * write of content the workspace has seen reuses its vector instead of embedding it again.
   */
  async vectorsByContent({
    workspaceId,
    contents,
    model,
  }: StoredContents & { model: string }): Promise<Map<string, number[]>> {
    if (contents.length === 0) return new Map();
    const rows = await query<{ content: string; embedding: string }>(
      this.em,
      sql`select distinct on (content) content, embedding::text as embedding from memories
        where workspace_id = ${workspaceId} and content_fingerprint = any(${contents.map(fingerprintOf)}::text[])
          and content = any(${contents}::text[]) and embedding_status = 'attached' and embedding_model = ${model}`,
    );
    return new Map(rows.map((r) => [r.content, fromSql(r.embedding) as number[]]));
  }

  /**
   * Attaches vectors that arrived after their writes committed to the workspace's PENDING
   * memories with those contents (held by those writes, or queued by others). Returns how many.
   */
  async attachByContent({
    workspaceId,
    contents,
    vectors,
    model,
  }: StoredContents & { vectors: number[][]; model: string }): Promise<number> {
    if (contents.length === 0) return 0;
    const rows = await query(
      this.em,
      sql`update memories m set embedding = v.embedding::vector, embedding_model = ${model},
          embedding_status = 'attached', embedding_attempts = 0, embedding_retry_time = null
        from unnest(${contents.map(fingerprintOf)}::text[], ${contents}::text[],
          ${vectors.map((v) => vectorLiteral(v))}::text[]) as v(fingerprint, content, embedding)
        where m.workspace_id = ${workspaceId} and m.content_fingerprint = v.fingerprint
          and m.content = v.content and m.embedding_status = 'pending'
        returning m.id`,
    );
    return rows.length;
  }

  /** Hands memories whose writer's embedding failed to the worker now, rather than when the hold runs out. */
  async releaseHeld({ workspaceId, contents }: StoredContents): Promise<void> {
    await query(
      this.em,
      sql`update memories set embedding_retry_time = null
        where workspace_id = ${workspaceId} and content_fingerprint = any(${contents.map(fingerprintOf)}::text[])
          and content = any(${contents}::text[]) and embedding_status = 'pending' and embedding_attempts = 0`,
    );
  }
}
