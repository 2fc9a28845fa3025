import { Field, Float, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A score on one attribute axis (0–99 on the demo axes).' })
export class AttributeScore {
  @Field(() => String)
  axis!: string;

  @Field(() => Float)
  value!: number;
}

@ObjectType()
export class Location {
  @Field(() => Float)
  latitude!: number;

  @Field(() => Float)
  longitude!: number;
}

@ObjectType()
export class Product {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  sku!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => String)
  category!: string;

  @Field(() => Float)
  price!: number;

  @Field(() => String, { description: 'ISO 4217 currency code.' })
  currency!: string;

  @Field(() => String, { nullable: true })
  imageUrl!: string | null;

  @Field(() => Boolean)
  inStock!: boolean;

  @Field(() => [String], { description: 'Lower-case tags; the TAGS space compares them as sets.' })
  tags!: string[];

  @Field(() => Location, { nullable: true, description: 'Where the product is available (the GEO space).' })
  location!: Location | null;

  @Field(() => [AttributeScore], { description: 'Scores in attribute-axis order: the attribute vector.' })
  attributes!: AttributeScore[];

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

@ObjectType({ description: 'A category and how many products it has.' })
export class CategoryCount {
  @Field(() => String)
  category!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType()
export class ProductEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => Product)
  node!: Product;
}

@ObjectType()
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ObjectType()
export class ProductConnection {
  @Field(() => [ProductEdge])
  edges!: ProductEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'Products matching the filter, over all pages.' })
  totalCount!: number;
}
