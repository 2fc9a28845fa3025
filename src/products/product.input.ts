import { Field, Float, InputType } from 'type-graphql';
import { ImageInput } from '../embeddings/image.input.js';

@InputType()
export class AttributeScoreInput {
  @Field(() => String)
  axis!: string;

  @Field(() => Float)
  value!: number;
}

@InputType()
export class ProductInput {
  @Field(() => String)
  sku!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => String)
  category!: string;

  @Field(() => Float)
  price!: number;

  @Field(() => String, { nullable: true, description: 'ISO 4217 code; EUR when omitted.' })
  currency?: string | null;

  @Field(() => String, { nullable: true })
  imageUrl?: string | null;

  @Field(() => [AttributeScoreInput], { description: 'One score for every attribute axis.' })
  attributes!: AttributeScoreInput[];

  @Field(() => ImageInput, {
    nullable: true,
    description: 'A photo to store and embed with every configured model (IMAGE and CLIP).',
  })
  image?: ImageInput | null;
}

@InputType({ description: 'Fields to change; omitted fields keep their values.' })
export class ProductUpdateInput {
  @Field(() => String, { nullable: true })
  sku?: string | null;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => String, { nullable: true })
  category?: string | null;

  @Field(() => Float, { nullable: true })
  price?: number | null;

  @Field(() => String, { nullable: true })
  currency?: string | null;

  @Field(() => String, { nullable: true })
  imageUrl?: string | null;

  @Field(() => [AttributeScoreInput], {
    nullable: true,
    description: 'Scores to change; axes not listed keep their scores. The vectors are recomputed.',
  })
  attributes?: AttributeScoreInput[] | null;

  @Field(() => ImageInput, {
    nullable: true,
    description: 'A new photo (its embeddings are recomputed); null removes the photo and its embeddings.',
  })
  image?: ImageInput | null;
}

@InputType()
export class ProductFilter {
  @Field(() => String, { nullable: true, description: 'Exactly this category.' })
  category?: string | null;

  @Field(() => [String], { nullable: true, description: 'Any of these categories.' })
  categories?: string[] | null;

  @Field(() => Float, { nullable: true })
  minPrice?: number | null;

  @Field(() => Float, { nullable: true })
  maxPrice?: number | null;

  @Field(() => String, { nullable: true, description: 'Case-insensitive text in the name.' })
  nameContains?: string | null;
}
