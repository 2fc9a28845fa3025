import { Field, Float, InputType, Int, ObjectType } from 'type-graphql';
import { Product } from '../catalogue/product.type.js';

@ObjectType()
export class LabelProbability {
  @Field(() => String)
  label!: string;

  @Field(() => Float, { description: "Cosine of the photo's and the label prompts' CLIP embeddings." })
  cosine!: number;

  @Field(() => Float, { description: 'Softmax over logitScale × cosine across the labels.' })
  probability!: number;
}

@ObjectType()
export class ProductClassification {
  @Field(() => Product)
  product!: Product;

  @Field(() => String, { description: 'The most probable label.' })
  label!: string;

  @Field(() => Float)
  probability!: number;

  @Field(() => [LabelProbability], { description: 'Every label, in the order asked.' })
  probabilities!: LabelProbability[];
}

@ObjectType()
export class LabelCount {
  @Field(() => String)
  label!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType()
export class ConfusionMatrix {
  @Field(() => [String], {
    description: 'Rows are actual labels (from categories), columns predicted labels.',
  })
  labels!: string[];

  @Field(() => [[Int]])
  rows!: number[][];
}

@ObjectType()
export class ClassificationReport {
  @Field(() => String)
  modelId!: string;

  @Field(() => [String])
  labels!: string[];

  @Field(() => [String])
  templates!: string[];

  @Field(() => Int, { description: 'Matching products that have a CLIP embedding.' })
  classified!: number;

  @Field(() => Int, { description: 'Matching products without one (no photo, or not embedded yet).' })
  unclassified!: number;

  @Field(() => [LabelCount])
  countsByLabel!: LabelCount[];

  @Field(() => Int, {
    description: 'Classified products whose category maps to a label: the accuracy sample.',
  })
  evaluated!: number;

  @Field(() => Float, {
    nullable: true,
    description: 'Share of evaluated products whose top label is their category.',
  })
  accuracy!: number | null;

  @Field(() => ConfusionMatrix, { nullable: true })
  confusionMatrix!: ConfusionMatrix | null;

  @Field(() => [ProductClassification], { description: 'Per product, the first `first` matching products.' })
  products!: ProductClassification[];
}

@ObjectType()
export class TextScore {
  @Field(() => String)
  text!: string;

  @Field(() => Float)
  cosine!: number;

  @Field(() => Float, { description: 'Softmax over logitScale × cosine across the texts given.' })
  probability!: number;
}

@InputType({ description: 'Which label a product category counts as when measuring accuracy.' })
export class CategoryLabelInput {
  @Field(() => String)
  category!: string;

  @Field(() => String)
  label!: string;
}
