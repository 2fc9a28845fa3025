// One product and what to see next: rows of recommendations, each with a "why?" popover drawn
// from the engine's explanation. A row whose data is missing (no model for its space, a query the
// service does not have yet, nothing found) is left out rather than shown as an error.
import { useEffect } from 'react';
import { useQuery } from 'urql';
import { recordEvent } from '../lib/events';
import { ProductCard, ProductPhoto } from '../components/ProductCard';
import { WhyButton } from '../components/WhyPopover';
import { describeError } from '../lib/graphql';
import { type CardProduct, EXPLANATION, formatPrice, PRODUCT_CARD, type Scored } from '../lib/fragments';
import { shopperToken } from '../lib/shopper';
import type { Capabilities } from './capabilities';

const PRODUCT = `
  ${PRODUCT_CARD}
  query Product($id: ID!) {
    product(id: $id) { ...ProductCard description location { latitude longitude } attributes { axis value } }
  }
`;

const recommendationsQuery = (name: string) => `
  ${PRODUCT_CARD}
  ${EXPLANATION}
  query ${name}($input: RecommendationInput!) {
    recommendations(input: $input) { score product { ...ProductCard } explanation { ...Why } }
  }
`;
const SIMILAR = recommendationsQuery('Similar');
const LOOKS_SIMILAR = recommendationsQuery('LooksSimilar');
const PAIRS_WELL = `
  ${PRODUCT_CARD}
  ${EXPLANATION}
  query PairsWellWith($id: ID!) {
    productRecommendations(productId: $id, intent: COMPLEMENTARY, k: 8) { score product { ...ProductCard } explanation { ...Why } }
  }
`;
const FOR_YOU = `
  ${PRODUCT_CARD}
  ${EXPLANATION}
  query ForYou($user: String!) {
    recommendedForUser(userToken: $user, k: 8) { score product { ...ProductCard } explanation { ...Why } }
  }
`;

interface Row {
  key: string;
  title: string;
  query: string;
  variables: Record<string, unknown>;
  field: string;
  /** The optional query this row needs; the row is left out when the schema lacks it. */
  needs?: string;
}

export function ProductPage(props: { productId: string; capabilities: Capabilities | null }) {
  const { productId, capabilities } = props;
  useEffect(() => recordEvent('VIEW', productId), [productId]);
  const [{ data, error, fetching }] = useQuery<{
    product:
      | (CardProduct & { description: string | null; attributes: Array<{ axis: string; value: number }> })
      | null;
  }>({ query: PRODUCT, variables: { id: productId } });
  if (fetching && !data) return <p className="note">Loading…</p>;
  if (error)
    return (
      <p className="error" role="alert">
        {describeError(error)}
      </p>
    );
  const product = data?.product;
  if (!product)
    return (
      <p>
        No such product. <a href="#/">Back to the catalogue</a>
      </p>
    );
  const like = [{ productId }];
  const rows: Row[] = [
    {
      key: 'similar',
      title: 'Similar',
      query: SIMILAR,
      field: 'recommendations',
      variables: {
        input: {
          like,
          spaces: [
            { space: 'ATTRIBUTES', weight: 0.6 },
            { space: 'TAGS', weight: 0.4 },
          ],
          k: 8,
        },
      },
    },
    {
      key: 'looks-similar',
      title: 'Looks similar',
      query: LOOKS_SIMILAR,
      field: 'recommendations',
      variables: { input: { like, spaces: [{ space: 'IMAGE', weight: 1 }], k: 8 } },
    },
    {
      key: 'pairs-well',
      title: 'Pairs well with',
      query: PAIRS_WELL,
      field: 'productRecommendations',
      variables: { id: productId },
      needs: 'productRecommendations',
    },
    {
      key: 'for-you',
      title: 'For you',
      query: FOR_YOU,
      field: 'recommendedForUser',
      variables: { user: shopperToken() },
      needs: 'recommendedForUser',
    },
  ];
  return (
    <>
      <p>
        <a href="#/">← Catalogue</a>
      </p>
      <article className="product-head" data-testid="product-page" data-sku={product.sku}>
        <ProductPhoto product={product} size={360} />
        <div>
          <h2>{product.name}</h2>
          <p>
            {formatPrice(product)} · {product.category} · {product.inStock ? 'in stock' : 'sold out'}
          </p>
          {product.description && <p>{product.description}</p>}
          <ul className="tags" aria-label="Tags">
            {product.tags.map((tag) => (
              <li key={tag}>{tag}</li>
            ))}
          </ul>
          <table>
            <caption className="visually-hidden">Attribute scores</caption>
            <tbody>
              {product.attributes.map((attribute) => (
                <tr key={attribute.axis}>
                  <th scope="row">{attribute.axis.replace(/_/g, ' ')}</th>
                  <td>{attribute.value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </article>
      {rows
        .filter((row) => !row.needs || capabilities?.queries.has(row.needs))
        .map((row) => (
          <RecommendationRow key={`${row.key}:${productId}`} row={row} />
        ))}
    </>
  );
}

function RecommendationRow(props: { row: Row }) {
  const { row } = props;
  const [{ data, error }] = useQuery<Record<string, Scored[]>>({
    query: row.query,
    variables: row.variables,
  });
  const hits = data?.[row.field] ?? [];
  if (error || hits.length === 0) return null;
  const headingId = `row-${row.key}`;
  return (
    <section aria-labelledby={headingId} data-testid={`row-${row.key}`}>
      <h2 id={headingId}>{row.title}</h2>
      <ul className="row">
        {hits.map((hit) => (
          <ProductCard
            key={hit.product.id}
            product={hit.product}
            href={`#/product/${hit.product.id}`}
            extra={
              hit.explanation ? (
                <WhyButton explanation={hit.explanation} productName={hit.product.name} />
              ) : null
            }
          />
        ))}
      </ul>
    </section>
  );
}
