/**
 * The agencies this repository runs. An agency served from elsewhere (another language,
 * another machine) needs no entry here: schema/supergraph.yaml is what the gateway composes.
 */
import type { AgencySubgraph } from '../src/shared/subgraph.js';
import { icds } from './icds/index.js';
import { labour } from './labour/index.js';
import { mepma } from './mepma/index.js';
import { municipal } from './municipal/index.js';
import { transport } from './transport/index.js';

export const agencies: AgencySubgraph<any>[] = [labour, icds, transport, municipal, mepma];
