// A small SVG chart for Rewind's pages: lines over a numeric x axis, vertical markers, shaded
// bands and a movable cursor. Hand-written (about 150 lines) rather than a vendored charting
// library: the pages need only these shapes, and no build step or third-party file to keep current.

const SVG_NS = 'http://www.w3.org/2000/svg';
const PAD = { left: 52, right: 40, top: 14, bottom: 30 };

function svgEl(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** About `count` round tick values covering [min, max]. */
export function ticks(min, max, count = 5) {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const first = Math.ceil(min / step) * step;
  const out = [];
  for (let v = first; v <= max + step * 1e-9; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

/**
 * Draws into `svg` (an <svg> element, emptied first):
 *   series:  [{name, color, points: [[x, y], …], step: bool, dots: bool (a circle per point)}]
 *   markers: [{x, kind: 'retry'|'reset'|'ttft', label}]
 *   bands:   [{from, to, label}] (shaded x ranges, e.g. gaps between tokens)
 * Returns {setCursor(x|null)} for a replay's moving position.
 */
export function drawChart(svg, { series = [], markers = [], bands = [], xMax, yMax, xFormat = String, yFormat = String, title,
  width: WIDTH = 760, height: HEIGHT = 260 }) {
  svg.replaceChildren();
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute('class', 'chart');
  svg.setAttribute('role', 'img');
  if (title) svg.setAttribute('aria-label', title);
  const allX = series.flatMap((s) => s.points.map((p) => p[0])).concat(markers.map((m) => m.x), bands.map((b) => b.to));
  const allY = series.flatMap((s) => s.points.map((p) => p[1]));
  const x1 = Math.max(xMax ?? 0, ...allX, 1);
  const y1 = Math.max(yMax ?? 0, ...allY, 1);
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const sx = (x) => PAD.left + (x / x1) * plotW;
  const sy = (y) => PAD.top + plotH - (y / y1) * plotH;

  for (const t of ticks(0, y1, 4)) {
    svg.append(svgEl('line', { class: 'gridline', x1: PAD.left, x2: WIDTH - PAD.right, y1: sy(t), y2: sy(t) }));
    svg.append(svgEl('text', { x: PAD.left - 6, y: sy(t) + 4, 'text-anchor': 'end' }, yFormat(t)));
  }
  for (const t of ticks(0, x1, 6)) {
    svg.append(svgEl('text', { x: sx(t), y: HEIGHT - 10, 'text-anchor': 'middle' }, xFormat(t)));
  }
  for (const band of bands) {
    const rect = svgEl('rect', { class: 'gap-band', x: sx(band.from), y: PAD.top, width: Math.max(sx(band.to) - sx(band.from), 1), height: plotH });
    if (band.label) rect.append(svgEl('title', {}, band.label));
    svg.append(rect);
  }
  svg.append(svgEl('line', { class: 'axis', x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: PAD.top + plotH }));
  svg.append(svgEl('line', { class: 'axis', x1: PAD.left, x2: WIDTH - PAD.right, y1: PAD.top + plotH, y2: PAD.top + plotH }));
  for (const marker of markers) {
    const line = svgEl('line', { class: `marker-${marker.kind}`, x1: sx(marker.x), x2: sx(marker.x), y1: PAD.top, y2: PAD.top + plotH, 'data-kind': marker.kind });
    if (marker.label) line.append(svgEl('title', {}, marker.label));
    svg.append(line);
    // a label near the right edge goes to the left of its line, so it is not cut off
    const leftOfLine = sx(marker.x) > WIDTH - PAD.right - 120;
    if (marker.label) {
      svg.append(svgEl('text', { x: sx(marker.x) + (leftOfLine ? -3 : 3), y: PAD.top + 10, 'text-anchor': leftOfLine ? 'end' : 'start' }, marker.label));
    }
  }
  for (const s of series) {
    if (s.points.length === 0) continue;
    let d = '';
    s.points.forEach(([x, y], i) => {
      if (i === 0) d += `M${sx(x).toFixed(1)},${sy(y).toFixed(1)}`;
      else if (s.step) d += `H${sx(x).toFixed(1)}V${sy(y).toFixed(1)}`;
      else d += `L${sx(x).toFixed(1)},${sy(y).toFixed(1)}`;
    });
    const path = svgEl('path', { class: 'series', d, stroke: s.color, 'data-series': s.name });
    path.append(svgEl('title', {}, s.name));
    svg.append(path);
    if (s.dots) {
      for (const [x, y] of s.points) svg.append(svgEl('circle', { cx: sx(x), cy: sy(y), r: 3, fill: s.color }));
    }
  }
  const cursor = svgEl('line', { class: 'cursor', x1: 0, x2: 0, y1: PAD.top, y2: PAD.top + plotH, visibility: 'hidden' });
  svg.append(cursor);
  return {
    setCursor(x) {
      if (x === null || x === undefined) {
        cursor.setAttribute('visibility', 'hidden');
        return;
      }
      cursor.setAttribute('x1', sx(Math.min(x, x1)));
      cursor.setAttribute('x2', sx(Math.min(x, x1)));
      cursor.setAttribute('visibility', 'visible');
    },
  };
}

/** Fills a legend element with one entry per series. */
export function drawLegend(container, series) {
  container.replaceChildren(...series.map((s) => {
    const item = document.createElement('span');
    item.style.setProperty('--c', s.color);
    item.textContent = s.name;
    return item;
  }));
}

export const PALETTE = ['#1a5fb4', '#c64600', '#2e7d32', '#8e24aa', '#00838f', '#6d4c41', '#ad1457', '#5d6d00'];
