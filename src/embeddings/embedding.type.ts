import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ModelState } from '../inference/ports.js';
import { EmbeddingState, ImageSpace } from './embedding.domain.js';

registerEnumType(EmbeddingState, { name: 'EmbeddingState' });
registerEnumType(ModelState, { name: 'ModelState' });
registerEnumType(ImageSpace, {
  name: 'ImageSpace',
  description: 'The embedding spaces computed from product photos.',
});

@ObjectType({ description: 'Whether a product has a vector of the model that serves a space.' })
export class EmbeddingStatus {
  @Field(() => ImageSpace)
  space!: ImageSpace;

  @Field(() => String, { nullable: true })
  modelId!: string | null;

  @Field(() => EmbeddingState)
  state!: EmbeddingState;
}

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
