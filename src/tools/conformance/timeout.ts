/** The timeout check: every call the other checks made answered within the timeout. */
import { result, type CheckResult, type TimedCall } from './report.js';

export function checkTimeout(calls: TimedCall[], timeoutMs: number): CheckResult {
  const late = calls.filter((c) => !c.inTime);
  if (!calls.length) return result('timeout', ['no call was made'], '', []);
  if (!late.length && !calls.some((c) => c.answered)) return result('timeout', ['no call was answered'], '', []);
  const slowest = calls.reduce((a, b) => (b.ms > a.ms ? b : a));
  const problems = late.length ? [`no answer within ${timeoutMs} ms to: ${late.map((c) => c.label).join(', ')}`] : [];
  return result('timeout', problems, `${calls.length} calls, each within ${timeoutMs} ms; slowest ${slowest.ms} ms (${slowest.label})`, []);
}
