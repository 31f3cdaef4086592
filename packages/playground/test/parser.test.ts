import { Value } from '@adjoint/autograd';
import { fc, it } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { evaluateProgram } from '../src/graph.js';
import { type Expr, FUNCTIONS, format, ParseError, parse } from '../src/parser.js';

/** Random expressions over a few names, every operator and function. */
const exprArb: fc.Arbitrary<Expr> = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.double({ min: 0, max: 1e3, noNaN: true }).map((value) => ({ kind: 'number' as const, value, at: 0 })),
    fc.constantFrom('a', 'b', 'x1', 'w_2').map((name) => ({ kind: 'name' as const, name, at: 0 })),
    tie('expr').map((arg) => ({ kind: 'neg' as const, arg, at: 0 })),
    fc
      .tuple(
        fc.constantFrom('+', '-', '*', '/', '^') as fc.Arbitrary<'+' | '-' | '*' | '/' | '^'>,
        tie('expr'),
        tie('expr'),
      )
      .map(([op, left, right]) => ({ kind: 'binary' as const, op, left, right, at: 0 })),
    fc
      .tuple(fc.constantFrom(...FUNCTIONS), tie('expr'))
      .map(([fn, arg]) => ({ kind: 'call' as const, fn, arg, at: 0 })),
  ),
})).expr;

/** The tree without positions, to compare structure. */
function strip(e: Expr): unknown {
  switch (e.kind) {
    case 'number':
      return e.value;
    case 'name':
      return e.name;
    case 'neg':
      return ['neg', strip(e.arg)];
    case 'call':
      return [e.fn, strip(e.arg)];
    case 'binary':
      return [e.op, strip(e.left), strip(e.right)];
  }
}

describe('the expression parser', () => {
  it.prop([exprArb])('format then parse gives the same tree (round trip)', (expr) => {
    const program = parse(format(expr));
    expect(program.statements).toHaveLength(1);
    expect(strip(program.statements[0]!.expr)).toEqual(strip(expr));
  });

  test('precedence and associativity: - binds tighter than *, ^ is right-associative and above unary minus', () => {
    const tree = (s: string) => strip(parse(s).statements[0]!.expr);
    expect(tree('a + b * c')).toEqual(['+', 'a', ['*', 'b', 'c']]);
    expect(tree('a - b - c')).toEqual(['-', ['-', 'a', 'b'], 'c']);
    expect(tree('a / b / c')).toEqual(['/', ['/', 'a', 'b'], 'c']);
    expect(tree('a ^ b ^ c')).toEqual(['^', 'a', ['^', 'b', 'c']]);
    expect(tree('-a ^ 2')).toEqual(['neg', ['^', 'a', 2]]);
    expect(tree('a ** -b')).toEqual(['^', 'a', ['neg', 'b']]);
    expect(tree('tanh(x1*w1 + b)')).toEqual(['tanh', ['+', ['*', 'x1', 'w1'], 'b']]);
    expect(tree('2.5e-3 * .5')).toEqual(['*', 0.0025, 0.5]);
  });

  test('statements, assignments and leaves: names read before they are assigned are the inputs', () => {
    const program = parse('n = x1*w1 + b # a comment\no = tanh(n); p = o * n');
    expect(program.statements.map((s) => s.name)).toEqual(['n', 'o', 'p']);
    expect(program.leaves).toEqual(['x1', 'w1', 'b']);
    expect(parse('b = a + a; c = b + b').leaves).toEqual(['a']);
  });

  test.each([
    ['a +', 1, 4, "expected a number, a name, a function or '(', got the end of the line"],
    ['a + * b', 1, 5, "expected a number, a name, a function or '(', got '*'"],
    ['tan(x)', 1, 1, `unknown function 'tan'; the functions are ${FUNCTIONS.join(', ')}`],
    ['tanh(a, b)', 1, 7, 'tanh() takes one argument'],
    ['tanh()', 1, 6, 'tanh() takes one argument'],
    ['(a + b', 1, 7, "expected ')', got the end of the line"],
    ['a b', 1, 3, "expected an operator, ';' or the end of the line, got 'b'"],
    ['x = 1\nx = 2', 2, 1, "'x' is assigned twice; each name holds one value"],
    ['y = a\na = 2', 2, 1, "'a' is an input, read before this line; give the result another name"],
    ['a $ b', 1, 3, "unexpected character '$'"],
    ['tanh + 1', 1, 1, "'tanh' is a function: write tanh(…)"],
    ['', 1, 1, 'nothing to compute: write an expression'],
  ])('%j: line %i, column %i: %s', (source, line, column, reason) => {
    const error = (() => {
      try {
        parse(source);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(ParseError);
    expect(error).toMatchObject({
      line,
      column,
      reason,
      message: `line ${line}, column ${column}: ${reason}`,
    });
  });
});

// issue 33: hostile programs get a ParseError or a result, never a stack overflow or minutes of work
describe('programs of extreme size', () => {
  test('10⁵ nested parentheses, minuses, powers or calls: a ParseError naming the depth', () => {
    const n = 100_000;
    for (const source of [
      `${'('.repeat(n)}x${')'.repeat(n)}`,
      `${'-'.repeat(n)}x`,
      `${'x ^ '.repeat(n)}x`,
      `${'exp('.repeat(n)}x${')'.repeat(n)}`,
    ]) {
      expect(() => parse(source)).toThrow(ParseError);
      expect(() => parse(source)).toThrow('the expression nests deeper than 500 levels');
    }
    expect(parse(`${'('.repeat(400)}x${')'.repeat(400)}`).leaves).toEqual(['x']);
  });

  test('a sum of 10⁵ inputs parses (in linear time) and evaluates without recursion', () => {
    const names = Array.from({ length: 100_000 }, (_, i) => `x${i}`);
    const program = parse(names.join(' + '));
    expect(program.leaves).toHaveLength(100_000);
    expect(program.leaves[99_999]).toBe('x99999');
    const total = evaluateProgram(
      program,
      names.map((_, i) => new Value(i % 2)),
    );
    expect(total.data).toBe(50_000);
  });

  test('x = x + 1 is refused: x would be an input and an assigned name', () => {
    expect(() => parse('x = x + 1')).toThrow(
      "'x' is an input read on its own line before it is assigned; give the result another name",
    );
    expect(parse('y = x + 1; x2 = y * 2').leaves).toEqual(['x']);
  });
});
