/**
 * `npm run schema:check -- <agency> <schema file> [--registry schema/supergraph.yaml]`: composes
 * the candidate with the registered subgraphs and reports composition errors, ownership
 * collisions and breaking changes (with the registered operations they break). Exit 0 when
 * there is nothing to report, 1 when there is, 2 on a usage error.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkSchema, printReport } from '../src/tools/schema-check.js';
import { SUPERGRAPH_CONFIG } from '../src/shared/supergraph.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { registry: { type: 'string', default: SUPERGRAPH_CONFIG } } });
const [agency, file] = positionals;
if (!agency || !file || !existsSync(file)) {
  console.error('Usage: npm run schema:check -- <agency> <schema file>');
  process.exit(2);
}
void checkSchema(agency, file, { registry: values.registry }).then((report) => {
  printReport(report);
  process.exit(report.ok ? 0 : 1);
});
