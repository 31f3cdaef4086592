/**
 * The playground's expression language: statements separated by `;` or new lines, each an expression
 * or an assignment `name = expression`; the last statement is the output. Names never assigned are the
 * leaves (the inputs whose bars the page shows). Expressions take numbers, names, `+ - * /`, powers
 * (`^` or `**`, right-associative), unary minus, parentheses, and the functions of FUNCTIONS.
 */

/** The functions an expression may call, each of one argument. */
export const FUNCTIONS = [
  'tanh',
  'sigmoid',
  'relu',
  'exp',
  'log',
  'sin',
  'cos',
  'sqrt',
  'abs',
  'softplus',
] as const;
/** A function's name. */
export type FunctionName = (typeof FUNCTIONS)[number];

/** A parsed expression; `at` is the 1-based column where it starts. */
export type Expr =
  | { readonly kind: 'number'; readonly value: number; readonly at: number }
  | { readonly kind: 'name'; readonly name: string; readonly at: number }
  | { readonly kind: 'neg'; readonly arg: Expr; readonly at: number }
  | {
      readonly kind: 'binary';
      readonly op: '+' | '-' | '*' | '/' | '^';
      readonly left: Expr;
      readonly right: Expr;
      readonly at: number;
    }
  | { readonly kind: 'call'; readonly fn: FunctionName; readonly arg: Expr; readonly at: number };

/** One statement: `name = expr`, or a bare expression (name null). */
export interface Statement {
  readonly name: string | null;
  readonly expr: Expr;
}

/** A parsed program: its statements, and the leaves (names read before any assignment), in order of appearance. */
export interface Program {
  readonly statements: readonly Statement[];
  readonly leaves: readonly string[];
}

/** A mistake in the source: its message and the 1-based line and column it points at. */
export class ParseError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`line ${line}, column ${column}: ${reason}`);
    this.name = 'ParseError';
  }
}

interface Token {
  readonly kind: 'number' | 'name' | 'op' | 'end';
  readonly text: string;
  readonly at: number;
}

const OPERATORS = ['**', '+', '-', '*', '/', '^', '(', ')', '=', ';', ','];

/** Splits one line into tokens; `;` separates statements within a line. */
function tokenize(line: string, lineNo: number): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#') break; // a comment to the end of the line
    const number = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(line.slice(i));
    if (number) {
      tokens.push({ kind: 'number', text: number[0], at: i + 1 });
      i += number[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z_0-9]*/.exec(line.slice(i));
    if (name) {
      tokens.push({ kind: 'name', text: name[0], at: i + 1 });
      i += name[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => line.startsWith(o, i));
    if (op === undefined) throw new ParseError(`unexpected character '${c}'`, lineNo, i + 1);
    tokens.push({ kind: 'op', text: op === '**' ? '^' : op, at: i + 1 });
    i += op.length;
  }
  tokens.push({ kind: 'end', text: '', at: line.length + 1 });
  return tokens;
}

/** How deep parentheses, calls, minuses and powers may nest. */
const MAX_DEPTH = 500;

/** Parses a program; throws a ParseError naming the line and column of the first mistake. */
export function parse(source: string): Program {
  const statements: Statement[] = [];
  const leaves: string[] = [];
  // a Set beside the list: a program of 10⁵ inputs is read in linear time
  const isLeaf = new Set<string>();
  const assigned = new Set<string>();
  source.split('\n').forEach((line, index) => {
    const lineNo = index + 1;
    const tokens = tokenize(line, lineNo);
    let k = 0;
    const peek = () => tokens[k]!;
    const fail = (reason: string, at = peek().at): never => {
      throw new ParseError(reason, lineNo, at);
    };
    const describeToken = (t: Token) => (t.kind === 'end' ? 'the end of the line' : `'${t.text}'`);
    const expect = (text: string, what: string) => {
      if (peek().text !== text || peek().kind !== 'op')
        fail(`expected ${what}, got ${describeToken(peek())}`);
      k++;
    };
    const read = (name: string, at: number) => {
      if (!assigned.has(name) && !isLeaf.has(name)) {
        leaves.push(name);
        isLeaf.add(name);
      }
      return { kind: 'name' as const, name, at };
    };
    // parentheses, calls, minuses and powers nest by recursion: deeper than this is refused, not overflowed
    let depth = 0;
    const nested = <T>(at: number, inner: () => T): T => {
      if (++depth > MAX_DEPTH) fail(`the expression nests deeper than ${MAX_DEPTH} levels`, at);
      try {
        return inner();
      } finally {
        depth--;
      }
    };

    const sum = (): Expr => {
      let left = product();
      while (peek().kind === 'op' && (peek().text === '+' || peek().text === '-')) {
        const op = tokens[k++]!;
        left = { kind: 'binary', op: op.text as '+' | '-', left, right: product(), at: left.at };
      }
      return left;
    };
    const product = (): Expr => {
      let left = unary();
      while (peek().kind === 'op' && (peek().text === '*' || peek().text === '/')) {
        const op = tokens[k++]!;
        left = { kind: 'binary', op: op.text as '*' | '/', left, right: unary(), at: left.at };
      }
      return left;
    };
    const unary = (): Expr => {
      if (peek().kind === 'op' && peek().text === '-') {
        const at = tokens[k++]!.at;
        return { kind: 'neg', arg: nested(at, unary), at };
      }
      return power();
    };
    const power = (): Expr => {
      const base = primary();
      if (peek().kind === 'op' && peek().text === '^') {
        k++;
        return { kind: 'binary', op: '^', left: base, right: nested(base.at, unary), at: base.at };
      }
      return base;
    };
    const primary = (): Expr => {
      const t = peek();
      if (t.kind === 'number') {
        k++;
        const value = Number(t.text);
        // 1e400 is no double: a constant must be one (a NaN or ∞ arises from operations, where the page shows it)
        if (!Number.isFinite(value))
          fail(`${t.text} is beyond the largest number a double holds (about 1.8e308)`, t.at);
        return { kind: 'number', value, at: t.at };
      }
      if (t.kind === 'name') {
        k++;
        if (peek().kind === 'op' && peek().text === '(') {
          if (!(FUNCTIONS as readonly string[]).includes(t.text))
            fail(`unknown function '${t.text}'; the functions are ${FUNCTIONS.join(', ')}`, t.at);
          k++;
          if (peek().kind === 'op' && peek().text === ')') fail(`${t.text}() takes one argument`);
          const arg = nested(t.at, sum);
          if (peek().kind === 'op' && peek().text === ',') fail(`${t.text}() takes one argument`);
          expect(')', `')' to close ${t.text}(`);
          return { kind: 'call', fn: t.text as FunctionName, arg, at: t.at };
        }
        if ((FUNCTIONS as readonly string[]).includes(t.text))
          fail(`'${t.text}' is a function: write ${t.text}(…)`, t.at);
        return read(t.text, t.at);
      }
      if (t.kind === 'op' && t.text === '(') {
        k++;
        const inner = nested(t.at, sum);
        expect(')', "')'");
        return inner;
      }
      return fail(`expected a number, a name, a function or '(', got ${describeToken(t)}`);
    };

    while (peek().kind !== 'end') {
      if (peek().kind === 'op' && peek().text === ';') {
        k++;
        continue;
      }
      let name: string | null = null;
      if (peek().kind === 'name' && tokens[k + 1]?.kind === 'op' && tokens[k + 1]!.text === '=') {
        name = peek().text;
        if ((FUNCTIONS as readonly string[]).includes(name))
          fail(`'${name}' is a function and cannot be assigned`);
        if (isLeaf.has(name))
          fail(`'${name}' is an input, read before this line; give the result another name`);
        if (assigned.has(name)) fail(`'${name}' is assigned twice; each name holds one value`);
        k += 2;
      }
      const expr = sum();
      if (peek().kind !== 'end' && !(peek().kind === 'op' && peek().text === ';'))
        fail(`expected an operator, ';' or the end of the line, got ${describeToken(peek())}`);
      // x = x + 1: x would be an input (read here) and an assigned name at once
      if (name !== null && isLeaf.has(name) && !assigned.has(name))
        fail(
          `'${name}' is an input read on its own line before it is assigned; give the result another name`,
          1,
        );
      if (name !== null) assigned.add(name);
      statements.push({ name, expr });
    }
  });
  if (statements.length === 0) throw new ParseError('nothing to compute: write an expression', 1, 1);
  return { statements, leaves };
}

/** The expression as text again, fully parenthesized where precedence needs it (for round trips). */
export function format(expr: Expr): string {
  switch (expr.kind) {
    case 'number':
      return String(expr.value);
    case 'name':
      return expr.name;
    case 'neg':
      return `-${wrap(expr.arg, 3)}`;
    case 'call':
      return `${expr.fn}(${format(expr.arg)})`;
    case 'binary': {
      const p = PRECEDENCE[expr.op];
      // left-associative + - * /: the right operand of equal precedence needs parentheses; ^ the reverse
      const [lp, rp] = expr.op === '^' ? [p + 1, p] : [p, p + 1];
      return `${wrap(expr.left, lp)} ${expr.op} ${wrap(expr.right, rp)}`;
    }
  }
}

const PRECEDENCE = { '+': 1, '-': 1, '*': 2, '/': 2, '^': 4 } as const;

function precedence(expr: Expr): number {
  if (expr.kind === 'binary') return PRECEDENCE[expr.op];
  return expr.kind === 'neg' ? 3 : 5;
}

function wrap(expr: Expr, min: number): string {
  return precedence(expr) < min ? `(${format(expr)})` : format(expr);
}
