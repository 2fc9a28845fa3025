import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType()
export class RecordInteractionsResult {
  @Field(() => Int, { description: 'Events stored by this call.' })
  accepted!: number;

  @Field(() => Int, {
    description: 'Events not stored because their eventId was already recorded (or repeated in the batch).',
  })
  duplicates!: number;
}
