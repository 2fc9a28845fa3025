// Field rules for product input. Problems name the offending field with its full path so a client
// can point at it (`inputs[3].price`).
import { z } from 'zod';
import { type FieldProblem } from '../errors/domain-errors.js';

const MAX_PRICE = 9_999_999_999.99; // numeric(12, 2)

const hasAtMostTwoDecimals = (value: number): boolean =>
  Math.abs(value * 100 - Math.round(value * 100)) < 1e-6;

export const productFieldRules = {
  sku: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(64, 'must be at most 64 characters')
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._\-/]*$/,
      'may hold letters, digits and . _ - / (starting with a letter or digit)',
    ),
  name: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  description: z.string().trim().max(5000, 'must be at most 5000 characters').nullable(),
  category: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
  price: z
    .number()
    .refine(Number.isFinite, 'must be a finite number')
    .refine((value) => value >= 0, 'must not be negative')
    .refine((value) => value <= MAX_PRICE, `must be at most ${MAX_PRICE}`)
    .refine(hasAtMostTwoDecimals, 'must have at most two decimal places'),
  currency: z
    .string()
    .trim()
    .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code of three capital letters, such as EUR'),
  imageUrl: z
    .url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' })
    .max(2048, 'must be at most 2048 characters')
    .nullable(),
  tags: z
    .array(
      z
        .string()
        .trim()
        .toLowerCase()
        .min(1, 'tags must not be empty')
        .max(50, 'tags must be at most 50 characters'),
    )
    .max(50, 'at most 50 tags')
    .transform((tags) => [...new Set(tags)]),
} as const;

/** Tags compare as sets of trimmed, lower-case strings. */
export function normaliseTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((tag) => tag.trim().toLowerCase()).filter((tag) => tag.length > 0))];
}

export type ProductField = keyof typeof productFieldRules;

/** Validates the given fields; collects every problem instead of stopping at the first. */
export function checkFields<T extends Partial<Record<ProductField, unknown>>>(
  values: T,
  prefix: string,
  problems: FieldProblem[],
): { [K in keyof T]: K extends ProductField ? z.output<(typeof productFieldRules)[K]> : never } {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const rule = productFieldRules[key as ProductField];
    const result = rule.safeParse(value);
    if (result.success) out[key] = result.data;
    else {
      for (const issue of result.error.issues)
        problems.push({ field: `${prefix}.${key}`, message: issue.message });
    }
  }
  return out as never;
}
