import { ALPHABET } from './data/names';
import { render } from './plot';

/** The names examples' pictures. */

const LETTERS = [...ALPHABET];

/**
 * Two bigram tables side by side, P(next | previous) as a heat map each ('.' is a name's start as a
 * row and its end as a column), on one colour scale so equal probabilities look equal.
 */
export async function bigramTables(counted: Float64Array, learned: Float64Array): Promise<string> {
  const V = LETTERS.length;
  const values = (
    [
      ['counted (add-one)', counted],
      ['learned', learned],
    ] as const
  ).flatMap(([table, p]) =>
    Array.from(p, (probability, i) => ({
      table,
      previous: LETTERS[Math.floor(i / V)],
      next: LETTERS[i % V],
      probability,
    })),
  );
  return render({
    title: { text: 'Names: P(next letter | previous letter), counted and learned', anchor: 'start' },
    data: { values },
    facet: { column: { field: 'table', type: 'nominal', title: null, sort: null } },
    spec: {
      width: 300,
      height: 300,
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'next', type: 'ordinal', sort: LETTERS, axis: { labelAngle: 0, orient: 'top' } },
        y: { field: 'previous', type: 'ordinal', sort: LETTERS },
        color: {
          field: 'probability',
          type: 'quantitative',
          scale: { scheme: 'blues', type: 'sqrt', domain: [0, 1] },
          legend: { title: 'P', format: '.1f' },
        },
      },
    },
  });
}

/**
 * A GPT's attention for one name: a heat map per layer (rows) and head (columns), row t the weights that
 * position t (reading the letter shown) gives the positions up to it. The name is read as the model
 * reads it, '.' first.
 */
export async function attentionMaps(
  name: string,
  layers: readonly (readonly number[][][])[],
): Promise<string> {
  const letters = ['.', ...name];
  const values = layers.flatMap((heads, l) =>
    heads.flatMap((rows, h) =>
      rows.flatMap((row, query) =>
        row.map((weight, key) => ({ layer: `layer ${l + 1}`, head: `head ${h + 1}`, query, key, weight })),
      ),
    ),
  );
  // positions on the axes, labelled by the letter read there (a letter may come twice)
  const labelExpr = `${JSON.stringify(letters)}[datum.value]`;
  return render({
    title: { text: `Names GPT: where each position looks, reading '${name}'`, anchor: 'start' },
    data: { values },
    facet: {
      row: { field: 'layer', type: 'nominal', title: null },
      column: { field: 'head', type: 'nominal', title: null },
    },
    spec: {
      width: 14 * letters.length,
      height: 14 * letters.length,
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'key', type: 'ordinal', title: 'attends to', axis: { labelExpr, labelAngle: 0 } },
        y: { field: 'query', type: 'ordinal', title: 'reading', axis: { labelExpr } },
        color: {
          field: 'weight',
          type: 'quantitative',
          scale: { scheme: 'blues', domain: [0, 1] },
          legend: { title: 'weight', format: '.1f' },
        },
      },
    },
  });
}

/**
 * The rows of an [n, d] table projected on its two principal axes (the covariance's two leading
 * eigenvectors, by power iteration from a fixed start, the second kept orthogonal to the first), each
 * axis's sign chosen so that its largest component is positive: the same picture every run.
 */
export function principalPlane(rows: readonly (readonly number[])[]): [number, number][] {
  const d = rows[0]?.length ?? 0;
  const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r[j]!, 0) / rows.length);
  const centred = rows.map((r) => r.map((v, j) => v - mean[j]!));
  const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, v, j) => s + v * b[j]!, 0);
  const axes: number[][] = [];
  for (let a = 0; a < 2; a++) {
    let v = Array.from({ length: d }, (_, j) => 1 + j / d);
    for (let step = 0; step < 1000; step++) {
      // the covariance times v, as Σ cᵢ (cᵢ·v), less its part along the axes found already
      const w = new Array<number>(d).fill(0);
      for (const c of centred) {
        const along = dot(c, v);
        for (let j = 0; j < d; j++) w[j]! += c[j]! * along;
      }
      for (const u of axes) {
        const along = dot(w, u);
        for (let j = 0; j < d; j++) w[j]! -= along * u[j]!;
      }
      const length = Math.sqrt(dot(w, w));
      if (length === 0) break;
      v = w.map((x) => x / length);
    }
    const largest = v.reduce((m, x) => (Math.abs(x) > Math.abs(m) ? x : m), 0);
    axes.push(largest < 0 ? v.map((x) => -x) : v);
  }
  return centred.map((c) => [dot(c, axes[0]!), dot(c, axes[1]!)]);
}

/**
 * An embedding table's letters where its two principal axes put them (makemore's picture of its 2-D
 * embedding, for a wider one), vowels in their own colour: letters the model uses alike sit together.
 */
export async function embeddingMap(title: string, table: readonly (readonly number[])[]): Promise<string> {
  const values = principalPlane(table).map(([x, y], i) => ({
    x,
    y,
    // '.' (a name's start and end) drawn as a bullet, which a reader can find
    letter: LETTERS[i] === '.' ? '•' : LETTERS[i]!,
    kind: 'aeiou'.includes(LETTERS[i]!) ? 'vowel' : LETTERS[i] === '.' ? 'start / end (•)' : 'consonant',
  }));
  return render({
    title: { text: title, anchor: 'start' },
    width: 360,
    height: 300,
    data: { values },
    mark: { type: 'text', fontSize: 15, fontWeight: 'bold' },
    encoding: {
      x: {
        field: 'x',
        type: 'quantitative',
        title: 'first principal axis',
        scale: { zero: false, padding: 12 },
      },
      y: {
        field: 'y',
        type: 'quantitative',
        title: 'second principal axis',
        scale: { zero: false, padding: 12 },
      },
      text: { field: 'letter' },
      color: { field: 'kind', type: 'nominal', title: null, legend: { orient: 'bottom' } },
    },
  });
}
