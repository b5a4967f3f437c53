import type { AgencySubgraph } from '../../src/shared/subgraph.js';
import { loadSchema } from '../../src/shared/subgraph.js';
import { entities } from './entities.js';
import { createLoaders, type __PASCAL__Loaders } from './loaders.js';
import { migrations } from './migrations/index.js';
import { resolvers } from './resolvers.js';
import { hasData, seed } from './seed.js';

/** What the shared runner needs to serve __TITLE__ (the registry, schema/supergraph.yaml, lists it). */
export const __CAMEL__: AgencySubgraph<__PASCAL__Loaders> = {
  name: '__NAME__',
  title: '__TITLE__',
  typeDefs: loadSchema(__dirname),
  resolvers,
  entities,
  migrations,
  createLoaders,
  seed,
  hasData,
};
