/**
 * A confusion matrix as an SVG heat map (`replay --plot`): rows the true class, columns the
 * predicted one, each cell shaded by the share of its row (recall), with the count written in
 * it. Dependency-free like src/train/plot.ts's charts, which draw lines, not grids.
 */
export interface ConfusionPlot {
  title: string;
  classes: readonly string[];
  /** confusion[true][predicted] counts. */
  confusion: readonly (readonly number[])[];
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** White (0 % of the row) to dark blue (100 %). */
function shade(share: number): string {
  const t = Math.max(0, Math.min(1, share));
  const mix = (a: number, b: number) => Math.round(a + (b - a) * t);
  return `rgb(${mix(255, 8)},${mix(255, 48)},${mix(255, 107)})`;
}

export function confusionSvg(p: ConfusionPlot): string {
  const n = p.classes.length;
  const cell = n > 20 ? 18 : 36;
  const labelWidth = 8 + 7 * Math.max(4, ...p.classes.map((c) => c.length));
  const top = 60;
  const left = labelWidth + 24;
  const width = left + n * cell + 20;
  const height = top + n * cell + labelWidth + 40;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${esc(p.title)}</text>`,
    `<text x="${left + (n * cell) / 2}" y="${top - 24}" text-anchor="middle">predicted class</text>`,
    `<text transform="translate(14 ${top + (n * cell) / 2}) rotate(-90)" text-anchor="middle">true class</text>`,
  ];
  p.confusion.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    const y = top + i * cell;
    out.push(
      `<text x="${left - 6}" y="${y + cell / 2 + 4}" text-anchor="end">${esc(p.classes[i])}</text>`,
    );
    row.forEach((count, j) => {
      const share = total > 0 ? count / total : 0;
      const x = left + j * cell;
      out.push(
        `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${shade(share)}" stroke="#ccc"><title>true ${esc(p.classes[i])}, predicted ${esc(p.classes[j])}: ${count}</title></rect>`,
      );
      if (count > 0 && cell >= 30) {
        out.push(
          `<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" fill="${share > 0.5 ? "white" : "black"}">${count}</text>`,
        );
      }
    });
  });
  p.classes.forEach((c, j) => {
    const x = left + j * cell + cell / 2 + 4;
    const y = top + n * cell + 8;
    out.push(
      `<text transform="translate(${x} ${y}) rotate(-90)" text-anchor="end">${esc(c)}</text>`,
    );
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
