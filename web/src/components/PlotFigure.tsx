// An Observable Plot figure in React: the plotting library is loaded on first use (import()), so
// pages that show no chart never download it.
import { useEffect, useRef } from 'react';
import type * as PlotModule from '@observablehq/plot';

export type PlotOptions = PlotModule.PlotOptions;

export function PlotFigure(props: {
  options: (plot: typeof PlotModule) => PlotOptions;
  label: string;
  /** Called with each new figure, e.g. to listen to its pointer. */
  onFigure?: (figure: Element) => void;
}) {
  const holder = useRef<HTMLDivElement>(null);
  const { options, label, onFigure } = props;
  useEffect(() => {
    let cancelled = false;
    let figure: Element | null = null;
    void import('@observablehq/plot').then((plot) => {
      if (cancelled || !holder.current) return;
      figure = plot.plot(options(plot));
      figure.setAttribute('role', 'img');
      figure.setAttribute('aria-label', label);
      // The figure is one image with one label; Plot's per-mark labels on <g> elements are not
      // allowed there (axe: aria-prohibited-attr) and would be hidden inside an image anyway.
      for (const part of figure.querySelectorAll('[aria-label]')) part.removeAttribute('aria-label');
      holder.current.replaceChildren(figure);
      onFigure?.(figure);
    });
    return () => {
      cancelled = true;
      figure?.remove();
    };
  }, [options, label, onFigure]);
  return <div ref={holder} className="plot" data-testid="plot" />;
}
