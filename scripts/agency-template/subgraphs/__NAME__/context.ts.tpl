import type { AgencyContext } from '../../src/shared/subgraph.js';
import type { __PASCAL__Loaders } from './loaders.js';

export type Context = AgencyContext<__PASCAL__Loaders>;
