import { Field, Float, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Product } from '../products/product.type.js';
import { EmbeddingSpace, RankBy } from './recommendation.model.js';

registerEnumType(EmbeddingSpace, {
  name: 'EmbeddingSpace',
  description: 'Which vector of a product similarity is computed on.',
  valuesConfig: { ATTRIBUTES: { description: 'The hand-crafted attribute vector (scores in axis order).' } },
});

registerEnumType(RankBy, { name: 'RankBy' });

@ObjectType()
export class ScoredProduct {
  @Field(() => Product)
  product!: Product;

  @Field(() => Float, { description: 'Cosine similarity, -1 to 1 (higher is more similar).' })
  score!: number;

  @Field(() => Float, { description: '1 - score.' })
  distance!: number;
}

@ObjectType()
export class RankedProduct {
  @Field(() => Product)
  product!: Product;

  @Field(() => Int, { description: '1 for the best.' })
  rank!: number;

  @Field(() => Float, { description: 'The ranking metric: the vector norm, or the weighted sum.' })
  score!: number;
}

@InputType()
export class AttributeWeightInput {
  @Field(() => String)
  axis!: string;

  @Field(() => Float)
  weight!: number;
}
