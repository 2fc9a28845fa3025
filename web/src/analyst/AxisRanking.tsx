// The attribute-axis ranking (rankProducts) as a bar chart: by the vector's norm or by a weighted
// sum of chosen axes.
import { useCallback, useState } from 'react';
import { useQuery } from 'urql';
import type * as PlotModule from '@observablehq/plot';
import { PlotFigure, type PlotOptions } from '../components/PlotFigure';
import { describeError } from '../lib/graphql';

const AXES = `query Axes { attributeAxes { name } }`;
const RANK = `
  query Rank($by: RankBy!, $weights: [AttributeWeightInput!]) {
    rankProducts(by: $by, weights: $weights, k: 15) { rank score product { sku name category } }
  }
`;

export function AxisRanking() {
  const [axis, setAxis] = useState('');
  const [axes] = useQuery<{ attributeAxes: Array<{ name: string }> }>({ query: AXES });
  const by = axis ? 'WEIGHTED_SUM' : 'NORM';
  const [{ data, error }] = useQuery<{
    rankProducts: Array<{
      rank: number;
      score: number;
      product: { sku: string; name: string; category: string };
    }>;
  }>({ query: RANK, variables: { by, weights: axis ? [{ axis, weight: 1 }] : null } });
  const ranked = data?.rankProducts;
  const chart = useCallback(
    (plot: typeof PlotModule): PlotOptions => ({
      width: 760,
      height: 60 + 24 * (ranked?.length ?? 0),
      marginLeft: 260,
      x: { label: axis ? `${axis} score` : 'norm of the attribute vector' },
      y: { label: null },
      color: { legend: true },
      marks: [
        plot.barX(ranked ?? [], {
          x: 'score',
          y: (d: { product: { name: string } }) => d.product.name,
          fill: (d: { product: { category: string } }) => d.product.category,
          sort: { y: '-x' },
        }),
        plot.ruleX([0]),
      ],
    }),
    [ranked, axis],
  );
  return (
    <section className="panel" aria-labelledby="ranking-title">
      <h2 id="ranking-title">Attribute ranking</h2>
      <label htmlFor="rank-axis">Rank by</label>{' '}
      <select id="rank-axis" value={axis} onChange={(event) => setAxis(event.target.value)}>
        <option value="">all axes (norm)</option>
        {axes.data?.attributeAxes.map((a) => (
          <option key={a.name} value={a.name}>
            {a.name.replace(/_/g, ' ')}
          </option>
        ))}
      </select>
      {error && (
        <p className="error" role="alert">
          {describeError(error)}
        </p>
      )}
      {ranked && (
        <div data-testid="axis-ranking">
          <PlotFigure options={chart} label="Top products by attribute score" />
        </div>
      )}
    </section>
  );
}
