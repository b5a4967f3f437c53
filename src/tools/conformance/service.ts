/**
 * The service check: the subgraph serves `_service { sdl }`, and the SDL is a Federation 2
 * subgraph schema whose `Worker` carries a resolvable `@key(fields: "id")`.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import { firstError, sealHint, type Answer } from './answers.js';
import { result, type CheckResult } from './report.js';
import { booleanArgument, normaliseFields, SchemaIndex, schemaDirectives, stringArgument, type ParsedSdl } from './schema-index.js';

const FEDERATION_V2 = /^https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+$/;

/** `parsed` is the SDL of the answer, or undefined when the answer had none. */
export function checkService(answer: Answer, parsed: ParsedSdl | undefined): CheckResult {
  if (!parsed) return result('service', [`sealed _service { sdl } was not answered (${firstError(answer)})${sealHint(answer)}`], '', []);
  if ('error' in parsed) return result('service', [parsed.error], '', []);
  const { document } = parsed;
  const problems: string[] = [];
  const links = schemaDirectives(document).filter((d) => d.name.value === 'link').map((d) => stringArgument(d, 'url'));
  const federation = links.find((url) => url && FEDERATION_V2.test(url));
  if (!federation) problems.push('no @link to Federation v2 (https://specs.apollo.dev/federation/v2.x): a Federation 1 schema cannot join');
  else {
    try {
      buildSubgraphSchema([{ typeDefs: document }]);
    } catch (error) {
      problems.push(`not a valid Federation 2 subgraph schema: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  const index = new SchemaIndex(document);
  const worker = index.objects.get('Worker');
  const key = worker?.directives.find((d) => d.name.value === 'key' && normaliseFields(stringArgument(d, 'fields')) === 'id');
  if (!worker) problems.push('no Worker type: an agency adds its fields to Worker by @key(fields: "id")');
  else if (!key) problems.push('Worker has no @key(fields: "id")');
  else if (booleanArgument(key, 'resolvable') === false) problems.push('Worker\'s @key(fields: "id") is resolvable: false, so the gateway cannot fetch its fields');
  const version = federation?.split('/').pop();
  return result('service', problems, `serves a Federation ${version?.slice(1)} subgraph SDL extending Worker @key(fields: "id")`, []);
}
