/**
 * `npm run audit:verify` walks the gateway's access log from the first entry, recomputing each
 * hash and its link to the one before. Exit 0 when the chain is intact, 1 at the first changed,
 * missing or reordered entry (named), 2 when the log cannot be read. The head hash it prints can
 * be kept elsewhere: a log later cut short at its end no longer reaches it.
 */
import { locateDatabases } from '../src/shared/database.js';
import { AuditLog } from '../gateway/audit/log.js';

async function main(): Promise<number> {
  const databases = await locateDatabases();
  const log = await AuditLog.open(databases.urlFor('gateway'));
  try {
    const report = await log.verify();
    if (report.broken) {
      console.error(`Access log BROKEN at entry ${report.broken.seq}: ${report.broken.reason}.`);
      console.error(`Entries 1–${report.entries} are intact; the last intact hash is ${report.head}.`);
      return 1;
    }
    console.log(`Access log intact: ${report.entries} entries, head hash ${report.head}.`);
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
