import { type Logger } from 'pino';
import { type Principal } from '../auth/principal.js';

/** What every GraphQL resolver receives: who is calling, and a logger bound to the request id. */
export interface RequestContext {
  readonly requestId: string;
  readonly principal: Principal;
  readonly logger: Logger;
}
