import { describe, expect, it } from 'vitest';
import { ForbiddenError, UnauthenticatedError } from '../errors/domain-errors.js';
import { ApiKeyAuthenticator } from './api-key.authenticator.js';
import { assertRole } from './authorization.js';
import { Role } from './principal.js';

const authenticator = new ApiKeyAuthenticator({
  adminKeys: ['adm-1', 'adm-2'],
  analystKeys: ['ana-1'],
  eventsKeys: ['evt-1'],
});

const configuredRoles = [Role.ADMIN, Role.ANALYST, Role.EVENTS];

describe('ApiKeyAuthenticator', () => {
  it.each([
    [undefined, { kind: 'anonymous', configuredRoles }],
    ['', { kind: 'anonymous', configuredRoles }],
    ['Bearer adm-2', { kind: 'key', role: Role.ADMIN }],
    ['bearer ana-1', { kind: 'key', role: Role.ANALYST }],
    ['Bearer evt-1', { kind: 'key', role: Role.EVENTS }],
    ['Bearer adm-3', { kind: 'invalid-key', configuredRoles }],
    ['Bearer adm-1x', { kind: 'invalid-key', configuredRoles }],
    ['Basic adm-1', { kind: 'invalid-key', configuredRoles }],
    ['Bearer', { kind: 'invalid-key', configuredRoles }],
  ])('%j → %j', (header, principal) => {
    expect(authenticator.authenticate(header)).toEqual(principal);
  });
});

describe('assertRole', () => {
  it('lets ADMIN do what ANALYST may, but not the reverse', () => {
    expect(() => assertRole({ kind: 'key', role: Role.ADMIN }, [Role.ANALYST])).not.toThrow();
    expect(() => assertRole({ kind: 'key', role: Role.ANALYST }, [Role.ADMIN])).toThrow(ForbiddenError);
    expect(() => assertRole({ kind: 'key', role: Role.ADMIN }, [Role.EVENTS])).not.toThrow();
    expect(() => assertRole({ kind: 'key', role: Role.EVENTS }, [Role.ANALYST])).toThrow(ForbiddenError);
    expect(() => assertRole({ kind: 'key', role: Role.ANALYST }, [Role.EVENTS])).toThrow(ForbiddenError);
    expect(() => assertRole({ kind: 'anonymous', configuredRoles }, [Role.ANALYST])).toThrow(
      UnauthenticatedError,
    );
    expect(() => assertRole({ kind: 'invalid-key', configuredRoles }, [Role.ADMIN])).toThrow(
      'The API key is not valid',
    );
  });

  it('says so when no key of a role that may do the operation is configured', () => {
    const analystsOnly = new ApiKeyAuthenticator({ adminKeys: [], analystKeys: ['ana-1'] });
    for (const header of ['Bearer wrong', undefined]) {
      expect(() => assertRole(analystsOnly.authenticate(header), [Role.ADMIN])).toThrow(
        'This operation needs the ADMIN role, but no such API keys are configured on this server (set ADMIN_API_KEYS)',
      );
    }
    expect(() => assertRole(analystsOnly.authenticate('Bearer wrong'), [Role.ANALYST])).toThrow(
      'The API key is not valid',
    );
  });
});
