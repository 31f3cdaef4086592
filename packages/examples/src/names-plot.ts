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
