// The demo catalogue: a deterministic generator (same output on every run and machine), so the
// README's example operations show the same products everywhere. 10 categories × 22 products,
// plus product1–3 of the design's worked example.
import { type NewProductInput } from '../catalogue/product.domain.js';

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
    attributes: [
      { axis: 'value_for_money', value },
      { axis: 'customer_satisfaction', value: satisfaction },
      { axis: 'environmental_friendliness', value: eco },
    ],
  };
}

interface CategoryProfile {
  readonly slug: string;
  readonly nouns: readonly string[];
  readonly priceRange: readonly [number, number];
  /** Typical (value for money, satisfaction, eco) of the category. */
  readonly profile: readonly [number, number, number];
}

const CATEGORIES: readonly CategoryProfile[] = [
  {
    slug: 'headphones',
    nouns: ['Headphones', 'Earbuds', 'Headset'],
    priceRange: [19, 399],
    profile: [55, 70, 35],
  },
  {
    slug: 'running-shoes',
    nouns: ['Runner', 'Trail Shoe', 'Racer'],
    priceRange: [45, 220],
    profile: [50, 72, 40],
  },
  {
    slug: 'coffee-makers',
    nouns: ['Espresso Machine', 'Drip Brewer', 'French Press'],
    priceRange: [25, 900],
    profile: [60, 68, 45],
  },
  {
    slug: 'backpacks',
    nouns: ['Daypack', 'Travel Pack', 'Laptop Backpack'],
    priceRange: [20, 260],
    profile: [62, 66, 55],
  },
  {
    slug: 'smartwatches',
    nouns: ['Smartwatch', 'Fitness Band', 'Sport Watch'],
    priceRange: [49, 799],
    profile: [45, 64, 25],
  },
  {
    slug: 'office-chairs',
    nouns: ['Task Chair', 'Ergonomic Chair', 'Stool'],
    priceRange: [60, 1400],
    profile: [48, 70, 42],
  },
  {
    slug: 'water-bottles',
    nouns: ['Bottle', 'Insulated Flask', 'Tumbler'],
    priceRange: [8, 55],
    profile: [70, 74, 78],
  },
  {
    slug: 't-shirts',
    nouns: ['Tee', 'Organic T-Shirt', 'Performance Shirt'],
    priceRange: [9, 70],
    profile: [66, 62, 50],
  },
  {
    slug: 'bicycles',
    nouns: ['City Bike', 'Gravel Bike', 'E-Bike'],
    priceRange: [280, 4200],
    profile: [52, 76, 85],
  },
  {
    slug: 'desk-lamps',
    nouns: ['Desk Lamp', 'LED Task Light', 'Clamp Lamp'],
    priceRange: [15, 320],
    profile: [64, 65, 58],
  },
];

/** Brand tiers shift a category's profile: cheap-and-cheerful, mainstream, premium, eco. */
const TIERS = [
  { brands: ['Valuo', 'Brightbuy', 'Thrift & Co'], shift: [22, -10, -12], price: 0.15 },
  { brands: ['Northline', 'Everyday', 'Solidus'], shift: [5, 4, -3], price: 0.4 },
  { brands: ['Aurelian', 'Kestrel Pro', 'Maison Lux'], shift: [-20, 18, -5], price: 0.85 },
  { brands: ['Greenleaf', 'Terra', 'Evergreen Works'], shift: [-6, 6, 32], price: 0.55 },
] as const;

const MODELS = ['One', 'Air', 'Max', 'Lite', 'Pro', 'Go', 'Flex', 'Classic', 'Edge', 'Zen', 'Nova'];

/** mulberry32: a tiny deterministic PRNG, so the catalogue is the same everywhere. */
function random(seed: number): () => number {
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

export function demoCatalogue(): NewProductInput[] {
  const next = random(20261128);
  const gaussian = (): number => (next() + next() + next() + next() - 2) * 1.7; // ≈ N(0, 1)
  // Keep the worked example's answer true in the demo: no generated product may be closer to
  // product1 than product2 is.
  const product1 = [20, 30, 40];
  const closestAllowed = cosine(product1, [21, 29, 42]);
  const products: NewProductInput[] = [...EXAMPLE_PRODUCTS];
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
      products.push({
        sku: `${category.slug
          .toUpperCase()
          .replace(/[^A-Z]/g, '')
          .slice(0, 6)}-${String(index + 1).padStart(3, '0')}`,
        name: `${brand} ${model} ${noun}`,
        description: `${noun} from ${brand}'s ${['budget', 'core', 'premium', 'eco'][index % TIERS.length]} range.`,
        category: category.slug,
        price,
        currency: 'EUR',
        attributes: [
          { axis: 'value_for_money', value: scores[0]! },
          { axis: 'customer_satisfaction', value: scores[1]! },
          { axis: 'environmental_friendliness', value: scores[2]! },
        ],
      });
    }
  }
  return products;
}
