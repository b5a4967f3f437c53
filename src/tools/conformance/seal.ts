/**
 * The seal check: the subgraph refuses calls without the gateway's seal (unsealed, sealed with a
 * key it does not trust, for another agency, for another body, or a seal sent twice), and
 * answers `/health`.
 */
import { generateMemberKey } from '../../shared/access/members.js';
import { errorCodes, firstError, type Answer } from './answers.js';
import { sealHeaders, type Prober, type Target } from './prober.js';
import { result, type CheckResult } from './report.js';

export async function checkSeal(target: Target, http: Prober): Promise<CheckResult> {
  const query = '{ _service { sdl } }';
  const body = JSON.stringify({ query });
  const stranger = (await generateMemberKey(target.signer.member)).key;
  const otherAgency = `not-${target.agency}`;
  // The replay probe sends a seal the kit has already used once, successfully or not.
  const used = await sealHeaders(target.signer, target.agency, body);
  await http.send(target.url, 'the first use of a seal', { headers: used, body });
  const probes: { what: string; headers: Record<string, string> }[] = [
    { what: 'an unsealed call', headers: {} },
    { what: 'a call sealed with a key the agency does not trust', headers: await sealHeaders(stranger, target.agency, body) },
    { what: `a call sealed for another agency (aud "${otherAgency}")`, headers: await sealHeaders(target.signer, otherAgency, body) },
    { what: 'a call sealed for another request body', headers: await sealHeaders(target.signer, target.agency, JSON.stringify({ query: '{ __typename }' })) },
    { what: 'a seal sent a second time', headers: used },
  ];
  const problems: string[] = [];
  let unanswered = 0;
  for (const probe of probes) {
    const answer = await http.send(target.url, `${probe.what}`, { headers: probe.headers, body });
    if (answer.failure && answer.status === undefined) {
      // An unreachable service is said once, not once per probe.
      if (unanswered++ === 0) problems.push(`${probe.what}: ${answer.failure}`);
      continue;
    }
    const problem = refusalProblem(probe.what, answer);
    if (problem) problems.push(problem);
  }
  if (unanswered > 1) problems.push(`${unanswered - 1} more probe(s) alike`);
  const warnings: string[] = [];
  const healthUrl = new URL('/health', target.url).toString();
  const health = await http.send(healthUrl, 'GET /health', { method: 'GET' });
  if (health.status !== 200) warnings.push(`${healthUrl} ${health.failure ?? `answered HTTP ${health.status}`}; load balancers expect 200 there`);
  return result('seal', problems, 'refuses unsealed calls and seals of another key, another agency and another body (401)', warnings);
}

/** What is wrong with the answer to a call that should have been refused, or undefined. */
export function refusalProblem(what: string, answer: Answer): string | undefined {
  const refused = answer.status === 401 || errorCodes(answer).includes('UNAUTHENTICATED');
  const data = answer.json?.data;
  const leaked = data != null && typeof data === 'object' && Object.values(data).some((v) => v != null);
  if (leaked) return `${what} was answered with data`;
  if (!refused) return `${what} was not refused as UNAUTHENTICATED (${firstError(answer)})`;
  return undefined;
}
