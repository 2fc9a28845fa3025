import { Field, Float, ObjectType, registerEnumType } from 'type-graphql';
import { Product } from '../catalogue/product.type.js';
import { EmbeddingSpace } from '../recommendations/recommendation.domain.js';
import { ProjectionMethod } from './embedding-map.service.js';

registerEnumType(ProjectionMethod, {
  name: 'ProjectionMethod',
  description: 'How a space is drawn in two dimensions.',
  valuesConfig: {
    PCA: { description: 'The two principal components: global structure, linear, fast.' },
    UMAP: { description: 'UMAP: local neighbourhoods kept, clusters pulled apart; slower.' },
  },
});

@ObjectType()
export class MapPoint {
  @Field(() => Product)
  product!: Product;

  @Field(() => Float)
  x!: number;

  @Field(() => Float)
  y!: number;
}

@ObjectType({ description: "A two-dimensional projection of one space's product vectors." })
export class EmbeddingMap {
  @Field(() => EmbeddingSpace)
  space!: EmbeddingSpace;

  @Field(() => ProjectionMethod)
  method!: ProjectionMethod;

  @Field(() => String, { nullable: true, description: 'The model of IMAGE and CLIP vectors.' })
  modelId!: string | null;

  @Field(() => [Float], { nullable: true, description: 'PCA: the share of variance each axis explains.' })
  explainedVariance!: number[] | null;

  @Field(() => [MapPoint])
  points!: MapPoint[];
}
