// The product fields every page shows, and the shapes the pages read.
export const PRODUCT_CARD = `
  fragment ProductCard on Product {
    id
    sku
    name
    category
    price
    currency
    inStock
    tags
    photoUrl
  }
`;

export const EXPLANATION = `
  fragment Why on Explanation {
    summary
    renormalized
    missingSpaces
    spaces {
      space
      metric
      similarity
      weight
      effectiveWeight
      contribution
    }
    attributes {
      axis
      share
      productValue
      queryValue
    }
  }
`;

export interface CardProduct {
  id: string;
  sku: string;
  name: string;
  category: string;
  price: number;
  currency: string;
  inStock: boolean;
  tags: string[];
  photoUrl: string | null;
}

export interface Explanation {
  summary: string;
  renormalized: boolean;
  missingSpaces: string[];
  spaces: Array<{
    space: string;
    metric: string;
    similarity: number | null;
    weight: number;
    effectiveWeight: number;
    contribution: number;
  }>;
  attributes: Array<{ axis: string; share: number; productValue: number; queryValue: number }> | null;
}

export interface Scored {
  score: number;
  product: CardProduct;
  explanation?: Explanation | null;
}

export function formatPrice(product: Pick<CardProduct, 'price' | 'currency'>): string {
  return new Intl.NumberFormat('en', { style: 'currency', currency: product.currency }).format(product.price);
}
