import type { AgencySubgraph } from '../../src/shared/subgraph.js';
import { loadSchema } from '../../src/shared/subgraph.js';

/** Placeholder: replaced by the agency's real subgraph. */
export const mepma: AgencySubgraph<object> = {
  name: 'mepma',
  title: 'MEPMA',
  typeDefs: loadSchema(__dirname),
  resolvers: { Worker: { __resolveReference: (reference: { id: string }) => reference } },
  entities: [],
  migrations: [],
  createLoaders: () => ({}),
  seed: async () => {},
  hasData: async () => true,
};
