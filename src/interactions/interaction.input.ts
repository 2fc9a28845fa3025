import { Field, ID, InputType, registerEnumType } from 'type-graphql';
import { InteractionType, RecommendationIntent } from './interaction.domain.js';

registerEnumType(InteractionType, {
  name: 'InteractionType',
  description: 'What a shopper did with a product; weighted by INTERACTION_WEIGHTS.',
  valuesConfig: {
    VIEW: { description: 'Saw the product page.' },
    CLICK: { description: 'Clicked the product in a list, search or recommendation.' },
    ADD_TO_CART: { description: 'Put it in the cart.' },
    PURCHASE: { description: 'Bought it; PURCHASEs sharing orderId form one basket.' },
  },
});

registerEnumType(RecommendationIntent, {
  name: 'RecommendationIntent',
  valuesConfig: {
    RELATED: {
      description: 'Products like this one (the recommendation engine, this product as the example).',
    },
    COMPLEMENTARY: {
      description:
        'Products bought in the same baskets (confidence, with a minimum support and lift; near-duplicates left out); filled up with RELATED ones.',
    },
  },
});

@InputType({ description: 'One shopper interaction. Give exactly one of productId and sku.' })
export class InteractionInput {
  @Field(() => String, {
    nullable: true,
    description:
      'Idempotency key (1–200 characters): an event whose eventId was already recorded is counted as a duplicate, not stored twice.',
  })
  eventId?: string | null;

  @Field(() => String, { description: 'Opaque shopper id, 1–200 characters (a session or customer id).' })
  userToken!: string;

  @Field(() => ID, { nullable: true })
  productId?: string | null;

  @Field(() => String, { nullable: true })
  sku?: string | null;

  @Field(() => InteractionType)
  type!: InteractionType;

  @Field(() => Date, {
    nullable: true,
    description:
      'When it happened; default now. Refused when later than now plus EVENTS_MAX_CLOCK_SKEW_SECONDS.',
  })
  occurredAt?: Date | null;

  @Field(() => String, {
    nullable: true,
    description: 'The order (1–200 characters); PURCHASEs sharing it form one basket.',
  })
  orderId?: string | null;
}
