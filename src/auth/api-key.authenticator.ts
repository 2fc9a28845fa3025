// Resolves an `Authorization: Bearer <key>` header to a principal. Keys are compared in constant
// time: every configured key is checked (no early exit) on fixed-length digests.
import { createHash, timingSafeEqual } from 'node:crypto';
import { type Principal, Role } from './principal.js';

const digest = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

export class ApiKeyAuthenticator {
  private readonly keys: ReadonlyArray<{ digest: Buffer; role: Role }>;
  private readonly configuredRoles: readonly Role[];

  constructor(keys: {
    adminKeys: readonly string[];
    analystKeys: readonly string[];
    eventsKeys?: readonly string[];
  }) {
    this.keys = [
      ...keys.adminKeys.map((key) => ({ digest: digest(key), role: Role.ADMIN })),
      ...keys.analystKeys.map((key) => ({ digest: digest(key), role: Role.ANALYST })),
      ...(keys.eventsKeys ?? []).map((key) => ({ digest: digest(key), role: Role.EVENTS })),
    ];
    this.configuredRoles = [Role.ADMIN, Role.ANALYST, Role.EVENTS].filter((role) =>
      this.keys.some((key) => key.role === role),
    );
  }

  authenticate(authorizationHeader: string | undefined): Principal {
    if (authorizationHeader === undefined || authorizationHeader.trim() === '')
      return { kind: 'anonymous', configuredRoles: this.configuredRoles };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorizationHeader);
    if (!match?.[1]) return { kind: 'invalid-key', configuredRoles: this.configuredRoles };
    const presented = digest(match[1]);
    let role: Role | undefined;
    for (const key of this.keys) {
      if (timingSafeEqual(key.digest, presented) && role === undefined) role = key.role;
    }
    return role === undefined
      ? { kind: 'invalid-key', configuredRoles: this.configuredRoles }
      : { kind: 'key', role };
  }
}
