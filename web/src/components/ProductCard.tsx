import type { ReactNode } from 'react';
import { recordEvent } from '../lib/events';
import { type CardProduct, formatPrice } from '../lib/fragments';

export function ProductPhoto(props: { product: Pick<CardProduct, 'name' | 'photoUrl'>; size?: number }) {
  const { product } = props;
  return product.photoUrl ? (
    <img
      src={product.photoUrl}
      alt={product.name}
      loading="lazy"
      width={props.size ?? 256}
      height={props.size ?? 256}
    />
  ) : (
    <div className="nophoto" role="img" aria-label={`${product.name}: no photo`}>
      no photo
    </div>
  );
}

export function ProductCard(props: {
  product: CardProduct;
  href: string;
  extra?: ReactNode;
  onOpen?: () => void;
}) {
  const { product, href, extra, onOpen } = props;
  return (
    <li className="card" data-testid="product-card" data-sku={product.sku}>
      <ProductPhoto product={product} />
      <a
        className="name"
        href={href}
        onClick={() => {
          recordEvent('CLICK', product.id);
          onOpen?.();
        }}
      >
        {product.name}
      </a>
      <div className="meta">
        <span>{formatPrice(product)}</span>
        <span>{product.inStock ? 'in stock' : 'sold out'}</span>
      </div>
      {extra}
    </li>
  );
}
