import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { BehaviorModelState } from './behavior-model.domain.js';

registerEnumType(BehaviorModelState, {
  name: 'BehaviorModelState',
  valuesConfig: {
    IDLE: { description: 'No model was trained or asked for yet.' },
    QUEUED: { description: 'Waiting for the background worker.' },
    TRAINING: { description: 'Being trained; the previous version (if any) keeps serving.' },
    READY: { description: 'Trained and serving the BEHAVIOR space.' },
    FAILED: { description: 'The last training failed (see error); the previous version keeps serving.' },
  },
});

@ObjectType({ description: 'The BEHAVIOR space: item vectors learned from interactions (implicit ALS).' })
export class BehaviorModelStatus {
  @Field(() => BehaviorModelState, { description: "The latest version's state." })
  state!: BehaviorModelState;

  @Field(() => Int, { nullable: true, description: 'The latest version (the one state is about).' })
  version!: number | null;

  @Field(() => Int, { nullable: true, description: 'The version serving queries.' })
  activeVersion!: number | null;

  @Field(() => Date, { nullable: true, description: 'When the serving version finished training.' })
  trainedAt!: Date | null;

  @Field(() => Int, { nullable: true, description: 'Shoppers the latest version learned from.' })
  users!: number | null;

  @Field(() => Int, { nullable: true, description: 'Products it has vectors for.' })
  items!: number | null;

  @Field(() => Int, { nullable: true, description: 'Events it read.' })
  interactions!: number | null;

  @Field(() => Float, { description: '0–1.' })
  progress!: number;

  @Field(() => String, { nullable: true, description: 'What the training is doing now.' })
  phase!: string | null;

  @Field(() => String, { nullable: true })
  error!: string | null;

  @Field(() => Date, { nullable: true })
  queuedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  startedAt!: Date | null;

  @Field(() => Float, { nullable: true, description: 'How long the latest finished training took.' })
  trainingSeconds!: number | null;
}
