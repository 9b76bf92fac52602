import { ApiKeySchema } from "./auth/api-key.entity.js";
import { MemorySchema } from "./memory/memory.entity.js";
import { WriteRequestSchema } from "./memory/write-request.entity.js";

/** Every entity the database holds; the composition root hands them to the ORM (src/db/orm.ts). */
export const ENTITIES = [MemorySchema, ApiKeySchema, WriteRequestSchema];
