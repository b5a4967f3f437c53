/**
 * `npm run -s token -- --agency mepma --role officer --jurisdiction state:AP --purpose "CIG follow-up"`
 * prints one caller token, signed by the development issuer, alone on stdout (so it can go
 * straight into a variable). Options: --subject (default `<agency>-<role>-demo`), --scopes
 * (default by role: officer and service `read write`, auditor and analyst `read`),
 * --expires-in (default 8h). Refused when a real identity provider's keys are configured.
 */
import { parseArgs } from 'node:util';
import { isJurisdiction, ROLES, type Role } from '../src/shared/access/caller.js';
import { loadAccessKeys, signCallerToken } from '../src/shared/access/keys.js';
import { configuredPurposes, recognisePurpose } from '../src/shared/access/purposes.js';
import { config } from '../src/shared/config.js';

const DEFAULT_SCOPES: Record<Role, string> = { officer: 'read write', service: 'read write', auditor: 'read', analyst: 'read' };

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

async function main() {
  const { values } = parseArgs({
    options: {
      agency: { type: 'string' },
      role: { type: 'string', default: 'officer' },
      jurisdiction: { type: 'string', default: 'national' },
      purpose: { type: 'string' },
      subject: { type: 'string' },
      scopes: { type: 'string' },
      'expires-in': { type: 'string', default: '8h' },
    },
  });
  const { agency, jurisdiction, purpose } = values;
  const role = values.role as Role;
  if (!agency || !/^[a-z][a-z0-9-]*$/.test(agency)) fail('--agency is required, e.g. --agency mepma');
  if (!ROLES.includes(role)) fail(`--role must be one of ${ROLES.join(', ')}`);
  if (!isJurisdiction(jurisdiction)) fail('--jurisdiction must be national, state:AP, district:<name> or city:<ULB code>');
  const purposes = configuredPurposes();
  if (purpose && !recognisePurpose(purpose, purposes)) fail(`--purpose must be one of: ${purposes.map((p) => p.label).join(', ')}`);
  if (process.env.AUTH_JWKS_FILE || process.env.AUTH_JWKS_URL) fail('Caller keys come from your identity provider (AUTH_JWKS_*): ask it for tokens.');

  const keys = await loadAccessKeys(config.keysDir);
  const token = await signCallerToken(keys, {
    agency,
    subject: values.subject ?? `${agency}-${role}-demo`,
    role,
    jurisdiction,
    scopes: (values.scopes ?? DEFAULT_SCOPES[role]).split(/[\s,]+/).filter(Boolean),
    purpose,
    expiresIn: values['expires-in'],
  });
  process.stdout.write(`${token}\n`);
}

main().catch((error) => fail(`Could not issue a token: ${error instanceof Error ? error.message : String(error)}`));
