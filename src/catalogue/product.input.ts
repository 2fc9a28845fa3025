import { Field, Float, InputType } from 'type-graphql';
import { ImageInput } from '../imaging/image.input.js';

@InputType()
export class AttributeScoreInput {
  @Field(() => String)
  axis!: string;

  @Field(() => Float)
  value!: number;
}

@InputType()
export class LocationInput {
  @Field(() => Float, { description: '-90 to 90.' })
  latitude!: number;

  @Field(() => Float, { description: '-180 to 180.' })
  longitude!: number;
}

@InputType({ description: 'Products within radiusKm (great-circle) of a point.' })
export class GeoRadiusInput extends LocationInput {
  @Field(() => Float)
  radiusKm!: number;
}

@InputType({ description: 'A score range on one attribute axis (bounds default to the axis range).' })
export class AttributeRangeInput {
  @Field(() => String)
  axis!: string;

  @Field(() => Float, { nullable: true })
  min?: number | null;

  @Field(() => Float, { nullable: true })
  max?: number | null;
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

  @Field(() => Boolean, { nullable: true, description: 'Default true.' })
  inStock?: boolean | null;

  @Field(() => [String], {
    nullable: true,
    description: 'Stored trimmed and lower-case, without duplicates; at most 50.',
  })
  tags?: string[] | null;

  @Field(() => LocationInput, { nullable: true })
  location?: LocationInput | null;
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

  @Field(() => Boolean, { nullable: true })
  inStock?: boolean | null;

  @Field(() => [String], { nullable: true, description: 'Replaces the tags.' })
  tags?: string[] | null;

  @Field(() => LocationInput, { nullable: true, description: 'null removes the location.' })
  location?: LocationInput | null;
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

  @Field(() => Boolean, { nullable: true })
  inStock?: boolean | null;

  @Field(() => [String], { nullable: true, description: 'Products with at least one of these tags.' })
  tagsAny?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Products with all of these tags.' })
  tagsAll?: string[] | null;

  @Field(() => [AttributeRangeInput], { nullable: true, description: 'Score ranges on attribute axes.' })
  attributes?: AttributeRangeInput[] | null;

  @Field(() => GeoRadiusInput, { nullable: true })
  near?: GeoRadiusInput | null;
}
