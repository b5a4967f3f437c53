import type { AgencySubgraph } from '../../src/shared/subgraph.js';
import { loadSchema } from '../../src/shared/subgraph.js';
import { entities } from './entities.js';
import { createLoaders, type MunicipalLoaders } from './loaders.js';
import { migrations } from './migrations/index.js';
import { resolvers } from './resolvers.js';
import { hasData, seed } from './seed.js';
import { statistics } from './statistics.js';

export const municipal: AgencySubgraph<MunicipalLoaders> = {
  name: 'municipal',
  title: 'Municipal Administration',
  typeDefs: loadSchema(__dirname),
  resolvers,
  entities,
  migrations,
  createLoaders,
  seed,
  hasData,
  statistics,
};
