/**
 * The access log's signing and checkpoints as the environment configures them: what the gateway
 * writes with (startGatewayMember, when it is given nothing else) and what `npm run audit:verify`
 * checks against.
 */
import { config } from '../../src/shared/config.js';
import { ConfigError } from '../../src/shared/errors.js';
import { checkpointDatabase, checkpointFile, readCheckpointDatabase, readCheckpointFile, type CheckpointSink, type FoundCheckpoint } from './checkpoints.js';
import type { AuditLogOptions, VerifyOptions } from './log.js';
import { auditSignerFromFile, readAuditPublicKeys } from './signing.js';

/** AUDIT_SIGNING_KEY_FILE (re-read every TRUST_RELOAD_SECONDS), AUDIT_CHECKPOINT_FILE, AUDIT_CHECKPOINT_DATABASE_URL, AUDIT_CHECKPOINT_SECONDS. */
export async function auditWritingFromConfig(): Promise<AuditLogOptions> {
  const signer = await auditSignerFromFile(config.auditSigningKeyFile, config.trustReloadSeconds * 1000);
  const checkpoints: CheckpointSink[] = [];
  if (config.auditCheckpointFile) checkpoints.push(checkpointFile(config.auditCheckpointFile));
  if (config.auditCheckpointDatabaseUrl) checkpoints.push(await checkpointDatabase(config.auditCheckpointDatabaseUrl));
  if (!checkpoints.length) console.warn('[audit] no checkpoints are kept (AUDIT_CHECKPOINT_FILE=none, no AUDIT_CHECKPOINT_DATABASE_URL): a log cut short at its end would not show.');
  return { signer, checkpoints, checkpointSeconds: config.auditCheckpointSeconds };
}

export interface AuditVerification extends Required<Pick<VerifyOptions, 'publicKeys' | 'checkpoints'>> {
  /** Where the checkpoints came from, and what was missing. */
  sources: string[];
  warnings: string[];
}

/**
 * The public keys (a file: a verifier never takes them from the database it checks) and every
 * checkpoint from the file and the other database. A missing checkpoint file is a warning (no
 * checkpoint taken yet); an unreadable key file or checkpoint database is an error.
 */
export async function auditVerification(options: { publicKeysFile: string; checkpointFile?: string; checkpointDatabaseUrl?: string }): Promise<AuditVerification> {
  const publicKeys = readAuditPublicKeys(options.publicKeysFile);
  const checkpoints: FoundCheckpoint[] = [];
  const sources: string[] = [];
  const warnings: string[] = [];
  if (options.checkpointFile) {
    const found = await readCheckpointFile(options.checkpointFile).catch((error: Error) => {
      throw new ConfigError(`The checkpoint file (AUDIT_CHECKPOINT_FILE) ${options.checkpointFile} could not be read: ${error.message}`);
    });
    if (!found) warnings.push(`there is no checkpoint file at ${options.checkpointFile}`);
    else {
      checkpoints.push(...found.checkpoints);
      warnings.push(...found.warnings);
      sources.push(options.checkpointFile);
    }
  }
  if (options.checkpointDatabaseUrl) {
    const found = await readCheckpointDatabase(options.checkpointDatabaseUrl).catch((error: Error) => {
      throw new ConfigError(`The checkpoint database (AUDIT_CHECKPOINT_DATABASE_URL) could not be read: ${error.message}`);
    });
    checkpoints.push(...found);
    sources.push('AUDIT_CHECKPOINT_DATABASE_URL');
  }
  return { publicKeys, checkpoints, sources, warnings };
}

export function auditVerificationFromConfig(): Promise<AuditVerification> {
  return auditVerification({
    publicKeysFile: config.auditPublicKeysFile,
    checkpointFile: config.auditCheckpointFile,
    checkpointDatabaseUrl: config.auditCheckpointDatabaseUrl,
  });
}
