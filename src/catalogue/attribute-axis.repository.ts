import { type PrismaClient } from '../generated/prisma/client.js';
import { type AttributeAxis } from './attribute-axis.domain.js';

export class AttributeAxisRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async findAll(): Promise<AttributeAxis[]> {
    return this.prisma.attributeAxis.findMany({ orderBy: { position: 'asc' } });
  }

  /** The dimension the database gives the attribute vector column, from its type modifier. */
  async vectorDimension(): Promise<number | null> {
    const rows = await this.prisma.$queryRaw<Array<{ dimension: number | null }>>`
      SELECT NULLIF(a.atttypmod, -1) AS dimension
        FROM pg_attribute a
       WHERE a.attrelid = 'product'::regclass AND a.attname = 'attribute_vector' AND NOT a.attisdropped`;
    return rows[0]?.dimension ?? null;
  }
}
