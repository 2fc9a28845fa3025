export enum Role {
  ADMIN = 'ADMIN',
  ANALYST = 'ANALYST',
  /** May only record interaction events: the key a storefront ships with. */
  EVENTS = 'EVENTS',
}

/** The caller of a request: anonymous, or holding a key of one role. */
export type Principal =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'invalid-key' }
  | { readonly kind: 'key'; readonly role: Role };

export const ANONYMOUS: Principal = { kind: 'anonymous' };
