/** ICDS enrolment rules, as plain functions a unit test can call. */
import { badInput, quoted } from '../../src/shared/errors.js';
import { addMonths, ageOn } from '../../src/shared/dates.js';
import { dateOrder } from '../../src/shared/validation.js';
import type { BeneficiaryType, Relation } from './entities.js';

export function centreIdArg(value: string, field = 'centreId'): string {
  const id = value.trim();
  if (!/^AWC-[A-Z]+-\d{4}$/.test(id)) throw badInput(`${quoted(value)} is not an anganwadi centre id; they look like AWC-VJA-0001.`, field);
  return id;
}

export function enrolmentIdArg(value: string, field = 'id'): string {
  const id = value.trim();
  if (!/^ICDS-\d{7}$/.test(id)) throw badInput(`${quoted(value)} is not an ICDS enrolment id; they look like ICDS-0000042.`, field);
  return id;
}

export const CHILD_AGE_LIMIT = 6;
export const PREGNANCY_MONTHS = 9;
export const LACTATION_MONTHS = 6;

export interface HouseholdMember {
  beneficiaryType: BeneficiaryType;
  relationToWorker: Relation;
  dateOfBirth?: string | null;
  expectedDeliveryDate?: string | null;
  deliveryDate?: string | null;
}

const DATE_FIELDS = ['dateOfBirth', 'expectedDeliveryDate', 'deliveryDate'] as const;

/** The one date each beneficiary type is enrolled on. */
const OWN_DATE: Record<BeneficiaryType, (typeof DATE_FIELDS)[number]> = {
  CHILD: 'dateOfBirth',
  PREGNANT_WOMAN: 'expectedDeliveryDate',
  LACTATING_MOTHER: 'deliveryDate',
};

const LABEL: Record<BeneficiaryType, string> = {
  CHILD: 'child',
  PREGNANT_WOMAN: 'pregnant woman',
  LACTATING_MOTHER: 'lactating mother',
};

/**
 * Who anganwadi services are for: children under six, women from pregnancy to six months after
 * delivery. A stray date for another type is refused rather than dropped, as it usually means
 * the wrong type was picked.
 */
export function householdMemberRules(member: HouseholdMember, enrolledOn: string): void {
  const type = member.beneficiaryType;
  const own = OWN_DATE[type];
  for (const field of DATE_FIELDS) {
    if (field !== own && member[field] != null) {
      throw badInput(`${field} is not recorded for a ${LABEL[type]}; a ${LABEL[type]} is enrolled with ${own} only.`, field);
    }
  }
  const date = member[own];
  if (date == null) throw badInput(`A ${LABEL[type]} is enrolled with ${own}; it is missing.`, own);

  if (type === 'CHILD') {
    if (member.relationToWorker !== 'CHILD') {
      throw badInput(`A child is enrolled with relationToWorker CHILD, not ${member.relationToWorker}.`, 'relationToWorker');
    }
    if (date > enrolledOn) throw badInput(`dateOfBirth (${date}) is after enrolledOn (${enrolledOn}); enrol a child once born.`, 'dateOfBirth');
    const age = ageOn(date, enrolledOn);
    if (age >= CHILD_AGE_LIMIT) {
      throw badInput(`Anganwadi services are for children under ${CHILD_AGE_LIMIT}; this child was ${age} on ${enrolledOn}.`, 'dateOfBirth');
    }
    return;
  }

  if (member.relationToWorker === 'CHILD') {
    throw badInput(`A ${LABEL[type]} is the worker herself (SELF) or the worker's spouse (SPOUSE), not CHILD.`, 'relationToWorker');
  }
  if (type === 'PREGNANT_WOMAN') {
    dateOrder(enrolledOn, date, 'enrolledOn', 'expectedDeliveryDate');
    if (date > addMonths(enrolledOn, PREGNANCY_MONTHS)) {
      throw badInput(`expectedDeliveryDate (${date}) is more than ${PREGNANCY_MONTHS} months after enrolledOn (${enrolledOn}); check the date.`, 'expectedDeliveryDate');
    }
  } else {
    if (date > enrolledOn) {
      throw badInput(`deliveryDate (${date}) is after enrolledOn (${enrolledOn}); a woman who has not delivered yet is enrolled as PREGNANT_WOMAN.`, 'deliveryDate');
    }
    if (date < addMonths(enrolledOn, -LACTATION_MONTHS)) {
      throw badInput(`deliveryDate (${date}) is more than ${LACTATION_MONTHS} months before enrolledOn (${enrolledOn}); lactating mothers are enrolled in the first ${LACTATION_MONTHS} months after delivery.`, 'deliveryDate');
    }
  }
}

export function exitDateRule(enrolment: { id: string; enrolledOn: string }, exitedOn: string): void {
  if (exitedOn < enrolment.enrolledOn) {
    throw badInput(`exitedOn (${exitedOn}) is before ${enrolment.id} was enrolled (${enrolment.enrolledOn}).`, 'exitedOn');
  }
}
