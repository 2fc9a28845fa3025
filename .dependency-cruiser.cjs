// The layering of src/, checked by `npm run check` (dependency-cruiser). Folders are layers; a
// folder may import its own layer and any layer below it, never one above. Top to bottom:
//
//   main.ts, worker.ts, service-process.ts, server.ts, graphql-schema.ts   composition root: wires everything, serves HTTP
//   pages/                                 the web pages, GraphiQL and product photos over HTTP
//   demo/                                  the demo catalogue seeded on first start
//   analytics/                             analysts' views of the catalogue (embedding maps)
//   classification/                        zero-shot classification
//   interactions/                          shopper events, trending, behaviour queries
//   recommendations/                       the engine: validation, planning, SQL, diversity, explanations
//   behavior/                              the BEHAVIOR space: implicit ALS, its training job and versions
//   catalogue/                             products, attribute axes and attribute vectors
//   embeddings/                            embedding storage and lifecycle, media pipeline, query embedding
//   inference/                             ONNX sessions, CNN/CLIP models, tokenizer, manifest, downloads
//   imaging/                               image intake (SSRF-safe loader) and preprocessing
//   http/                                  HTTP safeguards: timeouts, rate limits, body budget, readiness, headers
//   graphql/                               request context, complexity, error formatting (transport leaf)
//   auth/                                  API keys and roles
//   db/                                    database factory, migrations, vector SQL fragments
//   errors/, config.ts, logger.ts, paths.ts, generated/   leaves
const LAYERS = [
  '(main|worker|service-process|server|graphql-schema)\\.ts',
  'pages/',
  'demo/',
  'analytics/',
  'classification/',
  'interactions/',
  'recommendations/',
  'behavior/',
  'catalogue/',
  'embeddings/',
  'inference/',
  'imaging/',
  'http/',
  'graphql/',
  'auth/',
  'db/',
  '(errors/|config\\.ts|logger\\.ts|paths\\.ts|generated/)',
];

const layerRules = LAYERS.slice(1).map((layer, index) => ({
  name: `layer-${layer.replace(/[^a-z-]/g, '') || 'leaves'}`,
  comment: `src/${layer} must not import a layer above it (${LAYERS.slice(0, index + 1).join(', ')})`,
  severity: 'error',
  from: { path: `^src/${layer}` },
  to: { path: `^src/(${LAYERS.slice(0, index + 1).join('|')})` },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'http-only-from-the-root',
      comment:
        'http/ is express middleware the composition root puts in front of GraphQL; no domain folder uses it.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/(server|main)\\.ts$', '^src/http/'] },
      to: { path: '^src/http/' },
    },
    {
      name: 'no-circular',
      comment: 'Files must not import each other in a circle.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/generated/' },
      to: { circular: true },
    },
    {
      name: 'src-not-to-tooling',
      comment: 'Production code never imports tests, benchmarks or scripts.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|scripts)/' },
    },
    {
      name: 'services-are-plain',
      comment:
        'Services hold the rules in plain TypeScript: no transport, database, ONNX or image libraries (STYLE.md).',
      severity: 'error',
      from: { path: '\\.service\\.ts$' },
      to: {
        path: [
          'node_modules/(graphql|type-graphql|@apollo|onnxruntime-node|sharp|pg|@prisma|@electric-sql)/',
          '^src/generated/',
          '^src/db/',
        ],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'sql-in-repositories',
      comment: 'Prisma and SQL live in repositories, *.sql.ts builders and db/ only.',
      severity: 'error',
      from: {
        path: '^src/',
        pathNot: ['\\.repository\\.ts$', '\\.sql\\.ts$', '^src/db/', '^src/generated/'],
      },
      to: { path: ['^src/generated/', 'node_modules/(pg|@prisma)/'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'graphql-in-transport-files',
      comment:
        'type-graphql and Apollo appear only in resolvers, GraphQL types/inputs, graphql/ and the composition root.',
      severity: 'error',
      from: {
        path: '^src/',
        pathNot: [
          '\\.(resolver|type|input)\\.ts$',
          '^src/graphql/',
          '^src/(server|graphql-schema|main)\\.ts$',
        ],
      },
      to: { path: 'node_modules/(type-graphql|@apollo|@as-integrations)/' },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules', '^src/generated/'] },
    exclude: { path: ['\\.spec\\.ts$'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
