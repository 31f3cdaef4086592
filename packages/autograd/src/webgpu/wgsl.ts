// webgpu/: the WebGPU backend, a Device of the seam (run.ts) that runs the engine's primitives as WGSL
// kernels on float32 buffers. It imports the engine's primitives (ops/, rules/), ndarray.ts, run.ts and
// shape.ts; nothing in the engine imports it: a page that never calls webgpu() never loads it.
//
// This file: the elementwise ops' expressions in WGSL, translated from the JavaScript `source` that the
// CPU's fused loops inline (so an op added with a source has its GPU kernel too), and the functions
// those expressions call that WGSL lacks or defines differently from JavaScript's Math.
import type { ScalarForward } from '../rules/rule.js';

/** The WGSL functions the translated expressions may call, defined once per shader. */
export const PRELUDE = `
// NaN and ±∞ from their bits at run time (a constant expression may not hold them)
fn nan_f32() -> f32 { var bits = 0x7fc00000u; return bitcast<f32>(bits); }
fn inf_f32(sign: f32) -> f32 { var bits = 0x7f800000u; return sign * bitcast<f32>(bits); }
// JavaScript's Math.pow: WGSL's pow is undefined below 0, where an integer power is not
fn js_pow(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (a != a || b != b) { return nan_f32(); }
  // 0 to a power: 0, or ∞ for a negative one (exp2 of ∞ saturates on some GPUs), −0 keeping its sign for odd ones
  if (a == 0.0) {
    let odd = fract(b) == 0.0 && fract(b * 0.5) != 0.0;
    let s = select(1.0, -1.0, odd && bitcast<u32>(a) == 0x80000000u);
    if (b > 0.0) { return s * 0.0; }
    return inf_f32(s);
  }
  let m = pow(abs(a), b);
  if (a >= 0.0) { return m; }
  if (fract(b) != 0.0) { return nan_f32(); }
  return select(m, -m, fract(b * 0.5) != 0.0);
}
// Math.max and Math.min return NaN when either operand is NaN; WGSL's max and min may not
fn js_max(a: f32, b: f32) -> f32 { if (a != a || b != b) { return nan_f32(); } return max(a, b); }
fn js_min(a: f32, b: f32) -> f32 { if (a != a || b != b) { return nan_f32(); } return min(a, b); }
// log(1 + x) without the rounding of 1 + x (Goldberg's form): exact for tiny x, where log(1 + x) is 0
fn log1p(x: f32) -> f32 {
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  return log(u) * x / (u - 1.0);
}
// sin and cos to about an ulp of float32 for |x| < 8192 (Cephes' sinf and cosf: x reduced by π/2 in
// three parts, then minimax polynomials on [−π/4, π/4]); WGSL's own promise only 2⁻¹¹, absolutely
fn sincos_reduced(x: f32) -> vec3f {
  let k = round(x * 0.63661977236758134);
  let r = ((x - k * 1.5703125) - k * 4.837512969970703125e-4) - k * 7.54978995489188216e-8;
  let z = r * r;
  let s = r + r * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
  let c = 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
  return vec3f(s, c, k - 4.0 * floor(k * 0.25));
}
fn js_sin(x: f32) -> f32 {
  let v = sincos_reduced(x);
  if (v.z == 0.0) { return v.x; }
  if (v.z == 1.0) { return v.y; }
  if (v.z == 2.0) { return -v.x; }
  return -v.y;
}
fn js_cos(x: f32) -> f32 {
  let v = sincos_reduced(x);
  if (v.z == 0.0) { return v.y; }
  if (v.z == 1.0) { return -v.x; }
  if (v.z == 2.0) { return -v.y; }
  return v.x;
}
// erf to ~1.2e-7 (Numerical Recipes' erfc by a Chebyshev fit), within float32's rounding of the CPU's
fn erf(x: f32) -> f32 {
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.5 * z);
  let r = t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
    t * (-0.82215223 + t * 0.17087277)))))))));
  return select(r - 1.0, 1.0 - r, x >= 0.0);
}
`;

/** Math's functions as the PRELUDE or WGSL names them. */
const FUNCTIONS: Record<string, string> = {
  exp: 'exp',
  log: 'log',
  log1p: 'log1p',
  tanh: 'tanh',
  sin: 'js_sin',
  cos: 'js_cos',
  sqrt: 'sqrt',
  abs: 'abs',
  max: 'js_max',
  min: 'js_min',
  pow: 'js_pow',
};

/**
 * The op's expression in WGSL over `$0`, `$1`… (f32 operands, an f32 result): its `wgsl` where it has
 * one, else its JavaScript `source` translated. An op with neither has no GPU kernel (an Error names it).
 */
export function wgslOf(name: string, rule: ScalarForward): string {
  if (rule.wgsl !== undefined) return rule.wgsl;
  if (rule.source === undefined)
    throw new Error(`${name}: this op has no WGSL expression (neither \`wgsl\` nor \`source\` in its rule)`);
  return translate(rule.source);
}

type Token = { readonly kind: 'number' | 'operand' | 'name' | 'punct'; readonly text: string };

/** A typed WGSL expression: f32, or bool (a comparison, which JavaScript turns into 0/1 where used as one). */
interface Typed {
  readonly code: string;
  readonly type: 'f32' | 'bool';
}

/**
 * Translates the JavaScript subset that rules' sources are written in: numbers, `$k`, unary - + !,
 * * / + -, the comparisons (=== and !== among them), Math's functions, and codegen's branch-free
 * `pick` form `(pick[0] = b, pick[1] = a, pick[+(c)])`, which becomes WGSL's select(b, a, c).
 */
export function translate(source: string): string {
  const tokens = tokenize(source);
  let at = 0;
  const picks: Typed[] = [];
  const peek = () => tokens[at]?.text;
  const expect = (text: string) => {
    if (tokens[at]?.text !== text)
      throw new Error(`translate: expected '${text}' at token ${at} of ${source}`);
    at++;
  };
  const asF32 = (x: Typed): string => (x.type === 'f32' ? x.code : `select(0.0, 1.0, ${x.code})`);
  const asBool = (x: Typed): string => (x.type === 'bool' ? x.code : `(${x.code} != 0.0)`);

  const BINARY: Record<string, [number, string]> = {
    '===': [1, '=='],
    '!==': [1, '!='],
    '<': [2, '<'],
    '<=': [2, '<='],
    '>': [2, '>'],
    '>=': [2, '>='],
    '+': [3, '+'],
    '-': [3, '-'],
    '*': [4, '*'],
    '/': [4, '/'],
  };

  function expression(minimum: number): Typed {
    let left = unary();
    for (;;) {
      const op = peek();
      const entry = op === undefined ? undefined : BINARY[op];
      if (entry === undefined || entry[0] < minimum) return left;
      at++;
      const right = expression(entry[0] + 1);
      left =
        entry[0] <= 2
          ? { code: `(${asF32(left)} ${entry[1]} ${asF32(right)})`, type: 'bool' }
          : { code: `(${asF32(left)} ${entry[1]} ${asF32(right)})`, type: 'f32' };
    }
  }

  function unary(): Typed {
    const op = peek();
    if (op === '-' || op === '+' || op === '!') {
      at++;
      const x = unary();
      if (op === '-') return { code: `(-${asF32(x)})`, type: 'f32' };
      if (op === '+') return { code: asF32(x), type: 'f32' };
      return { code: `(!${asBool(x)})`, type: 'bool' };
    }
    return primary();
  }

  function primary(): Typed {
    const token = tokens[at++];
    if (token === undefined) throw new Error(`translate: unexpected end of ${source}`);
    if (token.kind === 'number') return { code: literal(Number(token.text)), type: 'f32' };
    if (token.kind === 'operand') return { code: token.text, type: 'f32' };
    if (token.kind === 'name' && token.text.startsWith('Math.')) {
      const fn = FUNCTIONS[token.text.slice(5)];
      if (fn === undefined)
        throw new Error(`translate: ${token.text} has no WGSL counterpart (in ${source})`);
      expect('(');
      const args: string[] = [];
      while (peek() !== ')') {
        args.push(asF32(expression(0)));
        if (peek() === ',') at++;
      }
      expect(')');
      return { code: `${fn}(${args.join(', ')})`, type: 'f32' };
    }
    if (token.kind === 'name' && token.text === 'pick') {
      expect('[');
      const index = expression(0);
      expect(']');
      if (peek() === '=') {
        at++;
        const value = expression(0);
        picks[Number(index.code.replace(/f$/, ''))] = value;
        return value;
      }
      // pick[+(c)] reads a (pick[1]) where c holds, else b (pick[0])
      const [b, a] = picks as [Typed, Typed];
      const condition = index.code.startsWith('select(0.0, 1.0, ') ? index.code.slice(17, -1) : asBool(index);
      return { code: `select(${asF32(b)}, ${asF32(a)}, ${condition})`, type: 'f32' };
    }
    if (token.text === '(') {
      let value = expression(0);
      while (peek() === ',') {
        at++;
        value = expression(0); // the comma operator: the last value (pick's assignments come first)
      }
      expect(')');
      return value;
    }
    throw new Error(`translate: unexpected '${token.text}' in ${source}`);
  }

  const result = expression(0);
  if (at !== tokens.length) throw new Error(`translate: unexpected '${tokens[at]!.text}' in ${source}`);
  return asF32(result);
}

/** A number as a WGSL f32 literal (±Infinity and NaN through the PRELUDE's functions). */
export function literal(v: number): string {
  if (Number.isNaN(v)) return 'nan_f32()';
  if (!Number.isFinite(v)) return `inf_f32(${v > 0 ? 1 : -1}.0)`;
  const f = Math.fround(v);
  if (!Number.isFinite(f)) return `inf_f32(${f > 0 ? 1 : -1}.0)`;
  const text = String(f);
  return /[.e]/.test(text) ? `${text}f` : `${text}.0f`;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const pattern =
    /\s*(?:(\d+(?:\.\d*)?(?:e[+-]?\d+)?)|(\$\d+)|([A-Za-z_][\w.]*)|(===|!==|<=|>=|[-+*/!<>()[\],=]))/y;
  let at = 0;
  while (at < source.length) {
    if (/^\s*$/.test(source.slice(at))) break;
    pattern.lastIndex = at;
    const m = pattern.exec(source);
    if (m === null) throw new Error(`translate: cannot read ${source.slice(at)} (in ${source})`);
    at = pattern.lastIndex;
    if (m[1] !== undefined) tokens.push({ kind: 'number', text: m[1] });
    else if (m[2] !== undefined) tokens.push({ kind: 'operand', text: m[2] });
    else if (m[3] !== undefined) tokens.push({ kind: 'name', text: m[3] });
    else tokens.push({ kind: 'punct', text: m[4]! });
  }
  return tokens;
}
