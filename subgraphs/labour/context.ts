import type { AgencyContext } from '../../src/shared/subgraph.js';
import type { LabourLoaders } from './loaders.js';

export type Context = AgencyContext<LabourLoaders>;
