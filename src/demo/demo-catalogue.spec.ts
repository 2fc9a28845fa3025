import { describe, expect, it } from 'vitest';
import { demoCatalogue, EXAMPLE_PRODUCTS } from './demo-catalogue.js';

describe('demo catalogue', () => {
  const catalogue = demoCatalogue();

  it('has at least 200 products over about ten categories, with unique SKUs and the worked example', () => {
    expect(catalogue.length).toBeGreaterThanOrEqual(200);
    const categories = new Set(catalogue.map((p) => p.category));
    expect(categories.size).toBeGreaterThanOrEqual(10);
    expect(new Set(catalogue.map((p) => p.sku)).size).toBe(catalogue.length);
    expect(catalogue.slice(0, 3)).toEqual(EXAMPLE_PRODUCTS);
  });

  it('has plausible scores: whole numbers within 1–99 on the three demo axes', () => {
    for (const product of catalogue) {
      expect(product.attributes.map((a) => a.axis)).toEqual([
        'value_for_money',
        'customer_satisfaction',
        'environmental_friendliness',
      ]);
      for (const { value } of product.attributes) {
        expect(Number.isInteger(value) && value >= 1 && value <= 99).toBe(true);
      }
      expect(product.price).toBeGreaterThan(0);
    }
  });

  it('is deterministic', () => {
    expect(demoCatalogue()).toEqual(catalogue);
  });
});
