import { Arg, Authorized, Extensions, Int, Query, Resolver } from 'type-graphql';
import { Role } from '../auth/principal.js';
import { VECTOR_QUERY } from '../graphql/query-complexity.js';
import { EmbeddingSpace } from '../recommendations/recommendation.domain.js';
import { EmbeddingMapService, MAP_PRODUCTS_MAX, ProjectionMethod } from './embedding-map.service.js';
import { EmbeddingMap } from './embedding-map.type.js';

@Resolver()
export class EmbeddingMapResolver {
  constructor(private readonly maps: EmbeddingMapService) {}

  @Authorized(Role.ANALYST)
  @Extensions(VECTOR_QUERY)
  @Query(() => EmbeddingMap, {
    description: "The products of one vector space projected to 2-D (the analyst page's embedding map).",
  })
  embeddingMap(
    @Arg('space', () => EmbeddingSpace, { defaultValue: EmbeddingSpace.IMAGE }) space: EmbeddingSpace,
    @Arg('method', () => ProjectionMethod, { defaultValue: ProjectionMethod.PCA }) method: ProjectionMethod,
    @Arg('first', () => Int, { defaultValue: 1000, description: `Products drawn, 1–${MAP_PRODUCTS_MAX}.` })
    first: number,
  ) {
    return this.maps.map(space, method, first);
  }
}
