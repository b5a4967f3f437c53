/** The asking side of the statistics protocol: the reports service puts a question to one agency. */
import { createHash } from 'node:crypto';
import type { Caller } from './access/caller.js';
import { SEAL_HEADER, sealCall, type MemberKey } from './access/seal.js';
import { config } from './config.js';
import { codedError, ErrorCode, subgraphUnavailable } from './errors.js';
import { STATISTICS_PATH } from './statistics-request.js';
import type { StatisticsAnswer, StatisticsRequest } from './statistics.js';

/** An agency's answer as it is sent: the answer, or the errors it refused with. */
export type AnswerOrRefusal = StatisticsAnswer & { errors?: { message: string; extensions: { code: string } }[] };

/**
 * Asks one agency, as `caller`, sealed by `signer` (the reports service). An agency that cannot
 * answer fails the report with SUBGRAPH_UNAVAILABLE naming it; its refusals (FORBIDDEN,
 * BAD_USER_INPUT) pass through.
 */
export async function askAgency(options: {
  agency: string;
  url: string;
  signer: MemberKey;
  caller: Caller;
  request: StatisticsRequest;
}): Promise<StatisticsAnswer> {
  const body = JSON.stringify(options.request);
  const endpoint = new URL(STATISTICS_PATH, options.url);
  const deadline = AbortSignal.timeout(config.reportTimeoutMs);
  const send = async () =>
    fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        // A fresh seal each time: a seal works once.
        [SEAL_HEADER]: await sealCall(options.signer, { caller: options.caller, audience: options.agency, body, kind: 'statistics' }),
      },
      body,
      signal: deadline,
    });
  let response: Response;
  let answer: AnswerOrRefusal;
  try {
    try {
      response = await send();
    } catch (error) {
      // A kept-alive connection the agency closed as the question went out (its idle timeout,
      // while this process was busy counting): the question never arrived, so it is asked again.
      if (!isClosedConnection(error)) throw error;
      response = await send();
    }
    const text = await response.text();
    answer = JSON.parse(text) as AnswerOrRefusal;
    answer.digest = createHash('sha256').update(text).digest('base64url');
  } catch {
    throw subgraphUnavailable(options.agency, `${options.agency} did not answer the report's question`);
  }
  return acceptedAnswer(options.agency, response.ok, answer);
}

/**
 * The agency's answer, or the error the report fails with: its refusals (FORBIDDEN,
 * BAD_USER_INPUT) named after it, anything else SUBGRAPH_UNAVAILABLE.
 */
export function acceptedAnswer(agency: string, ok: boolean, answer: AnswerOrRefusal): StatisticsAnswer {
  const refusal = answer.errors?.[0];
  if (refusal && ([ErrorCode.FORBIDDEN, ErrorCode.BAD_USER_INPUT] as string[]).includes(refusal.extensions.code)) {
    throw codedError(refusal.extensions.code as ErrorCode, `${agency}: ${refusal.message}`);
  }
  if (!ok || refusal) throw subgraphUnavailable(agency, `${agency} could not answer the report's question`);
  return answer;
}

/** undici's failure for a connection the other side closed before answering. */
export function isClosedConnection(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } })?.cause;
  return error instanceof TypeError && (cause?.code === 'UND_ERR_SOCKET' || cause?.code === 'ECONNRESET');
}
