// The role rule: who may do what. No or an unknown key → UNAUTHENTICATED; a valid key
// of a role that may not perform the operation → FORBIDDEN. ADMIN may do everything any role may.
import { ForbiddenError, UnauthenticatedError } from '../errors/domain-errors.js';
import { type Principal, Role } from './principal.js';

export function assertRole(principal: Principal, allowed: readonly Role[]): void {
  if (principal.kind !== 'key') {
    // ADMIN keys may do what ANALYST keys may: an operation is reachable if any such key exists.
    const reachable = principal.configuredRoles.some((role) => role === Role.ADMIN || allowed.includes(role));
    if (!reachable) {
      const variables = [
        'ADMIN_API_KEYS',
        ...(allowed.includes(Role.ANALYST) ? ['ANALYST_API_KEYS'] : []),
        ...(allowed.includes(Role.EVENTS) ? ['EVENTS_API_KEYS'] : []),
      ].join(' or ');
      throw new UnauthenticatedError(
        `This operation needs the ${allowed.join(' or ')} role, but no such API keys are configured on this server (set ${variables})`,
      );
    }
  }
  if (principal.kind === 'anonymous') {
    throw new UnauthenticatedError('This operation needs an API key: send `Authorization: Bearer <key>`');
  }
  if (principal.kind === 'invalid-key') {
    throw new UnauthenticatedError('The API key is not valid');
  }
  const effective = principal.role === Role.ADMIN ? Object.values(Role) : [principal.role];
  if (!allowed.some((role) => effective.includes(role))) {
    throw new ForbiddenError(`This operation needs the ${allowed.join(' or ')} role`);
  }
}
