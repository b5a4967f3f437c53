/** Municipal's issuing rules, as plain functions a unit test can call. */
import { badInput, conflict, quoted } from '../../src/shared/errors.js';
import type { RecordedStatus, VendingCertificate, VendingZone } from './entities.js';
import { today } from '../../src/shared/dates.js';

/** The Street Vendors Act leaves the term to the scheme; Andhra Pradesh's runs to five years. */
export const VENDING_CERTIFICATE_MAX_YEARS = 5;
/** Trade licences are renewed every year. */
export const TRADE_LICENCE_MAX_YEARS = 1;

/** A ward code's shape, `VJA-W07`; whether the ward exists is the ward table's answer. */
export function wardCodeArg(value: string, field = 'ward'): string {
  const code = value.trim().toUpperCase();
  if (!/^[A-Z]+-W\d{2,3}$/.test(code)) throw badInput(`${quoted(value)} is not a ward code; ward codes look like VJA-W07.`, field);
  return code;
}

export function vendingZoneIdArg(value: string, field = 'vendingZoneId'): string {
  const id = value.trim().toUpperCase();
  if (!/^VZ-[A-Z]+-\d{4}$/.test(id)) throw badInput(`${quoted(value)} is not a vending zone id; zone ids look like VZ-VJA-0001.`, field);
  return id;
}

export function certificateNumberArg(value: string, field = 'certificateNumber'): string {
  const number = value.trim().toUpperCase();
  if (!/^[A-Z]+\/SVC\/\d{4}\/\d{6,}$/.test(number)) {
    throw badInput(`${quoted(value)} is not a vending certificate number; they look like VJA/SVC/2025/000123.`, field);
  }
  return number;
}

/** EXPIRED is never recorded: a certificate or licence lapses on its own once its last day has passed. */
export function currentStatus(document: { status: RecordedStatus; validUntil: string }, on = today()): RecordedStatus | 'EXPIRED' {
  if (document.status !== 'CANCELLED' && document.validUntil < on) return 'EXPIRED';
  return document.status;
}

/** Certificates are only issued where the town vending committee allows vending. */
export function vendingAllowed(zone: VendingZone): void {
  if (zone.zoneType === 'NO_VENDING') {
    throw badInput(`${zone.name} (${zone.id}) is a no-vending zone; choose a vending zone for this vendor.`, 'vendingZoneId');
  }
}

/** A zone holds at most `capacity` vendors with an active certificate. */
export function zoneHasRoom(zone: VendingZone, activeCertificates: number): void {
  if (activeCertificates >= zone.capacity) {
    throw conflict(`${zone.name} (${zone.id}) is full: all ${zone.capacity} places hold active certificates.`);
  }
}

/**
 * One current certificate per vendor. A suspended one counts too: a fresh certificate must not
 * be a way round a suspension. The certificate is named only when `shown`: to a caller whose
 * jurisdiction covers its zone.
 */
export function noCurrentCertificate(workerId: string, current: VendingCertificate | null, shown = true): void {
  if (current) {
    if (!shown) throw conflict(`${workerId} already holds a current vending certificate, issued outside your jurisdiction.`);
    const state = current.status === 'SUSPENDED' ? 'a suspended' : 'an active';
    throw conflict(`${workerId} already holds ${state} vending certificate, ${current.certificateNumber}, valid until ${current.validUntil}.`);
  }
}
