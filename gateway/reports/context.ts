import type { AccessContext } from '../../src/shared/access/enforce.js';
import type { CellKeyMethod } from '../../src/shared/cell-key.js';
import type { StatisticsAnswer, StatisticsRequest } from '../../src/shared/statistics.js';

export interface Context extends AccessContext {
  /** Asks one agency a statistical question as the caller (src/shared/statistics.ts). */
  ask(agency: string, request: StatisticsRequest): Promise<StatisticsAnswer>;
  /**
   * How every count of people is published: perturbed by its records' keys, never 1 to
   * `minimum` − 1 (src/shared/cell-key.ts). The secret in it is the reports service's alone.
   */
  cellKeys: CellKeyMethod;
}
