import type { AgencyContext } from '../../src/shared/subgraph.js';
import type { MepmaLoaders } from './loaders.js';

export type Context = AgencyContext<MepmaLoaders>;
