/** Helpers for unit tests of rules (an agency's rules.ts, the shared access rules): no servers. */
import type { GraphQLError } from 'graphql';
import type { Caller } from '../../src/shared/access/caller';

function thrownBy(fn: () => unknown): GraphQLError | undefined {
  try {
    fn();
  } catch (error) {
    return error as GraphQLError;
  }
  return undefined;
}

/** The code and field of the error `fn` throws, or undefined when it accepts. */
export function refusal(fn: () => unknown): { code: unknown; field: unknown } | undefined {
  const found = refusalWithMessage(fn);
  return found && { code: found.code, field: found.field };
}

/** As `refusal`, with the error's message. */
export function refusalWithMessage(fn: () => unknown): { code: unknown; field: unknown; message: string } | undefined {
  const error = thrownBy(fn);
  if (!error) return undefined;
  const { code, field } = error.extensions ?? {};
  return { code, field, message: error.message };
}

/** An officer of `agency` with the write scope, in `jurisdiction`, declaring `purpose`. */
export const officer = (agency: string, jurisdiction: string, purpose: string, subject = `${agency}.officer`): Caller => ({
  agency, subject, role: 'officer', jurisdiction, scopes: ['read', 'write'], purpose,
});
