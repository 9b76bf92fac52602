import type { EntityManager } from "@mikro-orm/sql";
import { MemoryRepository } from "./memory.repository.js";
import { RetrievalRepository } from "./retrieval.repository.js";
import { StoredVectorRepository } from "./stored-vector.repository.js";

/** The memories table's repositories, each bound to an entity manager (a transaction's, or a fork). */
export interface MemoryRepositories {
  memories: (em: EntityManager) => MemoryRepository;
  retrieval: (em: EntityManager) => RetrievalRepository;
  vectors: (em: EntityManager) => StoredVectorRepository;
}

export const memoryRepositories: MemoryRepositories = {
  memories: (em) => new MemoryRepository(em),
  retrieval: (em) => new RetrievalRepository(em),
  vectors: (em) => new StoredVectorRepository(em),
};
