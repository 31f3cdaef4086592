/** The loss chart's log axis: which ticks it draws, and their labels. */

/**
 * Three to six ticks for a log axis over `values`, every one worth a label: 1, 2 and 5 times powers of
 * ten where the range spans enough of them, else evenly spaced round numbers (a loss that moves within
 * 0.6–0.7 still gets labels).
 */
export function logTicks(values: readonly number[]): number[] {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  if (positive.length === 0) return [];
  const [low, high] = [Math.min(...positive), Math.max(...positive)];
  // a loss that has not moved (to nine digits): one tick, at it
  if (high - low <= high * 1e-9) return [low];
  for (const mantissas of [[1], [1, 2, 5], [1, 1.5, 2, 3, 5, 7]]) {
    const ticks: number[] = [];
    for (let p = Math.floor(Math.log10(low)); p <= Math.ceil(Math.log10(high)); p++)
      for (const m of mantissas) {
        const v = Number((m * 10 ** p).toPrecision(2));
        if (v >= low && v <= high) ticks.push(v);
      }
    if (ticks.length >= 3 && ticks.length <= 6) return ticks;
    if (ticks.length > 6) return ticks.filter((_, i) => i % Math.ceil(ticks.length / 6) === 0);
  }
  // a narrow range: round steps of 1, 2 or 5 × 10ᵏ inside it
  const raw = (high - low) / 3;
  const power = 10 ** Math.floor(Math.log10(raw || high));
  const step = [5, 2, 1].map((m) => m * power).find((s) => s <= raw) ?? power;
  const ticks: number[] = [];
  // counted, not accumulated, so rounding cannot stall it: at most a handful
  for (let k = Math.ceil(low / step); k * step <= high * (1 + 1e-12) && ticks.length < 6; k++)
    ticks.push(Number((k * step).toPrecision(12)));
  return ticks.length > 0 ? ticks : [high];
}

/** Labels for `ticks` with as few significant digits (two at least) as tell them apart. */
export function tickLabels(ticks: readonly number[]): (d: number) => string {
  let digits = 2;
  const label = (d: number) => String(Number(d.toPrecision(digits)));
  while (digits < 12 && new Set(ticks.map(label)).size < ticks.length) digits++;
  return label;
}
