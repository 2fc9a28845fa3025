// The product columns every raw query selects, aliased to ProductRecord's names, so vector queries
// return whole products in the same round trip as their scores.
import { Prisma } from '../generated/prisma/client.js';
import { type ProductRecord } from './product.domain.js';

export const PRODUCT_COLUMNS = Prisma.sql`p.id::text AS "id", p.sku, p.name, p.description, p.category,
  p.price::float8 AS "price", p.currency, p.image_url AS "imageUrl", p.in_stock AS "inStock", p.tags,
  p.latitude, p.longitude, p.attribute_scores AS "attributeScores",
  p.created_at AS "createdAt", p.updated_at AS "updatedAt"`;

/** PRODUCT_COLUMNS' names, in their order (for statements that select them again, or read rows as arrays). */
export const PRODUCT_FIELDS = [
  'id',
  'sku',
  'name',
  'description',
  'category',
  'price',
  'currency',
  'imageUrl',
  'inStock',
  'tags',
  'latitude',
  'longitude',
  'attributeScores',
  'createdAt',
  'updatedAt',
] as const satisfies ReadonlyArray<keyof ProductSqlRow>;

export interface ProductSqlRow {
  id: string;
  sku: string;
  name: string;
  description: string | null;
  category: string;
  price: number;
  currency: string;
  imageUrl: string | null;
  inStock: boolean;
  tags: string[];
  latitude: number | null;
  longitude: number | null;
  attributeScores: number[];
  createdAt: Date;
  updatedAt: Date;
}

export function rowToRecord(row: ProductSqlRow): ProductRecord {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    description: row.description,
    category: row.category,
    price: Number(row.price),
    currency: row.currency,
    imageUrl: row.imageUrl,
    inStock: row.inStock,
    tags: row.tags,
    location:
      row.latitude === null || row.longitude === null
        ? null
        : { latitude: Number(row.latitude), longitude: Number(row.longitude) },
    attributeScores: row.attributeScores.map(Number),
    createdAt: new Date(row.createdAt),
    updatedAt: new Date(row.updatedAt),
  };
}
