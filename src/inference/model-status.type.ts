import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ImageSpace, ModelState } from './ports.js';

registerEnumType(ModelState, { name: 'ModelState' });
registerEnumType(ImageSpace, {
  name: 'ImageSpace',
  description: 'The embedding spaces computed from product photos.',
});

@ObjectType()
export class ModelStatus {
  @Field(() => String)
  id!: string;

  @Field(() => ImageSpace)
  space!: ImageSpace;

  @Field(() => String, { description: 'cnn (ImageNet classifier, penultimate features) or clip.' })
  kind!: string;

  @Field(() => Int)
  dimension!: number;

  @Field(() => Boolean, { description: 'Selected by IMAGE_MODEL or CLIP_MODEL.' })
  configured!: boolean;

  @Field(() => ModelState)
  state!: ModelState;

  @Field(() => String, { nullable: true })
  reason!: string | null;

  @Field(() => String)
  installCommand!: string;
}
