import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ImageInput } from '../imaging/image.input.js';
import { ProductFilter } from '../catalogue/product.input.js';
import { Product } from '../catalogue/product.type.js';
import { DistanceMetric, EmbeddingSpace, RankBy, RecommendationStrategy } from './recommendation.domain.js';

registerEnumType(EmbeddingSpace, {
  name: 'EmbeddingSpace',
  description: 'Which value of a product similarity is computed on.',
  valuesConfig: {
    ATTRIBUTES: { description: 'The hand-crafted attribute vector (scores in axis order).' },
    IMAGE: { description: 'ImageNet CNN features of the product photo (IMAGE_MODEL; ResNet-50: 2048-d).' },
    CLIP: {
      description: 'CLIP embedding of the product photo, comparable with CLIP text (CLIP_MODEL; 512-d).',
    },
    TAGS: { description: 'The tag set (JACCARD, SORENSEN_DICE).' },
    GEO: { description: 'The location (HAVERSINE, in km).' },
    BEHAVIOR: {
      description:
        'Item vectors learned from shopper interactions (implicit ALS, trainBehaviorModel); products nobody interacted with have none.',
    },
  },
});

registerEnumType(DistanceMetric, {
  name: 'DistanceMetric',
  description:
    'How distance and score are computed. score is higher-is-better: COSINE cosine similarity (distance 1 − cosine); ' +
    'DOT_PRODUCT the inner product (distance its negative); JACCARD and SORENSEN_DICE 1 − distance (distance 1 − index); ' +
    'HAMMING 1 − bits/dimensions (distance the number of differing bits of the binary-quantised embeddings); ' +
    'EUCLIDEAN, L2_SQUARED, MANHATTAN, MINKOWSKI (p), CHEBYSHEV and HAVERSINE (km) 1 / (1 + distance).',
});

registerEnumType(RecommendationStrategy, {
  name: 'RecommendationStrategy',
  valuesConfig: {
    AVERAGE_VECTOR: {
      description: 'One query per space: 2·mean(like) − mean(unlike), or mean(like) without unlike.',
    },
    BEST_SCORE: {
      description:
        'Per space the best similarity to a liked example; minus the best unliked one where that is closer.',
    },
  },
});

registerEnumType(RankBy, { name: 'RankBy' });

@ObjectType({ description: "One space's part in a product's score." })
export class SpaceContribution {
  @Field(() => EmbeddingSpace)
  space!: EmbeddingSpace;

  @Field(() => DistanceMetric)
  metric!: DistanceMetric;

  @Field(() => String, { nullable: true, description: 'The model of IMAGE and CLIP vectors.' })
  modelId!: string | null;

  @Field(() => Float, {
    nullable: true,
    description: "The metric's distance; null when the product has no value here.",
  })
  distance!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: "The metric's score; null when the product has no value here.",
  })
  similarity!: number | null;

  @Field(() => Float, { description: 'The weight asked for.' })
  weight!: number;

  @Field(() => Float, { description: 'The weight after renormalising over the spaces this product has.' })
  effectiveWeight!: number;

  @Field(() => Float, { description: 'effectiveWeight × similarity: this space’s part of the score.' })
  contribution!: number;
}

@ObjectType()
export class AxisContribution {
  @Field(() => String)
  axis!: string;

  @Field(() => Float)
  productValue!: number;

  @Field(() => Float, { description: "The examples' value (their mean)." })
  queryValue!: number;

  @Field(() => Float, {
    description:
      'Share of the attribute similarity (COSINE, DOT_PRODUCT) or of the attribute distance (other metrics).',
  })
  share!: number;
}

@ObjectType({ description: 'Why a product scored what it did.' })
export class Explanation {
  @Field(() => String, { description: 'In words, e.g. "similar mainly in customer satisfaction (52 %)".' })
  summary!: string;

  @Field(() => [SpaceContribution])
  spaces!: SpaceContribution[];

  @Field(() => [EmbeddingSpace], { description: 'Spaces this product has no value in (cold start).' })
  missingSpaces!: EmbeddingSpace[];

  @Field(() => Boolean, { description: 'Whether weights were renormalised because of missing spaces.' })
  renormalized!: boolean;

  @Field(() => [AxisContribution], {
    nullable: true,
    description: 'Per attribute axis, when ATTRIBUTES is scored.',
  })
  attributes!: AxisContribution[] | null;
}

@ObjectType()
export class ScoredProduct {
  @Field(() => Product)
  product!: Product;

  @Field(() => Float, {
    description:
      "Higher is better: the metric's score (COSINE: cosine similarity), or the weighted mean of space scores.",
  })
  score!: number;

  @Field(() => Float, {
    description: "The metric's own distance for one space (COSINE: 1 − score); 1 − score for several.",
  })
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

@InputType({
  description:
    'An example: exactly one of productId, text (CLIP), image (IMAGE and CLIP), vector with its space, or userToken (a shopper).',
})
export class ExampleInput {
  @Field(() => ID, { nullable: true })
  productId?: string | null;

  @Field(() => String, { nullable: true, description: 'Compared in the CLIP space.' })
  text?: string | null;

  @Field(() => ImageInput, { nullable: true, description: 'Compared in the IMAGE and CLIP spaces.' })
  image?: ImageInput | null;

  @Field(() => [Float], {
    nullable: true,
    description: 'A raw vector of the space\'s dimension; for GEO, [latitude, longitude] ("near me").',
  })
  vector?: number[] | null;

  @Field(() => EmbeddingSpace, { nullable: true, description: 'The space of vector.' })
  space?: EmbeddingSpace | null;

  @Field(() => String, {
    nullable: true,
    description:
      "A shopper (as in recordInteractions): their history's taste in BEHAVIOR and ATTRIBUTES, computed now; products they interacted with are not recommended.",
  })
  userToken?: string | null;
}

@InputType()
export class SpaceWeightInput {
  @Field(() => EmbeddingSpace)
  space!: EmbeddingSpace;

  @Field(() => Float, { description: 'Relative weight (renormalised over the spaces each product has).' })
  weight!: number;

  @Field(() => DistanceMetric, {
    nullable: true,
    description: "This space's metric; default: the input's metric or the space's default.",
  })
  metric?: DistanceMetric | null;

  @Field(() => Float, { nullable: true, description: 'MINKOWSKI exponent (≥ 1).' })
  p?: number | null;
}

@InputType()
export class RecommendationInput {
  @Field(() => [ExampleInput], { description: 'What to find more of (1–20 examples).' })
  like!: ExampleInput[];

  @Field(() => [ExampleInput], { nullable: true, description: 'What to find less of (at most 20).' })
  unlike?: ExampleInput[] | null;

  @Field(() => RecommendationStrategy, {
    nullable: true,
    defaultValue: RecommendationStrategy.AVERAGE_VECTOR,
  })
  strategy?: RecommendationStrategy | null;

  @Field(() => [SpaceWeightInput], {
    nullable: true,
    description:
      'Spaces and weights, e.g. ATTRIBUTES 0.2, IMAGE 0.3, CLIP 0.5. Default: every vector space the examples supply, equally.',
  })
  spaces?: SpaceWeightInput[] | null;

  @Field(() => DistanceMetric, {
    nullable: true,
    description:
      'For spaces without a metric of their own (default COSINE, JACCARD for TAGS, HAVERSINE for GEO).',
  })
  metric?: DistanceMetric | null;

  @Field(() => Float, { nullable: true, description: 'MINKOWSKI exponent (≥ 1).' })
  p?: number | null;

  @Field(() => ProductFilter, { nullable: true })
  filter?: ProductFilter | null;

  @Field(() => [ID], { nullable: true, description: 'Products never to return (the examples never are).' })
  excludeIds?: string[] | null;

  @Field(() => Int, { nullable: true, defaultValue: 10, description: '1–100.' })
  k?: number | null;

  @Field(() => Float, { nullable: true, description: 'Leave out products scoring below this.' })
  minScore?: number | null;

  @Field(() => Float, {
    nullable: true,
    defaultValue: 0,
    description:
      'Maximal marginal relevance: 0 off, up to 1 (all novelty). Order then follows the selection.',
  })
  diversity?: number | null;
}
