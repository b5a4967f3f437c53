/**
 * The gateway's guards, in request order, all before any agency is called:
 *
 * 1. trusted documents (trusted-documents.ts): a registered operation's id becomes its text
 *    before Apollo reads the request;
 * 2. operation limits (limits.ts): the token limit while parsing, then depth, aliases, root
 *    fields, directives and cost as validation rules;
 * 3. on the resolved operation: introspection by role (introspection.ts), the input check
 *    (control characters, lone surrogates: validation.ts), then registered operations only for
 *    the roles that must, and only then the step they guard (the field check), so a refused
 *    operation is never admitted and never gets a mutation's 'started' access-log entry.
 *
 * Each refusal is an ordinary GraphQL error response, so the access-log plugin writes its entry.
 */
import type { ApolloServerPlugin, GraphQLRequestContextDidEncounterErrors } from '@apollo/server';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import type { GraphQLError, ParseOptions, ValidationRule } from 'graphql';
import { ROLES, type Role } from '../../src/shared/access/caller.js';
import { config } from '../../src/shared/config.js';
import { ConfigError } from '../../src/shared/errors.js';
import { checkOperationText } from '../../src/shared/validation.js';
import type { GatewayContext } from '../data-source.js';
import { checkIntrospection, withoutSuggestions } from './introspection.js';
import { defaultLimits, isLimitRefusal, limitError, limitRules, tokenLimitError, type LimitReason, type OperationLimits } from './limits.js';
import { operationNotRegistered, resolveDocumentId, TrustedDocuments } from './trusted-documents.js';

export { limitError, type LimitReason, type OperationLimits } from './limits.js';
export { TRUSTED_DOCUMENTS_FILE, TrustedDocuments } from './trusted-documents.js';

export interface GuardOptions {
  limits?: OperationLimits;
  /** Roles that may introspect (default INTROSPECTION_ROLES: officer, auditor). */
  introspectionRoles?: readonly string[];
  /** Roles that run registered operations only (default REGISTERED_OPERATIONS_ONLY_ROLES: analyst, service, crp). */
  registeredOnlyRoles?: readonly string[];
  /** The registered operations (default client/generated/persisted-documents.json). */
  trustedDocuments?: TrustedDocuments;
}

export interface OperationGuards {
  parseOptions: ParseOptions;
  validationRules: ValidationRule[];
  /** The guards as one plugin around `admit`, whose operation hook runs only once they let it through. */
  around(admit: ApolloServerPlugin<GatewayContext>): ApolloServerPlugin<GatewayContext>;
}

/** A list of roles from a setting, every one a role the hub knows (a typo would silently open or close a door). */
function roles(value: readonly string[], setting: string): Role[] {
  const unknown = value.filter((role) => !(ROLES as readonly string[]).includes(role));
  if (unknown.length) throw new ConfigError(`${setting} names unknown roles (${unknown.join(', ')}); the roles are ${ROLES.join(', ')}.`);
  return [...value] as Role[];
}

export function operationGuards(options: GuardOptions = {}): OperationGuards {
  const limits = options.limits ?? defaultLimits();
  const introspectionRoles = roles(options.introspectionRoles ?? config.introspectionRoles, 'INTROSPECTION_ROLES');
  const registeredOnlyRoles = roles(options.registeredOnlyRoles ?? config.registeredOperationsOnlyRoles, 'REGISTERED_OPERATIONS_ONLY_ROLES');
  const documents = options.trustedDocuments ?? TrustedDocuments.fromFile();
  const { parseOptions, validationRules } = limitRules(limits);

  return {
    parseOptions,
    validationRules,
    around: (admit) => ({
      ...admit,
      async requestDidStart(requestContext) {
        const { request, contextValue } = requestContext;
        const { role } = contextValue.caller;
        const restricted = registeredOnlyRoles.includes(role);
        const mayIntrospect = introspectionRoles.includes(role);
        // An unknown id sent without text leaves Apollo nothing to run; its own error is replaced by this.
        const unknownId = resolveDocumentId(request, documents, restricted);
        const inner = await admit.requestDidStart?.(requestContext);
        return {
          ...inner,
          async didResolveOperation(resolved) {
            checkIntrospection(resolved.document, role, introspectionRoles);
            checkOperationText(resolved.schema, resolved.document, resolved.request.variables, resolved.operationName);
            if (restricted && !documents.isRegistered(resolved.source, resolved.document)) throw operationNotRegistered(true);
            await inner?.didResolveOperation?.(resolved);
          },
          async didEncounterErrors(failed) {
            reshapeErrors(failed, (error) => {
              if (unknownId) return unknownId;
              if (error.extensions?.code === ApolloServerErrorCode.GRAPHQL_PARSE_FAILED) return tokenLimitError(error) ?? error;
              if (isLimitRefusal(error)) return limitError(error.extensions.reason as LimitReason, Number(error.extensions.limit), Number(error.extensions.found));
              // Names of fields, types, arguments and enum values, suggested by validation and variable coercion.
              if (!mayIntrospect) error.message = withoutSuggestions(error.message);
              return error;
            });
            await inner?.didEncounterErrors?.(failed);
          },
        };
      },
    }),
  };
}

/**
 * Replaces errors before they are sent. Apollo formats exactly the array it hands to
 * didEncounterErrors, and takes the HTTP status from the errors themselves, so a refusal replaced
 * here keeps its own code and status (validation errors arrive re-coded GRAPHQL_VALIDATION_FAILED).
 */
function reshapeErrors(requestContext: GraphQLRequestContextDidEncounterErrors<GatewayContext>, reshape: (error: GraphQLError) => GraphQLError): void {
  const errors = requestContext.errors as GraphQLError[];
  const reshaped = errors.map(reshape);
  // An unknown id is one refusal, however Apollo put its complaint.
  const unique = reshaped.filter((error, i) => reshaped.indexOf(error) === i);
  errors.splice(0, errors.length, ...unique);
}
