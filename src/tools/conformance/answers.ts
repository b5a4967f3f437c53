/** What came back from one call, and how the checks read it. */

export interface Answer {
  label: string;
  status?: number;
  json?: any;
  /** Why there is no answer: unreachable, timed out, not JSON. */
  failure?: string;
}

/** The `extensions.code` of each GraphQL error in the answer (NO_CODE where it has none). */
export function errorCodes(answer: Answer): string[] {
  const errors = answer.json?.errors;
  return Array.isArray(errors) ? errors.map((e: any) => String(e?.extensions?.code ?? 'NO_CODE')) : [];
}

/** The answer's first problem, in a few words, for a check's detail. */
export function firstError(answer: Answer): string {
  if (answer.failure) return answer.failure;
  const error = answer.json?.errors?.[0];
  if (error) return `HTTP ${answer.status}, ${error.extensions?.code ?? 'no code'}: ${String(error.message).slice(0, 160)}`;
  return `HTTP ${answer.status}`;
}

/** When a sealed call was refused, what is most likely wrong: the name or the trust file. */
export function sealHint(answer: Answer): string {
  if (answer.status === 401 || errorCodes(answer).includes('UNAUTHENTICATED')) {
    return ': it refused the seal; is --name its registered name (the seal\'s audience), and does its trust file accept this hub\'s gateway key (members/gateway.jwks.json) for graphql calls?';
  }
  return '';
}
