/**
 * `npm run audit:verify` walks the gateway's access log from the first entry: it recomputes each
 * hash and its link to the one before, checks that the gateway's signatures cover every entry
 * and hold under the public keys in AUDIT_PUBLIC_KEYS_FILE (a file: never keys from the database
 * being checked), and that every checkpoint in AUDIT_CHECKPOINT_FILE and in
 * AUDIT_CHECKPOINT_DATABASE_URL is signed, matches the entry it names, and that the log reaches
 * the furthest one. Exit 0 when all holds, 1 at the first changed, missing, reordered, unsigned
 * or cut-off entry (named), 2 when the log, the keys or the checkpoints cannot be read.
 */
import { locateDatabases } from '../src/shared/database.js';
import { AuditLog } from '../subgraphs/audit/log.js';
import { auditVerificationFromConfig } from '../subgraphs/audit/setup.js';

async function main(): Promise<number> {
  const verification = await auditVerificationFromConfig();
  const databases = await locateDatabases();
  const log = await AuditLog.open(databases.urlFor('gateway'));
  try {
    const report = await log.verify({ publicKeys: verification.publicKeys, checkpoints: verification.checkpoints });
    for (const warning of [...verification.warnings, ...(report.warnings ?? [])]) console.error(`Note: ${warning}.`);
    if (report.broken) {
      console.error(`Access log BROKEN at entry ${report.broken.seq}: ${report.broken.reason}.`);
      console.error(`Entries 1–${report.entries} are intact; the last intact hash is ${report.head}.`);
      return 1;
    }
    const { signatures, checkpoints } = report;
    console.log(`Access log intact: ${report.entries} entries, head hash ${report.head}.`);
    console.log(`Signed: every entry, in ${signatures!.batches} batches, by ${signatures!.keys.join(', ') || 'no key'}${signatures!.unsignedBefore ? ` (entries 1–${signatures!.unsignedBefore} predate signing)` : ''}.`);
    const latest = checkpoints!.latest;
    console.log(`Checkpoints: ${checkpoints!.checked} agree${latest ? `; the latest, ${latest.at}, at entry ${latest.seq}` : ''} (${verification.sources.join(', ') || 'none read'}).`);
    return 0;
  } finally {
    await log.close();
    await databases.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error('Could not read the access log:', error instanceof Error ? error.message.split('\n')[0] : error);
    process.exit(2);
  },
);
