/**
 * Purpose limitation: every request names why it wants the data, from a configured list.
 * PURPOSES (comma-separated labels, `config.purposes`) replaces the default list
 * (DEFAULT_PURPOSES in src/shared/config.ts); codes are the labels in lower-case with hyphens,
 * and either form is accepted from callers.
 */
import { config } from '../config.js';

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

/** The purposes `labels` name (default: PURPOSES, else the default list), each with its code. */
export function configuredPurposes(labels: readonly string[] = config.purposes): Purpose[] {
  return labels.map((label) => ({ code: purposeCode(label), label }));
}

/** The purpose's code when `declared` names one on the list (by label or code), else undefined. */
export function recognisePurpose(declared: string, purposes: Purpose[]): string | undefined {
  const code = purposeCode(declared);
  return purposes.find((purpose) => purpose.code === code)?.code;
}
