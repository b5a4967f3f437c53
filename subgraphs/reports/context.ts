import type { AccessContext } from '../../src/shared/access/enforce.js';
import type { CellKeyMethod } from '../../src/shared/cell-key.js';
import type { CompiledScheme } from '../../src/shared/schemes.js';
import type { StatisticsAnswer, StatisticsRequest } from '../../src/shared/statistics.js';
import type { ReportMemo } from './memo.js';
import type { PopulationStanding, schemesLoader } from './single-window.js';

export interface Context extends AccessContext {
  /** Asks one agency a statistical question as the caller (src/shared/statistics.ts). */
  ask(agency: string, request: StatisticsRequest): Promise<StatisticsAnswer>;
  /**
   * How every count of people is published: perturbed by its records' keys, never 1 to
   * `minimum` − 1 (src/shared/cell-key.ts). The secret in it is the reports service's alone.
   */
  cellKeys: CellKeyMethod;
  /** The scheme catalogue, its rules checked against the agencies' facts (src/shared/schemes.ts). */
  catalogue: CompiledScheme[];
  /** Agencies as people name them (`MEPMA`, `Labour Department`), for reasons a CRP reads out. */
  agencyTitles: Record<string, string>;
  /** Per request: the schemes of a batch of workers, one fact question per agency. */
  schemes: ReturnType<typeof schemesLoader>;
  /** Results worked out from answers that come back unchanged, across requests (memo.ts). */
  memo: ReportMemo;
  /** Per request: populations already evaluated (single-window.ts `populationStanding`). */
  standings: Map<string, Promise<PopulationStanding>>;
}
