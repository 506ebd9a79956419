// Plain SVG line charts (no library): the geometry is pure (niceMax, pointsOf) and tested; render() draws axes,
// one polyline per series with a legend, and a <title> per point for hover values. Colours come from CSS classes.
export interface Series {
  name: string;
  values: number[];
}

export interface ChartSpec {
  title: string;
  labels: string[];
  series: Series[];
  unit?: string;
  width?: number;
  height?: number;
}

const PAD = { left: 44, right: 8, top: 10, bottom: 22 };
const SVG = 'http://www.w3.org/2000/svg';

/** A round axis maximum ≥ max (1, 2, 5 × 10^n); 1 for an empty chart. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const exp = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (max <= m * exp) return m * exp;
  return 10 * exp;
}

/** Points of one series in a width×height plot area (y grows downwards). */
export function pointsOf(values: number[], max: number, width: number, height: number): Array<[number, number]> {
  const n = values.length;
  return values.map((v, i) => [n <= 1 ? width / 2 : (i / (n - 1)) * width, height - (Math.max(0, v) / max) * height]);
}

function el<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  text?: string,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

export function renderChart(spec: ChartSpec): HTMLElement {
  const width = spec.width ?? 560;
  const height = spec.height ?? 180;
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const max = niceMax(Math.max(0, ...spec.series.flatMap((s) => s.values)));
  const figure = document.createElement('figure');
  figure.className = 'chart';
  const caption = document.createElement('figcaption');
  caption.textContent = spec.title;
  figure.append(caption);
  const svg = el('svg', {
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': spec.title,
    preserveAspectRatio: 'none',
  });
  const plot = el('g', { transform: `translate(${PAD.left},${PAD.top})` });
  for (const frac of [0, 0.5, 1]) {
    const y = plotH - frac * plotH;
    plot.append(el('line', { x1: 0, x2: plotW, y1: y, y2: y, class: 'grid' }));
    plot.append(
      el(
        'text',
        { x: -6, y: y + 4, 'text-anchor': 'end', class: 'axis' },
        `${formatTick(max * frac)}${spec.unit ?? ''}`,
      ),
    );
  }
  const first = spec.labels[0];
  const last = spec.labels[spec.labels.length - 1];
  if (first) plot.append(el('text', { x: 0, y: plotH + 16, class: 'axis' }, first));
  if (last && spec.labels.length > 1)
    plot.append(el('text', { x: plotW, y: plotH + 16, 'text-anchor': 'end', class: 'axis' }, last));
  spec.series.forEach((series, i) => {
    const points = pointsOf(series.values, max, plotW, plotH);
    const cls = `series s${i % 8}`;
    plot.append(
      el('polyline', {
        points: points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' '),
        class: cls,
        fill: 'none',
      }),
    );
    points.forEach(([x, y], j) => {
      const dot = el('circle', { cx: x.toFixed(1), cy: y.toFixed(1), r: 2.5, class: cls });
      dot.append(
        el('title', {}, `${series.name} · ${spec.labels[j] ?? ''}: ${series.values[j] ?? 0}${spec.unit ?? ''}`),
      );
      plot.append(dot);
    });
  });
  svg.append(plot);
  figure.append(svg);
  const legend = document.createElement('ul');
  legend.className = 'legend';
  spec.series.forEach((series, i) => {
    const item = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = `swatch s${i % 8}`;
    item.append(swatch, `${series.name} (${series.values.reduce((a, b) => a + b, 0)})`);
    legend.append(item);
  });
  if (spec.series.length === 0) {
    const item = document.createElement('li');
    item.textContent = 'No data in this range.';
    legend.append(item);
  }
  figure.append(legend);
  return figure;
}

function formatTick(v: number): string {
  if (v >= 1_000_000) return `${v / 1_000_000}M`;
  if (v >= 1000) return `${v / 1000}k`;
  return String(Math.round(v * 100) / 100);
}
