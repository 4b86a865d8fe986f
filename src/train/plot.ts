/**
 * Small dependency-free SVG line and scatter charts (training curves, accuracy against timesteps
 * or energy, on a linear or log x axis).
 */
import type { EpochRecord, InitProvenance } from "./checkpoint.js";

export interface Series {
  label: string;
  points: [number, number][];
  dashed?: boolean;
  /** Index into the palette (default: the series' position). */
  color?: number;
  /** A text beside each point (same order as points), e.g. the setting that produced it. */
  pointLabels?: string[];
  /** Draw the points only, no line between them. */
  markersOnly?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  yMin?: number;
  yMax?: number;
  legendWidth?: number;
  /** Draw the legend right of the plot (default true; false when a neighbouring chart has it). */
  legend?: boolean;
  /** Prefix of the chart's element ids, unique per chart when several share one SVG. */
  id?: string;
  /** Vertical dashed lines across the plot, e.g. where one training stage hands over. */
  markers?: { x: number; label: string }[];
  /** Logarithmic x axis (every x must be > 0): ticks at 1, 2 and 5 times the powers of ten. */
  logX?: boolean;
  /** x range (default: the data's). */
  xMin?: number;
  xMax?: number;
}

const COLORS = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#ff7f0e",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
];

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Ticks of a log axis: 1, 2, 5 × 10^k within [min, max] (only the powers when that is many). */
function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let k = Math.floor(Math.log10(min)); k <= Math.ceil(Math.log10(max)); k++)
    for (const m of [1, 2, 5]) {
      const v = Number((m * Math.pow(10, k)).toPrecision(12));
      if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) ticks.push(v);
    }
  return ticks.length > 8 ? ticks.filter((v) => Number.isInteger(Math.log10(v))) : ticks;
}

function niceTicks(min: number, max: number, count = 5): number[] {
  const span = max - min || 1;
  const raw = span / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= count) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step)
    ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

export function lineChartSvg(series: Series[], o: ChartOptions): string {
  const W = o.width ?? 640;
  const H = o.height ?? 400;
  const m = { l: 64, r: o.legendWidth ?? (o.legend === false ? 20 : 170), t: 40, b: 50 };
  const id = o.id ?? "plot";
  const xs = [
    ...series.flatMap((s) => s.points.map((p) => p[0])),
    ...(o.markers ?? []).map((k) => k.x),
  ];
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const xMin = o.xMin ?? Math.min(...xs);
  const xMax = o.xMax ?? Math.max(...xs);
  const yMin = o.yMin ?? Math.min(...ys);
  const yMax = o.yMax ?? Math.max(...ys);
  if (o.logX && !(xMin > 0)) {
    throw new RangeError(`chart "${o.title}": a log x axis needs every x > 0 (smallest ${xMin})`);
  }
  const tx = o.logX ? Math.log10 : (x: number) => x;
  const px = (x: number) =>
    m.l + ((tx(x) - tx(xMin)) / (tx(xMax) - tx(xMin) || 1)) * (W - m.l - m.r);
  const py = (y: number) => H - m.b - ((y - yMin) / (yMax - yMin || 1)) * (H - m.t - m.b);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - m.r / 2 + m.l / 2}" y="22" text-anchor="middle" font-size="15">${esc(o.title)}</text>`,
  ];
  for (const t of o.logX ? logTicks(xMin, xMax) : niceTicks(xMin, xMax)) {
    parts.push(`<line x1="${px(t)}" y1="${m.t}" x2="${px(t)}" y2="${H - m.b}" stroke="#eee"/>`);
    parts.push(`<text x="${px(t)}" y="${H - m.b + 16}" text-anchor="middle">${t}</text>`);
  }
  for (const t of niceTicks(yMin, yMax)) {
    parts.push(`<line x1="${m.l}" y1="${py(t)}" x2="${W - m.r}" y2="${py(t)}" stroke="#eee"/>`);
    parts.push(`<text x="${m.l - 6}" y="${py(t) + 4}" text-anchor="end">${t}</text>`);
  }
  parts.push(
    `<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#333"/>`,
  );
  parts.push(
    `<text x="${(m.l + W - m.r) / 2}" y="${H - 12}" text-anchor="middle">${esc(o.xLabel)}</text>`,
  );
  parts.push(
    `<text transform="translate(16 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`,
  );
  // Points outside [yMin, yMax] are clipped to the plot area.
  parts.push(
    `<defs><clipPath id="${id}"><rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}"/></clipPath></defs>`,
  );
  for (const k of o.markers ?? []) {
    parts.push(
      `<line x1="${px(k.x)}" y1="${m.t}" x2="${px(k.x)}" y2="${H - m.b}" stroke="#888" stroke-dasharray="3 3"/>`,
    );
    parts.push(
      `<text x="${px(k.x) + 4}" y="${m.t + 14}" fill="#555" font-size="11">${esc(k.label)}</text>`,
    );
  }
  series.forEach((s, i) => {
    const color = COLORS[(s.color ?? i) % COLORS.length];
    parts.push(`<g clip-path="url(#${id})">`);
    const d = s.points
      .map((p, k) => `${k ? "L" : "M"}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`)
      .join(" ");
    if (!s.markersOnly)
      parts.push(
        `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`,
      );
    s.points.forEach((p, k) => {
      const [cx, cy] = [px(p[0]).toFixed(1), py(p[1]).toFixed(1)];
      parts.push(`<circle cx="${cx}" cy="${cy}" r="${s.markersOnly ? 4 : 2.5}" fill="${color}"/>`);
      const text = s.pointLabels?.[k];
      if (text)
        parts.push(
          `<text x="${Number(cx) + 6}" y="${Number(cy) - 6}" font-size="11" fill="${color}">${esc(text)}</text>`,
        );
    });
    parts.push(`</g>`);
    if (o.legend === false) return;
    const ly = m.t + 10 + i * 18;
    parts.push(
      s.markersOnly
        ? `<circle cx="${W - m.r + 23}" cy="${ly}" r="4" fill="${color}"/>`
        : `<line x1="${W - m.r + 12}" y1="${ly}" x2="${W - m.r + 34}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`,
    );
    parts.push(`<text x="${W - m.r + 40}" y="${ly + 4}">${esc(s.label)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

/** Charts placed side by side in one SVG (each keeps its own size). */
export function sideBySideSvg(charts: string[], widths: number[], height: number): string {
  const W = widths.reduce((a, b) => a + b, 0);
  let x = 0;
  const inner = charts.map((svg, i) => {
    const placed = svg.replace("<svg ", `<svg x="${x}" y="0" `);
    x += widths[i];
    return placed;
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}">\n` +
    inner.join("") +
    "</svg>\n"
  );
}

/** The y range of the series with a little room above and below, so no point sits on the frame. */
function padded(series: Series[]): { yMin: number; yMax: number } {
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const lo = Math.min(...ys);
  const hi = Math.max(...ys);
  const pad = 0.04 * (hi - lo || Math.abs(hi) || 1);
  return { yMin: lo - pad, yMax: hi + pad };
}

/** What the train and validation curves measure, which differs by model kind. */
export interface CurveLegend {
  train: string;
  validation: string;
}

/** The legends of each kind of network the trainer trains. */
export const CURVE_LEGENDS = {
  // Soft-LIF: trained with noisy smoothed rate neurons; validated as the noise-free rate network.
  "soft-lif": { train: "train (noisy soft-LIF)", validation: "validation (soft-LIF rate)" },
  // Adaptive spiking RNN: spikes in both, the surrogate gradient only shapes the update.
  srnn: { train: "train (spiking, BPTT)", validation: "validation (spiking)" },
  rnn: { train: "train", validation: "validation" },
  lstm: { train: "train", validation: "validation" },
} satisfies Record<string, CurveLegend>;

/** An earlier run whose result this one started from (`train --init-from`), drawn before it. */
export interface EarlierStage {
  history: EpochRecord[];
  /** Epochs it had completed when this run took its parameters. */
  epochs: number;
  name: string;
}

/**
 * The runs before one that started with `--init-from`, oldest first, as far as their checkpoints
 * recorded them (runs from before the history was recorded there end the chain).
 */
export function earlierStages(initFrom: InitProvenance | undefined): EarlierStage[] {
  const stages: EarlierStage[] = [];
  for (let p = initFrom; p?.history; p = p.initFrom)
    stages.unshift({ history: p.history, epochs: p.epochsDone, name: p.name });
  return stages;
}

export interface CurveOptions {
  legend?: CurveLegend;
  /** The chain of runs before this one, oldest first: their epochs come first on the axis. */
  before?: EarlierStage[];
}

/**
 * Accuracy and loss against epoch, side by side, over the whole chain of runs that produced the
 * final parameters (an --init-from run continues the numbering of the run it started from), and,
 * where the run averages its weights, the validation of the running mean: the exported network.
 */
export function trainingCurvesSvg(
  history: EpochRecord[],
  name: string,
  options: CurveOptions = {},
): string {
  const legend = options.legend ?? CURVE_LEGENDS["soft-lif"];
  const chain: { epoch: number; r: EpochRecord }[] = [];
  const markers: { x: number; label: string }[] = [];
  let offset = 0;
  for (const stage of [...(options.before ?? []), { history, epochs: Infinity, name }]) {
    if (offset > 0)
      markers.push({
        x: offset + 0.5,
        label: stage.history.some((r) => r.averageOf) ? "weight averaging" : "--init-from",
      });
    for (const r of stage.history)
      if (r.epoch <= stage.epochs) chain.push({ epoch: offset + r.epoch, r });
    offset += Number.isFinite(stage.epochs) ? stage.epochs : 0;
  }
  const pick = (f: (r: EpochRecord) => number | null | undefined, scale = 1): [number, number][] =>
    chain.flatMap(({ epoch, r }) => {
      const v = f(r);
      return typeof v === "number" && Number.isFinite(v) ? [[epoch, scale * v]] : [];
    });
  const acc: Series[] = [{ label: legend.train, points: pick((r) => r.trainAccuracy, 100) }];
  const loss: Series[] = [{ label: legend.train, points: pick((r) => r.trainLoss) }];
  const valAcc = pick((r) => r.valAccuracy, 100);
  if (valAcc.length) {
    acc.push({ label: legend.validation, points: valAcc });
    loss.push({ label: legend.validation, points: pick((r) => r.valLoss) });
  }
  const mean = pick((r) => r.averageValAccuracy, 100);
  if (mean.length) acc.push({ label: "weight mean, validation", points: mean, color: 2 });
  const width = 680;
  const height = 420;
  const common = { xLabel: "epoch", width, height, legendWidth: 230, markers };
  // Activity (config `sparsity`, or any run that logged per-layer rates): a third panel of each
  // soft-LIF layer's spikes per neuron per tick, train (under noise) and validation (dashed).
  const layers = Math.max(0, ...chain.map(({ r }) => r.valLayerFiringRates?.length ?? 0));
  const rates: Series[] = Array.from({ length: layers }, (_, l) => [
    {
      label: `layer ${l + 1} ${legend.train}`,
      points: pick((r) => r.trainLayerFiringRates?.[l]),
      color: l,
    },
    {
      label: `layer ${l + 1} ${legend.validation}`,
      points: pick((r) => r.valLayerFiringRates?.[l]),
      color: l,
      dashed: true,
    },
  ])
    .flat()
    .filter((x) => x.points.length > 0);
  const penalty = pick((r) => r.trainPenalty);
  if (penalty.length)
    loss.push({ label: "rate penalty, train", points: penalty, dashed: true, color: 3 });
  const charts = [
    lineChartSvg(acc, {
      ...common,
      ...padded(acc),
      title: `${name}: accuracy`,
      yLabel: "accuracy (%)",
      id: "acc",
    }),
    lineChartSvg(loss, {
      ...common,
      ...padded(loss),
      title: `${name}: loss`,
      yLabel: "cross-entropy loss",
      id: "loss",
    }),
  ];
  if (rates.length)
    charts.push(
      lineChartSvg(rates, {
        ...common,
        ...padded(rates),
        title: `${name}: firing rate`,
        yLabel: "spikes per neuron per tick (rate × dt)",
        id: "rate",
      }),
    );
  return sideBySideSvg(
    charts,
    charts.map(() => width),
    height,
  );
}

/** Renders an SVG to PNG with sharp (loaded only when asked for). */
export async function svgToPng(svg: string, path: string): Promise<void> {
  const sharp = (await import("sharp")).default;
  await sharp(Buffer.from(svg)).png().toFile(path);
}
