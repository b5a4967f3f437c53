import type { AgencyContext } from '../../src/shared/subgraph.js';
import type { TransportLoaders } from './loaders.js';

export type Context = AgencyContext<TransportLoaders>;
