export enum Role {
  ADMIN = 'ADMIN',
  ANALYST = 'ANALYST',
  /** May only record interaction events: the key a storefront ships with. */
  EVENTS = 'EVENTS',
}

/**
 * The caller of a request: anonymous, or holding a key of one role. A caller without a valid key
 * also learns which roles have keys on this server at all, so that an operation no key could ever
 * be allowed says so instead of "not valid".
 */
export type Principal =
  | { readonly kind: 'anonymous'; readonly configuredRoles: readonly Role[] }
  | { readonly kind: 'invalid-key'; readonly configuredRoles: readonly Role[] }
  | { readonly kind: 'key'; readonly role: Role };
