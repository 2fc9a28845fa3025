// The demo catalogue: a deterministic generator (same output on every run and machine), so the
// README's example operations show the same products everywhere. 10 categories × 22 products,
// plus product1–3 of the design's worked example. Each generated product has a look (drawn by
// demo-photos.ts into its photo), tags and a store location, so every example finds something.
import { type NewProductInput } from '../catalogue/product.domain.js';
import { z } from 'zod';
import categories from './demo-categories.json' with { type: 'json' };
import { type DemoLook } from './demo-photos.js';

/** A demo product and, for the generated ones, the look its photo is drawn from. */
export interface DemoProduct extends NewProductInput {
  readonly look?: DemoLook;
}

/** The design's worked example: product1~product2 cosine 0.9993, product1~product3 0.7383. */
export const EXAMPLE_PRODUCTS: readonly NewProductInput[] = [
  example('product1', 'Example product 1', [20, 30, 40]),
  example('product2', 'Example product 2', [21, 29, 42]),
  example('product3', 'Example product 3', [72, 99, 12]),
];

function example(
  sku: string,
  name: string,
  [value, satisfaction, eco]: [number, number, number],
): NewProductInput {
  return {
    sku,
    name,
    description: "One of the three products of the design's worked example.",
    category: 'example',
    price: 10,
    currency: 'EUR',
    // Tagged, so the TAGS space ranks them by what they share with a product (nothing) rather than
    // leaving them out of it: without tags, a storefront's "similar" row (ATTRIBUTES + TAGS) would
    // score these photo-less examples on attributes alone and put them first.
    tags: ['example'],
    attributes: [
      { axis: 'value_for_money', value },
      { axis: 'customer_satisfaction', value: satisfaction },
      { axis: 'environmental_friendliness', value: eco },
    ],
  };
}

/** The demo's categories, as data (demo-categories.json): slug, product nouns, price range, and the typical (value for money, satisfaction, eco) profile. */
const CATEGORIES = z
  .array(
    z.object({
      slug: z.string(),
      nouns: z.array(z.string()).min(1),
      priceRange: z.tuple([z.number(), z.number()]),
      profile: z.tuple([z.number(), z.number(), z.number()]),
      tags: z.array(z.string()).min(1),
    }),
  )
  .parse(categories);

/** Brand tiers shift a category's profile: cheap-and-cheerful, mainstream, premium, eco. */
const TIERS = [
  { brands: ['Valuo', 'Brightbuy', 'Thrift & Co'], shift: [22, -10, -12], price: 0.15 },
  { brands: ['Northline', 'Everyday', 'Solidus'], shift: [5, 4, -3], price: 0.4 },
  { brands: ['Aurelian', 'Kestrel Pro', 'Maison Lux'], shift: [-20, 18, -5], price: 0.85 },
  { brands: ['Greenleaf', 'Terra', 'Evergreen Works'], shift: [-6, 6, 32], price: 0.55 },
] as const;

/** Product colours: the photo's fill and a tag. */
const COLOURS = [
  { name: 'black', css: '#222222' },
  { name: 'white', css: '#f8f8f8' },
  { name: 'red', css: '#c0392b' },
  { name: 'blue', css: '#2e86de' },
  { name: 'green', css: '#27ae60' },
  { name: 'grey', css: '#8e959c' },
  { name: 'orange', css: '#e67e22' },
  { name: 'teal', css: '#16a085' },
] as const;

/** The stores products are stocked at (a location is near one of them). */
const STORES = [
  { city: 'berlin', latitude: 52.52, longitude: 13.405 },
  { city: 'hamburg', latitude: 53.551, longitude: 9.994 },
  { city: 'munich', latitude: 48.137, longitude: 11.575 },
  { city: 'paris', latitude: 48.857, longitude: 2.352 },
  { city: 'amsterdam', latitude: 52.37, longitude: 4.9 },
] as const;

const TIER_NAMES = ['budget', 'core', 'premium', 'eco'] as const;

const MODELS = ['One', 'Air', 'Max', 'Lite', 'Pro', 'Go', 'Flex', 'Classic', 'Edge', 'Zen', 'Nova'];

/** mulberry32: a tiny deterministic PRNG, so the demo data is the same everywhere. */
export function demoRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const clampScore = (value: number): number => Math.min(99, Math.max(1, Math.round(value)));

function cosine(a: readonly number[], b: readonly number[]): number {
  const dot = a.reduce((sum, value, index) => sum + value * (b[index] ?? 0), 0);
  const norm = (v: readonly number[]): number => Math.sqrt(v.reduce((sum, value) => sum + value * value, 0));
  return dot / (norm(a) * norm(b));
}

const PRODUCTS_PER_CATEGORY = 22;

export function demoCatalogue(): DemoProduct[] {
  const next = demoRandom(20261128);
  // Looks, tags and places come from a second stream, so the scores and prices of the first one
  // (which the examples and tests know) stay as they were.
  const place = demoRandom(20261206);
  const gaussian = (): number => (next() + next() + next() + next() - 2) * 1.7; // ≈ N(0, 1)
  // Keep the worked example's answer true in the demo: no generated product may be closer to
  // product1 than product2 is.
  const product1 = [20, 30, 40];
  const closestAllowed = cosine(product1, [21, 29, 42]);
  const products: DemoProduct[] = [...EXAMPLE_PRODUCTS];
  for (const category of CATEGORIES) {
    for (let index = 0; index < PRODUCTS_PER_CATEGORY; index++) {
      const tier = TIERS[index % TIERS.length]!;
      const brand = tier.brands[Math.floor(next() * tier.brands.length)]!;
      const noun = category.nouns[index % category.nouns.length]!;
      const model = `${MODELS[Math.floor(next() * MODELS.length)]!} ${index + 1}`;
      let scores: number[];
      do {
        scores = category.profile.map((base, axis) => clampScore(base + tier.shift[axis]! + gaussian() * 8));
      } while (cosine(product1, scores) >= closestAllowed);
      const [low, high] = category.priceRange;
      const price =
        Math.round((low + (high - low) * Math.min(1, Math.max(0, tier.price + (next() - 0.5) * 0.3))) * 100) /
        100;
      const colour = COLOURS[Math.floor(place() * COLOURS.length)]!;
      const store = STORES[Math.floor(place() * STORES.length)]!;
      const tierName = TIER_NAMES[index % TIERS.length]!;
      products.push({
        sku: `${category.slug
          .toUpperCase()
          .replace(/[^A-Z]/g, '')
          .slice(0, 6)}-${String(index + 1).padStart(3, '0')}`,
        name: `${brand} ${model} ${noun}`,
        description: `${colour.name[0]!.toUpperCase()}${colour.name.slice(1)} ${noun.toLowerCase()} from ${brand}'s ${tierName} range.`,
        category: category.slug,
        price,
        currency: 'EUR',
        attributes: [
          { axis: 'value_for_money', value: scores[0]! },
          { axis: 'customer_satisfaction', value: scores[1]! },
          { axis: 'environmental_friendliness', value: scores[2]! },
        ],
        inStock: place() < 0.85,
        tags: [...new Set([...category.tags, tierName, colour.name])],
        // Within about 12 km of the store.
        location: {
          latitude: Math.round((store.latitude + (place() - 0.5) * 0.2) * 1e5) / 1e5,
          longitude: Math.round((store.longitude + (place() - 0.5) * 0.3) * 1e5) / 1e5,
        },
        look: { shape: category.slug, variant: index % category.nouns.length, colour: colour.css },
      });
    }
  }
  return products;
}
