// The demo's shopper history: a deterministic generator of interaction events over the demo
// catalogue, so that "for you", "shoppers who liked this", "pairs well with" and trending have
// something to learn from on first start. Each shopper has one or two favourite categories and a
// favourite range (budget, core, premium, eco); they mostly look at those, sometimes at what is
// popular, add some to the cart, and buy in baskets that pair a favourite with a product of a
// companion category in the same range (running shoes with a water bottle, a desk lamp with an
// office chair). Times spread over the last four weeks, denser recently, so trending has a shape.
import { type InteractionInput, InteractionType } from '../interactions/interaction.domain.js';
import { type DemoProduct, demoRandom } from './demo-catalogue.js';

/** Shoppers in the demo history; their tokens are `demo-shopper-001` … */
export const DEMO_SHOPPERS = 300;
const DAYS = 28;
const RANGES = ['budget', 'core', 'premium', 'eco'] as const;

/** Categories bought together with a category (the baskets "pairs well with" learns from). */
const COMPANIONS: Readonly<Record<string, readonly string[]>> = {
  'running-shoes': ['water-bottles', 't-shirts', 'smartwatches'],
  bicycles: ['water-bottles', 'backpacks'],
  backpacks: ['water-bottles'],
  headphones: ['smartwatches'],
  smartwatches: ['headphones', 'running-shoes'],
  'office-chairs': ['desk-lamps'],
  'desk-lamps': ['office-chairs'],
  'coffee-makers': ['desk-lamps'],
  't-shirts': ['running-shoes'],
  'water-bottles': ['backpacks'],
};

export function demoShopperToken(index: number): string {
  return `demo-shopper-${String(index + 1).padStart(3, '0')}`;
}

/** The demo history over `catalogue`, ending at `now`, in time order. Same input, same events. */
export function demoInteractions(catalogue: readonly DemoProduct[], now: Date): InteractionInput[] {
  const next = demoRandom(20261207);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const shelves = shelvesOf(catalogue);
  const categories = [...shelves.keys()];
  // A few products every shopper sees more of: popularity, as in any store.
  const bestsellers = categories.map((category) => shelves.get(category)!.get('core')![0]!);
  const events: Array<InteractionInput & { occurredAt: Date }> = [];
  for (let shopper = 0; shopper < DEMO_SHOPPERS; shopper++) {
    const userToken = demoShopperToken(shopper);
    const favourites = [pick(categories), ...(next() < 0.4 ? [pick(categories)] : [])];
    const range = pick(RANGES);
    // Their history starts some day in the window and runs to a recent day.
    const start = now.getTime() - (2 + next() * (DAYS - 2)) * 86_400_000;
    const span = now.getTime() - 3_600_000 - start;
    const visits = 8 + Math.floor(next() * 22);
    let orders = 0;
    for (let visit = 0; visit < visits; visit++) {
      const at = new Date(start + span * Math.sqrt((visit + next()) / visits));
      const sku = (
        next() < 0.82
          ? favouriteProduct(shelves, pick(favourites), next() < 0.75 ? range : pick(RANGES), next)
          : pick(bestsellers)
      ).sku;
      const seq = (): string => `${userToken}-${events.length}`;
      events.push({ eventId: seq(), userToken, sku, type: InteractionType.VIEW, occurredAt: at });
      if (next() < 0.45)
        events.push({
          eventId: seq(),
          userToken,
          sku,
          type: InteractionType.CLICK,
          occurredAt: later(at, 1),
        });
      if (next() < 0.15)
        events.push({
          eventId: seq(),
          userToken,
          sku,
          type: InteractionType.ADD_TO_CART,
          occurredAt: later(at, 2),
        });
      if (visit >= 3 && orders < 4 && next() < 0.22) {
        const orderId = `demo-order-${userToken}-${++orders}`;
        const favourite = favouriteProduct(shelves, pick(favourites), range, next);
        const companions = COMPANIONS[favourite.category] ?? [];
        const basket = [favourite];
        if (companions.length > 0 && next() < 0.8)
          basket.push(companionOf(shelves, favourite, pick(companions), range, next));
        for (const product of basket)
          events.push({
            eventId: seq(),
            userToken,
            sku: product.sku,
            type: InteractionType.PURCHASE,
            occurredAt: later(at, 5),
            orderId,
          });
      }
    }
  }
  return events.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
}

type Shelves = Map<string, Map<string, DemoProduct[]>>;

/** The generated products by category and range (the demo's tier tag). */
function shelvesOf(catalogue: readonly DemoProduct[]): Shelves {
  const shelves: Shelves = new Map();
  for (const product of catalogue) {
    const range = RANGES.find((name) => product.tags?.includes(name));
    if (!product.look || !range) continue;
    const byRange = shelves.get(product.category) ?? new Map<string, DemoProduct[]>();
    byRange.set(range, [...(byRange.get(range) ?? []), product]);
    shelves.set(product.category, byRange);
  }
  return shelves;
}

/** A product of `category` in `range`, the first few of a shelf more often (they sell better). */
function favouriteProduct(
  shelves: Shelves,
  category: string,
  range: string,
  next: () => number,
): DemoProduct {
  const shelf = shelves.get(category)!.get(range)!;
  return shelf[Math.floor(next() * next() * shelf.length)]!;
}

/**
 * What a shopper adds to `product` from `category`: mostly its match (the product at the same place
 * on the companion shelf — the lamp that goes with that chair), otherwise any product there.
 */
function companionOf(
  shelves: Shelves,
  product: DemoProduct,
  category: string,
  range: string,
  next: () => number,
): DemoProduct {
  const own = shelves.get(product.category)!.get(range)!;
  const shelf = shelves.get(category)!.get(range)!;
  return next() < 0.7
    ? shelf[own.indexOf(product) % shelf.length]!
    : favouriteProduct(shelves, category, range, next);
}

function later(at: Date, minutes: number): Date {
  return new Date(at.getTime() + minutes * 60_000);
}
