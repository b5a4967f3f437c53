/**
 * The heuristic for sensitive personal data, applied to field names split into words
 * (`dateOfBirth` → "date of birth", `eShramUan` → "e shram uan") on every object type of the SDL
 * (input types cannot carry policies). A field whose name matches one of these, or whose
 * description says "sensitive", "personal data" or "Aadhaar", must be guarded.
 */
import type { FieldDefinitionNode } from 'graphql';

export const SENSITIVE: { words: RegExp; what: string }[] = [
  { words: /\b(phone|mobile|email|address)\b/, what: 'contact details' },
  { words: /\b(aadhaa?r|aadhar|uan|pan|passport|voter id|ration card|id reference)\b/, what: 'an identity number' },
  { words: /\b(account|iban|upi)\b/, what: 'a financial account' },
  { words: /\b(beneficiary|beneficiaries|child|children|spouse|mother|father|guardian|nominee|dependant|dependent)\b/, what: 'a household member' },
  { words: /\b(pregnan\w*|maternal|maternity|delivery date|pmmvy)\b/, what: 'maternal data' },
  { words: /\b(health|medical|diagnosis|disability|caste|religion)\b/, what: 'special-category data' },
  { words: /\b(full name|first name|last name|surname)\b/, what: "a person's name" },
];
/** `name` is a person's name on these types (elsewhere it names a centre, a CIG, a ward...). */
const PERSON_TYPES = /^(Worker|Person|Member|Beneficiary|Dependant|Dependent|Nominee|Child|Spouse|Patient|Applicant|Citizen)$/;
const SENSITIVE_DESCRIPTION = /\b(sensitive|personal data|aadhaa?r)\b/i;
/**
 * Quasi-identifiers: reported as a warning when unguarded, not a failure (the hub's own policy
 * table leaves a worker's date of birth open; an agency that calls one "Sensitive" in its
 * description gets it checked as above).
 */
export const QUASI_IDENTIFIERS = /\b(date of birth|dob|birth date|birthday)\b/;

/** `dateOfBirth` → "date of birth", `eShramUan` → "e shram uan", `PAN` → "pan". */
export function nameWords(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/[_\-\s]+/g, ' ')
    .trim()
    .toLowerCase();
}

/** Why a field of `typeName` counts as sensitive personal data, or undefined. */
export function sensitiveReason(typeName: string, field: Pick<FieldDefinitionNode, 'name' | 'description'>): string | undefined {
  const words = nameWords(field.name.value);
  const match = SENSITIVE.find((s) => s.words.test(words));
  if (match) return match.what;
  if (words === 'name' && PERSON_TYPES.test(typeName)) return "a person's name";
  if (field.description && SENSITIVE_DESCRIPTION.test(field.description.value)) return 'described as sensitive';
  return undefined;
}

/** Whether a field's name is a quasi-identifier (date of birth). */
export function isQuasiIdentifier(fieldName: string): boolean {
  return QUASI_IDENTIFIERS.test(nameWords(fieldName));
}
