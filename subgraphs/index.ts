/**
 * The agencies this repository runs: every `served_by: hub` entry of schema/supergraph.yaml,
 * loaded from `subgraphs/<name>/index.ts`, which exports the agency's AgencySubgraph. Adding an
 * agency (`npm run agency:new`) edits the registry, not this file. An agency served from
 * elsewhere (another language, another machine) has an `external` entry and no folder here.
 */
import path from 'node:path';
import type { AgencySubgraph } from '../src/shared/subgraph.js';
import { hubAgencyNames } from '../src/shared/supergraph.js';

export function loadAgency(name: string): AgencySubgraph<any> {
  const exported = require(path.join(__dirname, name, 'index')) as Record<string, unknown>;
  const agency = Object.values(exported).find((value): value is AgencySubgraph<any> => (value as AgencySubgraph)?.name === name);
  if (!agency) throw new Error(`subgraphs/${name}/index.ts must export the agency's AgencySubgraph (with name "${name}").`);
  return agency;
}

/** Every agency of the registry, loaded (a member process loads only its own, with loadAgency). */
export function hubAgencies(): AgencySubgraph<any>[] {
  return hubAgencyNames().map(loadAgency);
}
