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

describe('ApiKeyAuthenticator', () => {
  it.each([
    [undefined, { kind: 'anonymous' }],
    ['', { kind: 'anonymous' }],
    ['Bearer adm-2', { kind: 'key', role: Role.ADMIN }],
    ['bearer ana-1', { kind: 'key', role: Role.ANALYST }],
    ['Bearer evt-1', { kind: 'key', role: Role.EVENTS }],
    ['Bearer adm-3', { kind: 'invalid-key' }],
    ['Bearer adm-1x', { kind: 'invalid-key' }],
    ['Basic adm-1', { kind: 'invalid-key' }],
    ['Bearer', { kind: 'invalid-key' }],
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
    expect(() => assertRole({ kind: 'anonymous' }, [Role.ANALYST])).toThrow(UnauthenticatedError);
    expect(() => assertRole({ kind: 'invalid-key' }, [Role.ADMIN])).toThrow(UnauthenticatedError);
  });
});
