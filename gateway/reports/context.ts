import type { AccessContext } from '../../src/shared/access/enforce.js';
import type { StatisticsAnswer, StatisticsRequest } from '../../src/shared/statistics.js';

export interface Context extends AccessContext {
  /** Asks one agency a statistical question as the caller (src/shared/statistics.ts). */
  ask(agency: string, request: StatisticsRequest): Promise<StatisticsAnswer>;
  /** The smallest count of people a report may publish. */
  minimumCount: number;
}
