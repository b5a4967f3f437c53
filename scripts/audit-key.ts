/**
 * `npm run audit:key -- <command>`: the gateway's audit-signing key in KEYS_DIR/audit.
 *
 *   list      the public keys verifiers hold (the newest first) and the key in force
 *   rotate    a new key: its public key is published first, the older ones stay (they verify
 *             what they signed), then the gateway signs with the new one (a running gateway takes
 *             it up within TRUST_RELOAD_SECONDS). Give the auditors the new public-keys file.
 */
import { readFileSync } from 'node:fs';
import { config } from '../src/shared/config.js';
import { auditKeyFile, auditPublicKeysFile, ensureAuditKey, rotateAuditKey } from '../subgraphs/audit/signing.js';

function main(): void {
  const [command] = process.argv.slice(2);
  const dir = config.keysDir;
  if (command === 'rotate') {
    ensureAuditKey(dir);
    console.log(`The gateway now signs the access log with ${rotateAuditKey(dir)}; the public keys are in ${auditPublicKeysFile(dir)}.`);
  } else if (command === 'list') {
    ensureAuditKey(dir);
    const { kid } = JSON.parse(readFileSync(auditKeyFile(dir), 'utf8')) as { kid: string };
    const { keys } = JSON.parse(readFileSync(auditPublicKeysFile(dir), 'utf8')) as { keys: { kid: string }[] };
    for (const key of keys) console.log(`${key.kid}${key.kid === kid ? '  (in force)' : ''}`);
  } else throw new Error('Usage: npm run audit:key -- list | rotate');
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(2);
}
