/**
 * `npm run agency:verify -- --url <subgraph url> [--name <agency>] [--timeout-ms 5000] [--labour-url <url>]`
 * is the conformance kit for an agency's running subgraph: one PASS/FAIL line per check (seal,
 * service, access, entities, source, timeout; see src/tools/conformance/), warnings indented
 * below. `--name` is the agency's registered name, the audience of the gateway's seal; by default
 * the registry entry (schema/supergraph.yaml) with that URL. `--labour-url` takes real worker ids
 * from Labour's subgraph; without it W-0000001..W-0000020 are batched through `_entities` and
 * W-0000001..W-0000100 sampled for `source`.
 *
 * Calls are sealed as the gateway seals them, with the gateway's key (MEMBER_KEY_FILE, or the
 * development key in KEYS_DIR/members), as a national auditor with purpose `audit` and the read scope.
 * Exit 0 when every check passes, 1 when one fails, 2 on a usage error.
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { ensureMemberKey, memberKeyFile, memberKeyFromJwk } from '../src/shared/access/members.js';
import { config } from '../src/shared/config.js';
import { formatReport, registryEntryFor, verifyAgency } from '../src/tools/conformance/index.js';

const USAGE = 'Usage: npm run agency:verify -- --url <subgraph url> [--name <agency>] [--timeout-ms 5000] [--labour-url <url>]';

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        url: { type: 'string' },
        name: { type: 'string' },
        'timeout-ms': { type: 'string', default: '5000' },
        'labour-url': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`);
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const url = values.url;
  if (!url) fail(`--url is required.\n${USAGE}`);
  try {
    new URL(url);
  } catch {
    fail(`--url must be a URL, e.g. http://localhost:4006/graphql (got "${url}").`);
  }
  const timeoutMs = Number(values['timeout-ms']);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) fail(`--timeout-ms must be a positive whole number of milliseconds (got "${values['timeout-ms']}").`);
  const agency = values.name ?? registryEntryFor(url)?.name;
  if (!agency) fail(`--name is required: ${url} is not a routing URL in schema/supergraph.yaml. Give the agency's name (the seal's audience).`);

  // Without MEMBER_KEY_FILE, the development hub's gateway key (made if missing: a key no agency trusts yet).
  if (!config.memberKeyFile) await ensureMemberKey(config.keysDir, 'gateway');
  const keyFile = config.memberKeyFile ?? memberKeyFile(config.keysDir, 'gateway');
  let signer;
  try {
    signer = await memberKeyFromJwk('gateway', JSON.parse(readFileSync(keyFile, 'utf8')));
  } catch (error) {
    fail(`The gateway's key ${keyFile} could not be read (${(error as Error).message}): set MEMBER_KEY_FILE or KEYS_DIR.`);
  }
  const report = await verifyAgency({ url, agency, signer, timeoutMs, labourUrl: values['labour-url'] });
  for (const line of formatReport(report)) console.log(line);
  return report.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => fail(`agency:verify could not run: ${error instanceof Error ? error.message : String(error)}`),
);
