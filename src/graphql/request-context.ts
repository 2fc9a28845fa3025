import type DataLoader from 'dataloader';
import { type Logger } from 'pino';
import { type Principal } from '../auth/principal.js';
import { type EmbeddingStatus } from '../embeddings/embedding.domain.js';

/** Per-request batch loaders, so a list of products costs one query per field, not one per product. */
export interface RequestLoaders {
  readonly embeddingStatus: DataLoader<string, EmbeddingStatus[]>;
}

/** What every GraphQL resolver receives: who is calling, a logger bound to the request id, loaders. */
export interface RequestContext {
  readonly requestId: string;
  readonly principal: Principal;
  readonly logger: Logger;
  readonly loaders: RequestLoaders;
}
