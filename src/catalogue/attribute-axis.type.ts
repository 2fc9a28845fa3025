import { Field, Float, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'One named component of the hand-crafted attribute vector.' })
export class AttributeAxis {
  @Field(() => String)
  name!: string;

  @Field(() => Int, { description: 'Index of this axis in every attribute vector.' })
  position!: number;

  @Field(() => String)
  description!: string;

  @Field(() => Float)
  minValue!: number;

  @Field(() => Float)
  maxValue!: number;
}
