import { memantoRemember } from "./memanto.js";
import { penumbraCreateMemories } from "./penumbra.js";
import type { SeedRoute } from "./seed-route.js";
import { sharedMemoryWrite } from "./sharedmemory.js";

/**
 * The routes of the other memory APIs Engram was built from, served verbatim beside its own
 * (the TrustPager API is Engram's REST dialect itself, see rest_alias). Listed in the OpenAPI
 * document under the tag "Compatibility".
 */
export const SEED_ROUTES: readonly SeedRoute[] = [sharedMemoryWrite, memantoRemember, penumbraCreateMemories];
