import type { ContentExtraction } from "../graph/content-mentions.js";
import type { EntityManager } from "@mikro-orm/sql";
import { MemoryStatsRepository } from "./stats/stats.repository.js";
import { MemoryRepository } from "./memory.repository.js";
import { NeighbourRepository } from "./write/guard/neighbour.repository.js";
import { RetrievalRepository } from "./search/retrieval.repository.js";
import { StoredVectorRepository } from "./write/stored-vector.repository.js";
import { SupersessionRepository } from "./write/supersession.repository.js";
import { MemoryRevisionRepository } from "../history/revision.repository.js";

/** The memories table's repositories, each bound to an entity manager (a transaction's, or a fork). */
export interface MemoryRepositories {
  memories: (em: EntityManager) => MemoryRepository;
  retrieval: (em: EntityManager) => RetrievalRepository;
  neighbours: (em: EntityManager) => NeighbourRepository;
  vectors: (em: EntityManager) => StoredVectorRepository;
  stats: (em: EntityManager) => MemoryStatsRepository;
  supersessions: (em: EntityManager) => SupersessionRepository;
  revisions: (em: EntityManager) => MemoryRevisionRepository;
}

/** The standard repositories, the memories one finding contents' facts with `extract`. */
export const memoryRepositoriesWith = (extract: ContentExtraction): MemoryRepositories => ({
  ...memoryRepositories,
  memories: (em) => new MemoryRepository(em, extract),
});

export const memoryRepositories: MemoryRepositories = {
  memories: (em) => new MemoryRepository(em),
  retrieval: (em) => new RetrievalRepository(em),
  neighbours: (em) => new NeighbourRepository(em),
  vectors: (em) => new StoredVectorRepository(em),
  stats: (em) => new MemoryStatsRepository(em),
  supersessions: (em) => new SupersessionRepository(em),
  revisions: (em) => new MemoryRevisionRepository(em),
};
