// The layers of src/, top to bottom. A module may import from its own layer and the layers
// below it, never from one above; `npm run lint` fails on any import that does.
const layers = [
  {
    name: "composition root and CLI",
    path: "^src/[^/]+\\.ts$|^src/(cli|compose)/",
    pathNot: "^src/(logger|ids|paging|worker-thread)\\.ts$",
  },
  { name: "transports (server, mcp)", path: "^src/(server|mcp)/" },
  { name: "API dialect", path: "^src/api/" },
  {
    name: "services and repositories (memory, history, feed, staging, auth, graph, search settings)",
    path: "^src/(memory|history|feed|staging|auth|graph|search-settings)/",
  },
  { name: "models (embedding, rerank)", path: "^src/(embedding|rerank)/" },
  { name: "model host (a model's thread, its loads and calls)", path: "^src/model-host/" },
  { name: "model files", path: "^src/models/" },
  {
    name: "infrastructure (db, errors, logger, ids, paging, worker threads)",
    path: "^src/(db|errors)/|^src/(logger|ids|paging|worker-thread)\\.ts$",
  },
];

const upward = layers.flatMap((lower, i) =>
  layers.slice(0, i).map((higher) => ({
    name: "no-upward-import",
    comment: `${lower.name} must not import ${higher.name}`,
    severity: "error",
    from: { path: lower.path, ...(lower.pathNot ? { pathNot: lower.pathNot } : {}) },
    to: { path: higher.path, ...(higher.pathNot ? { pathNot: higher.pathNot } : {}) },
  })),
);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...upward,
    {
      name: "no-transport-to-transport",
      comment: "server and mcp share the API dialect layer, not each other's code",
      severity: "error",
      from: { path: "^src/server/" },
      to: { path: "^src/mcp/" },
    },
    {
      name: "no-transport-to-transport",
      comment: "server and mcp share the API dialect layer, not each other's code",
      severity: "error",
      from: { path: "^src/mcp/" },
      to: { path: "^src/server/" },
    },
    {
      name: "no-circular",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
  ],
  options: {
    includeOnly: "^src/",
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};
