/**
 * The agencies this repository runs. An agency served from elsewhere (another language,
 * another machine) needs no entry here: schema/supergraph.yaml is what the gateway composes.
 */
import type { AgencySubgraph } from '../src/shared/subgraph.js';
import { labour } from './labour/index.js';

export const agencies: AgencySubgraph<any>[] = [labour];
