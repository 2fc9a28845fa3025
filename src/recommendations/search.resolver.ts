import { Arg, Extensions, Int, Query, Resolver } from 'type-graphql';
import { ImageInput } from '../imaging/image.input.js';
import { listComplexity, VECTOR_QUERY } from '../graphql/query-complexity.js';
import { EmbeddingSpace, K_DEFAULT } from './recommendation.domain.js';
import { SearchService } from './search.service.js';
import { ScoredProduct } from './recommendation.type.js';

@Resolver()
export class SearchResolver {
  constructor(private readonly search: SearchService) {}

  @Extensions(VECTOR_QUERY)
  @Query(() => [ScoredProduct], {
    description:
      "Products whose photos match a text, by CLIP (cosine of the text's and the photos' embeddings).",
    complexity: listComplexity('k', K_DEFAULT),
  })
  searchProducts(
    @Arg('text', () => String) text: string,
    @Arg('k', () => Int, { defaultValue: K_DEFAULT }) k: number,
  ) {
    return this.search.searchProducts(text, k);
  }

  @Extensions(VECTOR_QUERY)
  @Query(() => [ScoredProduct], {
    description: 'Products that look like a photo: upload one, find the catalogue products nearest to it.',
    complexity: listComplexity('k', K_DEFAULT),
  })
  searchByImage(
    @Arg('image', () => ImageInput) image: ImageInput,
    @Arg('space', () => EmbeddingSpace, { defaultValue: EmbeddingSpace.IMAGE }) space: EmbeddingSpace,
    @Arg('k', () => Int, { defaultValue: K_DEFAULT }) k: number,
  ) {
    return this.search.searchByImage(image, space, k);
  }
}
