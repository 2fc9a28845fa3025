import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { EmbeddingState } from './embedding.domain.js';
import { ImageSpace } from '../inference/ports.js';

registerEnumType(EmbeddingState, { name: 'EmbeddingState' });

@ObjectType({ description: 'Whether a product has a vector of the model that serves a space.' })
export class EmbeddingStatus {
  @Field(() => ImageSpace)
  space!: ImageSpace;

  @Field(() => String, { nullable: true })
  modelId!: string | null;

  @Field(() => EmbeddingState)
  state!: EmbeddingState;
}
