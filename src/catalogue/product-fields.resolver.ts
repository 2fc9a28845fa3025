import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { ProductService } from './product.service.js';
import { EmbeddingSpaceService } from '../embeddings/embedding-space.service.js';
import { EmbeddingStatus } from '../embeddings/embedding.type.js';
import { type RequestContext } from '../graphql/request-context.js';
import { Product } from './product.type.js';

@Resolver(() => Product)
export class ProductFieldsResolver {
  constructor(
    private readonly spaces: EmbeddingSpaceService,
    private readonly products: ProductService,
  ) {}

  @FieldResolver(() => String, {
    nullable: true,
    description:
      "Where to fetch the product's photo: the stored copy (a path on this service, cacheable: it changes with the photo) or else imageUrl.",
  })
  photoUrl(@Root() product: Product, @Ctx() context: RequestContext) {
    return context.loaders
      .for('photoUrl', (ids) => this.products.photoPaths(ids), null)
      .load(product.id)
      .then((path) => path ?? product.imageUrl);
  }

  @FieldResolver(() => [EmbeddingStatus], {
    description:
      'Per image space, whether this product has a vector of the model serving it (and if not, why).',
  })
  embeddingStatus(@Root() product: Product, @Ctx() context: RequestContext) {
    return context.loaders.for('embeddingStatus', (ids) => this.spaces.statuses(ids), []).load(product.id);
  }
}
