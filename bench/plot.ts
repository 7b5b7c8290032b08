/**
 * Log–log line charts written as SVG by hand and rendered to PNG by @resvg/resvg-js (a prebuilt
 * binary from the npm registry, nothing downloaded at install time). Used for bench/curves.png.
 */
import { Resvg } from '@resvg/resvg-js';

export interface Series {
  label: string;
  color: string;
  dashed?: boolean;
  points: readonly (readonly [number, number])[];
}

export interface Panel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  /** Lines of text under the legend. */
  notes?: readonly string[];
}

const W = 600;
const PLOT = { left: 64, right: 20, top: 44, height: 300 };
const esc = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** 100000 → 100k, 1000000 → 1M. */
export function shortNumber(n: number): string {
  if (n >= 1e6) return `${+(n / 1e6).toPrecision(3)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toPrecision(3)}k`;
  return `${+n.toPrecision(3)}`;
}

/** 1-2-5 ticks within [lo, hi] on a log axis. */
function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo * 0.999 && v <= hi * 1.001) ticks.push(v);
    }
  }
  return ticks;
}

function panelSvg(panel: Panel, x0: number): { svg: string; height: number } {
  const all = panel.series.flatMap((s) => s.points);
  const xs = [...new Set(all.map((p) => p[0]))].sort((a, b) => a - b);
  const ys = all.map((p) => p[1]).filter((y) => y > 0);
  const xLo = (xs[0] ?? 1) / 1.5;
  const xHi = (xs.at(-1) ?? 10) * 1.5;
  const yMin = Math.min(...ys) / 1.3;
  const yMax = Math.max(Math.max(...ys) * 1.3, yMin * 10);
  const width = W - PLOT.left - PLOT.right;
  const x = (v: number) => x0 + PLOT.left + ((Math.log10(v) - Math.log10(xLo)) / Math.log10(xHi / xLo)) * width;
  const y = (v: number) =>
    PLOT.top + PLOT.height - ((Math.log10(v) - Math.log10(yMin)) / Math.log10(yMax / yMin)) * PLOT.height;
  const out: string[] = [];
  out.push(
    `<text x="${x0 + W / 2}" y="24" font-size="15" font-weight="bold" text-anchor="middle">${esc(panel.title)}</text>`,
  );
  out.push(
    `<rect x="${x0 + PLOT.left}" y="${PLOT.top}" width="${width}" height="${PLOT.height}" fill="none" stroke="#888"/>`,
  );
  for (const t of logTicks(yMin, yMax)) {
    out.push(
      `<line x1="${x0 + PLOT.left}" x2="${x0 + PLOT.left + width}" y1="${y(t)}" y2="${y(t)}" stroke="#e4e4e4"/>`,
      `<text x="${x0 + PLOT.left - 6}" y="${y(t) + 4}" font-size="11" text-anchor="end">${t >= 1 ? t : +t.toPrecision(2)}</text>`,
    );
  }
  for (const t of xs) {
    out.push(
      `<line x1="${x(t)}" x2="${x(t)}" y1="${PLOT.top}" y2="${PLOT.top + PLOT.height}" stroke="#e4e4e4"/>`,
      `<text x="${x(t)}" y="${PLOT.top + PLOT.height + 16}" font-size="11" text-anchor="middle">${shortNumber(t)}</text>`,
    );
  }
  out.push(
    `<text x="${x0 + PLOT.left + width / 2}" y="${PLOT.top + PLOT.height + 34}" font-size="12" text-anchor="middle">${esc(panel.xLabel)} (log)</text>`,
    `<text transform="translate(${x0 + 16} ${PLOT.top + PLOT.height / 2}) rotate(-90)" font-size="12" text-anchor="middle">${esc(panel.yLabel)} (log)</text>`,
  );
  for (const s of panel.series) {
    const pts = [...s.points].filter((p) => p[1] > 0).sort((a, b) => a[0] - b[0]);
    if (pts.length === 0) continue;
    const d = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ');
    out.push(
      `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    for (const p of pts) out.push(`<circle cx="${x(p[0])}" cy="${y(p[1])}" r="3" fill="${s.color}"/>`);
  }
  let ly = PLOT.top + PLOT.height + 58;
  const seen = new Set<string>();
  for (const s of panel.series) {
    // One legend line per label: series that differ only by dash share it (see the notes).
    if (seen.has(s.label)) continue;
    seen.add(s.label);
    const lx = x0 + PLOT.left;
    out.push(
      `<line x1="${lx}" x2="${lx + 28}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      `<text x="${lx + 36}" y="${ly}" font-size="12">${esc(s.label)}</text>`,
    );
    ly += 17;
  }
  for (const note of panel.notes ?? []) {
    out.push(`<text x="${x0 + PLOT.left}" y="${ly + 4}" font-size="11" fill="#444">${esc(note)}</text>`);
    ly += 15;
  }
  return { svg: out.join('\n'), height: ly + 10 };
}

/** Panels side by side on a white background. */
export function chartSvg(panels: readonly Panel[]): string {
  const drawn = panels.map((p, i) => panelSvg(p, i * W));
  const height = Math.max(...drawn.map((d) => d.height));
  const width = W * panels.length;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    ...drawn.map((d) => d.svg),
    '</svg>',
  ].join('\n');
}

export function svgToPng(svg: string): Buffer {
  return new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
}
