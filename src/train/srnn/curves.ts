/**
 * Training curves of a spiking sequence run: accuracy, loss and firing rate per epoch, one panel
 * each, stacked in one SVG, so the rate a penalty buys can be read against what it costs.
 * Runs without spikes (rnn, lstm) or records from before per-layer rates get the panels they
 * have data for.
 */
import type { EpochRecord } from "../checkpoint.js";
import { lineChartSvg, type Series } from "../plot.js";

const PANEL_HEIGHT = 300;
const WIDTH = 640;

function points(history: EpochRecord[], value: (h: EpochRecord) => number | null | undefined) {
  return history.flatMap((h): [number, number][] => {
    const v = value(h);
    return v === null || v === undefined || !Number.isFinite(v) ? [] : [[h.epoch, v]];
  });
}

function nonEmpty(series: Series[]): Series[] {
  return series.filter((s) => s.points.length > 0);
}

/** Nested panels: each chart's clip-path id made unique so the panels do not share one. */
function stack(panels: string[]): string {
  const body = panels.map((svg, i) =>
    svg
      .replace("<svg ", `<svg y="${i * PANEL_HEIGHT}" `)
      .replace('id="plot"', `id="plot${i}"`)
      .replace(/url\(#plot\)/g, `url(#plot${i})`),
  );
  const H = panels.length * PANEL_HEIGHT;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${H}" viewBox="0 0 ${WIDTH} ${H}">\n` +
    body.join("") +
    "</svg>\n"
  );
}

export function sequenceCurvesSvg(history: EpochRecord[], name: string): string {
  const opts = { width: WIDTH, height: PANEL_HEIGHT, xLabel: "epoch" };
  const panels: string[] = [];
  const acc = nonEmpty([
    { label: "train", points: points(history, (h) => 100 * h.trainAccuracy) },
    {
      label: "validation",
      points: points(history, (h) => (h.valAccuracy === null ? null : 100 * h.valAccuracy)),
    },
  ]);
  panels.push(lineChartSvg(acc, { ...opts, title: `${name}: accuracy`, yLabel: "accuracy (%)" }));
  const penalised = history.some((h) => h.trainPenalty !== undefined);
  const loss = nonEmpty([
    { label: "train cross-entropy", points: points(history, (h) => h.trainLoss) },
    { label: "validation", points: points(history, (h) => h.valLoss) },
    ...(penalised
      ? [
          {
            label: "train rate penalty",
            points: points(history, (h) => h.trainPenalty),
            dashed: true,
          },
          { label: "validation", points: points(history, (h) => h.valPenalty), dashed: true },
        ]
      : []),
  ]);
  panels.push(
    lineChartSvg(loss, { ...opts, title: `${name}: loss per sample`, yLabel: "loss", yMin: 0 }),
  );
  const layers = Math.max(0, ...history.map((h) => h.valLayerFiringRates?.length ?? 0));
  const rates = nonEmpty(
    layers > 0
      ? Array.from({ length: layers }, (_, l) => [
          {
            label: `layer ${l + 1} train`,
            points: points(history, (h) => h.trainLayerFiringRates?.[l]),
            color: l,
          },
          {
            label: `layer ${l + 1} validation`,
            points: points(history, (h) => h.valLayerFiringRates?.[l]),
            color: l,
            dashed: true,
          },
        ]).flat()
      : [
          { label: "train", points: points(history, (h) => h.trainFiringRate) },
          { label: "validation", points: points(history, (h) => h.valFiringRate), dashed: true },
        ],
  );
  if (rates.length)
    panels.push(
      lineChartSvg(rates, {
        ...opts,
        title: `${name}: firing rate`,
        yLabel: "spikes per neuron per step",
        yMin: 0,
      }),
    );
  return stack(panels);
}
