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
