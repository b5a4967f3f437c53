/** What the kit reports: one result per check, the calls it made, and the lines a person reads. */

export const CHECKS = ['seal', 'service', 'access', 'entities', 'source', 'timeout'] as const;
export type CheckName = (typeof CHECKS)[number];

export interface CheckResult {
  name: CheckName;
  ok: boolean;
  /** What was found: on failure, the reasons, `; `-separated. */
  detail: string;
  /** Worth a look, but not a failure. */
  warnings: string[];
}

export interface TimedCall {
  label: string;
  ms: number;
  /** False when it did not answer within the timeout. */
  inTime: boolean;
  /** False when nothing came back (unreachable, timed out). */
  answered: boolean;
}

export interface ConformanceReport {
  url: string;
  agency: string;
  ok: boolean;
  checks: CheckResult[];
  calls: TimedCall[];
}

/** A check passes when it found no problem: then `passDetail` says what it saw. */
export function result(name: CheckName, problems: string[], passDetail: string, warnings: string[]): CheckResult {
  return problems.length ? { name, ok: false, detail: problems.join('; '), warnings } : { name, ok: true, detail: passDetail, warnings };
}

/** One line per check, with its warnings indented below, and a summary line. */
export function formatReport(report: ConformanceReport): string[] {
  const width = Math.max(...report.checks.map((c) => c.name.length));
  const lines = [`Conformance of ${report.agency} at ${report.url}`];
  for (const check of report.checks) {
    lines.push(`${check.ok ? 'PASS' : 'FAIL'}  ${check.name.padEnd(width)}  ${check.detail}`);
    for (const warning of check.warnings) lines.push(`      ${' '.repeat(width)}  warning: ${warning}`);
  }
  const passed = report.checks.filter((c) => c.ok).length;
  lines.push(`${passed} of ${report.checks.length} checks passed${report.ok ? '' : `: ${report.agency} does not conform yet`}.`);
  return lines;
}
