// Plain types of shopper interactions: what a storefront reports, and how much each kind counts.

export enum InteractionType {
  VIEW = 'VIEW',
  CLICK = 'CLICK',
  ADD_TO_CART = 'ADD_TO_CART',
  PURCHASE = 'PURCHASE',
}

/** How much each kind of interaction counts (INTERACTION_WEIGHTS). */
export type InteractionWeights = Readonly<Record<InteractionType, number>>;

/** One event as a client sends it: exactly one of productId and sku names the product. */
export interface InteractionInput {
  readonly eventId?: string | null | undefined;
  readonly userToken: string;
  readonly productId?: string | null | undefined;
  readonly sku?: string | null | undefined;
  readonly type: InteractionType;
  readonly occurredAt?: Date | null | undefined;
  readonly orderId?: string | null | undefined;
}

/** A validated event, its product resolved to an id: what the repository stores. */
export interface InteractionRecord {
  readonly eventId: string | null;
  readonly userToken: string;
  readonly productId: string;
  readonly type: InteractionType;
  readonly occurredAt: Date;
  readonly orderId: string | null;
}

export interface RecordInteractionsResult {
  /** Events stored by this call. */
  readonly accepted: number;
  /** Events whose eventId was already recorded (earlier, or earlier in the same batch). */
  readonly duplicates: number;
}

/** Most events in one `recordInteractions` call (the contract's limit). */
export const MAX_EVENTS_PER_CALL = 1000;
/** Longest userToken, eventId, orderId and sku. */
export const MAX_TOKEN_LENGTH = 200;

/** What `productRecommendations` looks for (Shopify's Storefront API names). */
export enum RecommendationIntent {
  /** Products like this one: the recommendation engine with the product as its example. */
  RELATED = 'RELATED',
  /** Products bought with this one: co-occurrence in baskets. */
  COMPLEMENTARY = 'COMPLEMENTARY',
}
