import type { AgencySubgraph } from '../../src/shared/subgraph.js';
import { loadSchema } from '../../src/shared/subgraph.js';
import { entities } from './entities.js';
import { createLoaders, type TransportLoaders } from './loaders.js';
import { migrations } from './migrations/index.js';
import { resolvers } from './resolvers.js';
import { hasData, seed } from './seed.js';
import { statistics } from './statistics.js';

export const transport: AgencySubgraph<TransportLoaders> = {
  name: 'transport',
  title: 'Transport Department',
  typeDefs: loadSchema(__dirname),
  resolvers,
  entities,
  migrations,
  createLoaders,
  seed,
  hasData,
  statistics,
};
