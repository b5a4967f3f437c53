/**
 * Purpose limitation: every request names why it wants the data, from a configured list.
 * PURPOSES (comma-separated labels) replaces the default list; codes are the labels in
 * lower-case with hyphens, and either form is accepted from callers.
 */
const DEFAULT_PURPOSES = [
  'Scheme enrolment',
  'CIG formation',
  'CIG follow-up',
  'Licensing',
  'Grievance',
  'Service delivery',
  'Audit',
  'Statistics',
];

export interface Purpose {
  code: string;
  label: string;
}

export function purposeCode(label: string): string {
  return label
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

export function configuredPurposes(raw = process.env.PURPOSES): Purpose[] {
  const labels = raw ? raw.split(',').map((label) => label.trim()).filter(Boolean) : DEFAULT_PURPOSES;
  return labels.map((label) => ({ code: purposeCode(label), label }));
}

/** The purpose's code when `declared` names one on the list (by label or code), else undefined. */
export function recognisePurpose(declared: string, purposes: Purpose[]): string | undefined {
  const code = purposeCode(declared);
  return purposes.find((purpose) => purpose.code === code)?.code;
}
