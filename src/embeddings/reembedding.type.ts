import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ImageSpace } from '../inference/ports.js';
import { ReembeddingState } from './reembedding.service.js';

registerEnumType(ReembeddingState, { name: 'ReembeddingState' });

@ObjectType({ description: "A space's roll-over to a newly configured model." })
export class ReembeddingStatus {
  @Field(() => ImageSpace)
  space!: ImageSpace;

  @Field(() => String, { nullable: true, description: 'The model whose vectors answer queries now.' })
  activeModelId!: string | null;

  @Field(() => String, { nullable: true, description: 'The model being rolled out, if any.' })
  targetModelId!: string | null;

  @Field(() => ReembeddingState)
  state!: ReembeddingState;

  @Field(() => Int, {
    description: 'Products with a photo that have a vector by the target (or active) model.',
  })
  done!: number;

  @Field(() => Int, { description: 'Products with a photo.' })
  total!: number;

  @Field(() => Date, { nullable: true })
  startedAt!: Date | null;

  @Field(() => String, { nullable: true })
  error!: string | null;
}
