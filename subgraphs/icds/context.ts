import type { AgencyContext } from '../../src/shared/subgraph.js';
import type { IcdsLoaders } from './loaders.js';

export type Context = AgencyContext<IcdsLoaders>;
