// type-graphql's @Authorized hook: applies the role rule of auth/authorization.ts to the request's principal.
import { type AuthChecker } from 'type-graphql';
import { assertRole } from '../auth/authorization.js';
import { type Role } from '../auth/principal.js';
import { type RequestContext } from './request-context.js';

export const authChecker: AuthChecker<RequestContext, Role> = ({ context }, roles) => {
  assertRole(context.principal, roles);
  return true;
};
