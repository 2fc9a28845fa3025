import { Authorized, Query, Resolver } from 'type-graphql';
import { Role } from '../auth/principal.js';
import { ReembeddingService } from './reembedding.service.js';
import { ReembeddingStatus } from './reembedding.type.js';

@Resolver(() => ReembeddingStatus)
export class ReembeddingResolver {
  constructor(private readonly reembedding: ReembeddingService) {}

  @Authorized(Role.ADMIN)
  @Query(() => [ReembeddingStatus], {
    description: 'Progress of re-embedding after IMAGE_MODEL or CLIP_MODEL changed.',
  })
  reembeddingStatus() {
    return this.reembedding.statuses();
  }
}
