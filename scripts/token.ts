/**
 * `npm run -s token -- --agency mepma --role officer --jurisdiction state:AP --purpose "CIG follow-up"`
 * (or a ward's CRP: `--agency mepma --role crp --jurisdiction ward:VJA-W07`) prints one caller token, signed by the development issuer, alone on stdout (so it can go
 * straight into a variable). Options: --subject (default `<agency>-<role>-demo`), --scopes
 * (default by role: officer, service and crp `read write`, auditor and analyst `read`),
 * --expires-in (default 8h); --help prints them all. Refused when a real identity provider's keys are configured.
 */
import { parseArgs } from 'node:util';
import type { Role } from '../src/shared/access/caller.js';

// A CRP writes visits (MEPMA's), so reads and writes like an officer; their role limits what.
const DEFAULT_SCOPES: Record<Role, string> = { officer: 'read write', service: 'read write', crp: 'read write', auditor: 'read', analyst: 'read' };

const USAGE = `Usage: npm run -s token -- --agency <agency> [options]

Prints one caller token, signed by the development issuer in KEYS_DIR, alone on stdout.

  --agency <name>         the agency the caller works for (registered in schema/supergraph.yaml); required
  --role <role>           officer (default), service, crp, auditor or analyst
  --jurisdiction <place>  national (default), state:AP, city:VJA, ward:VJA-W07, ...
  --purpose <purpose>     the purpose the token carries, one of PURPOSES (default: none)
  --subject <text>        the caller's subject (default <agency>-<role>-demo)
  --scopes <list>         default by role: officer, service and crp "read write", auditor and analyst "read"
  --expires-in <time>     how long the token is valid, e.g. 8h (default), 30m, 2d
  -h, --help              print this and exit

Example: npm run -s token -- --agency mepma --role officer --jurisdiction state:AP --purpose "CIG follow-up"`;

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

function options() {
  try {
    return parseArgs({
      options: {
        agency: { type: 'string' },
        role: { type: 'string', default: 'officer' },
        jurisdiction: { type: 'string', default: 'national' },
        purpose: { type: 'string' },
        subject: { type: 'string' },
        scopes: { type: 'string' },
        'expires-in': { type: 'string', default: '8h' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`);
  }
}

async function main() {
  const values = options();
  if (values.help) {
    console.log(USAGE);
    return;
  }
  // Loaded after the options, so that --help needs no configuration and a refused setting is one line.
  const [{ isKnownJurisdiction, knownJurisdictions, ROLES }, { loadAccessKeys, signCallerToken }, { configuredPurposes, recognisePurpose }, { config }, { readSupergraphConfig }, { unsafeCharacter }] = await Promise.all([
    import('../src/shared/access/caller.js'),
    import('../src/shared/access/keys.js'),
    import('../src/shared/access/purposes.js'),
    import('../src/shared/config.js'),
    import('../src/shared/supergraph.js'),
    import('../src/shared/validation.js'),
  ]);
  const { agency, jurisdiction, purpose } = values;
  const role = values.role as Role;
  // The gateway refuses (401) a token naming an agency it does not serve, or a place or role it does not know.
  const agencies = readSupergraphConfig().filter((entry) => entry.servedBy !== 'operators').map((entry) => entry.name);
  if (!agency) fail(`--agency is required, e.g. --agency mepma (registered: ${agencies.join(', ')})`);
  if (!agencies.includes(agency)) fail(`--agency must be an agency registered in schema/supergraph.yaml: ${agencies.join(', ')}`);
  if (!ROLES.includes(role)) fail(`--role must be one of ${ROLES.join(', ')}`);
  if (!isKnownJurisdiction(jurisdiction)) fail(`--jurisdiction must be a place Worker Graph serves: ${knownJurisdictions().join(', ')}`);
  if (values.subject !== undefined && (!values.subject || values.subject.length > 200 || unsafeCharacter(values.subject))) fail('--subject must be plain text of 1 to 200 characters');
  const purposes = configuredPurposes();
  if (purpose && !recognisePurpose(purpose, purposes)) fail(`--purpose must be one of: ${purposes.map((p) => p.label).join(', ')}`);
  if (config.auth.jwksFile || config.auth.jwksUrl) fail('Caller keys come from your identity provider (AUTH_JWKS_*): ask it for tokens.');

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
