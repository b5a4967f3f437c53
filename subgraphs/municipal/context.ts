import type { AgencyContext } from '../../src/shared/subgraph.js';
import type { MunicipalLoaders } from './loaders.js';

export type Context = AgencyContext<MunicipalLoaders>;
