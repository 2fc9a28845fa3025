// "Why?" for one recommendation: the explanation's per-space contributions as a bar chart, its
// summary, and the attribute axes that mattered most.
import { useCallback, useId, useState } from 'react';
import type { Explanation } from '../lib/fragments';
import { PlotFigure, type PlotOptions } from './PlotFigure';
import type * as PlotModule from '@observablehq/plot';

export function WhyButton(props: { explanation: Explanation; productName: string }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const { explanation, productName } = props;
  const chart = useCallback(
    (plot: typeof PlotModule): PlotOptions => ({
      width: 290,
      height: 40 + 26 * explanation.spaces.length,
      marginLeft: 90,
      x: {
        label: 'contribution to the score',
        domain: [0, Math.max(0.01, ...explanation.spaces.map((s) => s.contribution))],
      },
      y: { label: null },
      marks: [
        plot.barX(explanation.spaces, { x: 'contribution', y: 'space', fill: '#0b57d0' }),
        plot.ruleX([0]),
      ],
    }),
    [explanation],
  );
  const axes = [...(explanation.attributes ?? [])].sort((a, b) => b.share - a.share).slice(0, 3);
  return (
    <>
      <button
        type="button"
        className="why quiet"
        aria-expanded={open}
        aria-controls={id}
        aria-label={`Why is ${productName} recommended?`}
        onClick={() => setOpen(!open)}
      >
        why?
      </button>
      {open && (
        <div className="popover" id={id} role="dialog" aria-label={`Why ${productName}`}>
          <h4>Why this product</h4>
          <p>{explanation.summary}</p>
          <PlotFigure options={chart} label={`Contribution of each space to the score of ${productName}`} />
          {axes.length > 0 && (
            <>
              <h4>Top attribute axes</h4>
              <ul>
                {axes.map((axis) => (
                  <li key={axis.axis}>
                    {axis.axis.replace(/_/g, ' ')}: {Math.round(axis.share * 100)} % (this product{' '}
                    {Math.round(axis.productValue)}, you liked {Math.round(axis.queryValue)})
                  </li>
                ))}
              </ul>
            </>
          )}
          {explanation.missingSpaces.length > 0 && (
            <p className="note">No value in {explanation.missingSpaces.join(', ')}; weights renormalised.</p>
          )}
          <button type="button" className="quiet" onClick={() => setOpen(false)}>
            Close
          </button>
        </div>
      )}
    </>
  );
}
