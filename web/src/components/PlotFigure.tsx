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
    let observer: MutationObserver | null = null;
    void import('@observablehq/plot').then((plot) => {
      if (cancelled || !holder.current) return;
      const made = plot.plot(options(plot));
      figure = made;
      made.setAttribute('role', 'img');
      made.setAttribute('aria-label', label);
      // The figure is one image with one label; Plot's per-mark labels on <g> elements are not
      // allowed there (axe: aria-prohibited-attr) and would be hidden inside an image anyway.
      // Interactive marks (the pointer's highlight) are drawn again on every move, labelled again,
      // so the rule is kept by an observer for the figure's life, not once.
      const unlabel = (root: Element) => {
        if (root !== made && root.hasAttribute('aria-label')) root.removeAttribute('aria-label');
        for (const part of root.querySelectorAll('[aria-label]')) part.removeAttribute('aria-label');
      };
      unlabel(made);
      observer = new MutationObserver((records) => {
        for (const record of records)
          for (const node of record.addedNodes) if (node instanceof Element) unlabel(node);
      });
      observer.observe(made, { childList: true, subtree: true });
      holder.current.replaceChildren(made);
      onFigure?.(made);
    });
    return () => {
      cancelled = true;
      observer?.disconnect();
      figure?.remove();
    };
  }, [options, label, onFigure]);
  return <div ref={holder} className="plot" data-testid="plot" />;
}
