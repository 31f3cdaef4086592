// Fusion: consecutive elementwise steps of a trace over one shape become one generated loop, that keeps
// its intermediates in local variables instead of arrays. Each intermediate is rounded as the array it
// replaces would have rounded it (Math.fround for float32), and every op computes its own forward (the
// expression its rules/ entry declares as `source`, or a call of the function), so a fused loop computes
// the bits that the steps did. What an op may contribute is declared on its entry: `loop` in rules/.
import { generate } from '../codegen.js';
import { dtypeOf, type NDArray, type Storage, sizeOf } from '../ndarray.js';
import type { LoopStep } from '../rules/rule.js';
import type { Device } from '../run.js';
import { sameShape } from '../shape.js';

/** A step as fusion sees it: the slots it reads (with the shape it read them in), and the slot it writes. */
export interface FusionStep {
  readonly inputs: readonly { readonly slot: number; readonly shape: readonly number[] }[];
  readonly output: number;
  readonly scalar?: LoopStep | undefined;
}

/** A fused loop: reads `inputs`' arrays, writes one array per exported slot. */
export interface Fused {
  /** The steps it replaces, in order. */
  readonly steps: readonly number[];
  readonly inputs: readonly { readonly slot: number; readonly shape: readonly number[] }[];
  /** The slots written by the loop, read after it or kept by the program; the others live in locals. */
  readonly outputs: readonly number[];
  readonly loop: (inputs: readonly NDArray[], outputs: readonly Storage[]) => void;
}

/**
 * Groups of at least two consecutive elementwise steps with the same output shape, each compiled to one
 * loop. `exported(slot, last)` says whether a slot is read after step `last` or kept; `storage(slot)`
 * gives the array the trace made for it (its dtype is the rounding). Null where `new Function` is not
 * allowed (a page's CSP): then nothing is fused.
 */
export function fuse(
  steps: readonly (FusionStep | null)[],
  exported: (slot: number, last: number) => boolean,
  storage: (slot: number) => Storage,
): Fused[] | null {
  const groups = runsOf(steps, {
    joins: (step, scalar) => step.inputs.every((x) => indexOf(x.shape, scalar.shape) !== null),
    sums: true,
    // a run of one is a loop too where it broadcasts (a bias over rows): the loop reads the operand by
    // index arithmetic, where the kernel walks it one short row at a time
    single: broadcasts,
  });
  const fused: Fused[] = [];
  for (const group of groups) {
    const f = compileGroup(group, steps as readonly FusionStep[], exported, storage);
    if (f === null) return null; // a CSP that forbids generated code: run the steps as they are
    fused.push(f);
  }
  return fused;
}

/**
 * The runs of consecutive elementwise steps of one output shape that may make one loop: `joins` says
 * whether a step may join one; with `sums`, a sum over the run's shape ends it; a run of one step is
 * kept where `single` says so.
 */
function runsOf(
  steps: readonly (FusionStep | null)[],
  rules: {
    readonly joins: (step: FusionStep, scalar: LoopStep) => boolean;
    readonly sums: boolean;
    readonly single: (step: FusionStep) => boolean;
  },
): number[][] {
  const groups: number[][] = [];
  let current: number[] = [];
  const close = () => {
    if (current.length >= 2 || (current.length === 1 && rules.single(steps[current[0]!]!)))
      groups.push(current);
    current = [];
  };
  steps.forEach((step, t) => {
    const scalar = step?.scalar;
    if (scalar === undefined || ('sum' in scalar && !rules.sums) || !rules.joins(step!, scalar)) {
      close();
      return;
    }
    const first = current.length > 0 ? steps[current[0]!]!.scalar!.shape : null;
    if (first !== null && !sameShape(first, scalar.shape)) close();
    if ('sum' in scalar) {
      // a sum ends a run over its input's shape: it joins the run if it can be summed in the loop
      if (current.length > 0 && indexOf(scalar.sum, scalar.shape) !== null) current.push(t);
      close();
      return;
    }
    current.push(t);
  });
  close();
  return groups;
}

/**
 * Runs of at least two consecutive elementwise steps on `device`, each made one kernel of the device's
 * (Device.fuse): the steps' values that nothing reads after the run are never written out. Steps
 * without an expression the device can compile (a `source` or `wgsl`) are left to run alone.
 */
export function fuseOnDevice(
  steps: readonly (FusionStep | null)[],
  exported: (slot: number, last: number) => boolean,
  device: Device,
): Fused[] {
  if (device.fuse === undefined) return [];
  const groups = runsOf(steps, {
    joins: (step, scalar) =>
      'fn' in scalar &&
      (scalar.source !== undefined || scalar.wgsl !== undefined) &&
      step.inputs.every((x) => x.shape.length <= scalar.shape.length),
    sums: false,
    single: () => false,
  });
  const fused: Fused[] = [];
  for (const group of groups) {
    const inputs: { slot: number; shape: readonly number[] }[] = [];
    const position = new Map<number, number>(); // slot → the step of the group that computes it
    const outputs: number[] = [];
    const kernelSteps = group.map((t, j) => {
      const step = steps[t]!;
      const scalar = step.scalar as Extract<LoopStep, { fn: unknown }>;
      const operands = step.inputs.map(({ slot, shape }) => {
        const at = position.get(slot);
        if (at !== undefined) return { step: at };
        let k = inputs.findIndex((x) => x.slot === slot && sameShape(x.shape, shape));
        if (k < 0) k = inputs.push({ slot, shape }) - 1;
        return { input: k };
      });
      position.set(step.output, j);
      if (exported(step.output, group.at(-1)!)) outputs.push(j);
      return { operands, source: scalar.source, wgsl: scalar.wgsl };
    });
    const shape = steps[group[0]!]!.scalar!.shape;
    const run = device.fuse({ shape, inputs: inputs.map((x) => x.shape), steps: kernelSteps, outputs });
    if (run === null) continue;
    fused.push({
      steps: group,
      inputs,
      outputs: outputs.map((j) => steps[group[j]!]!.output),
      loop: (arrays, out) =>
        run(
          arrays.map((x) => x.data),
          out,
        ),
    });
  }
  return fused;
}

/** Whether an elementwise step reads an input of a shape other than its output's. */
function broadcasts(step: FusionStep): boolean {
  const shape = step.scalar!.shape;
  return !('sum' in step.scalar!) && step.inputs.some((x) => !sameShape(x.shape, shape));
}

function compileGroup(
  group: readonly number[],
  steps: readonly FusionStep[],
  exported: (slot: number, last: number) => boolean,
  storage: (slot: number) => Storage,
): Fused | null {
  const shape = steps[group[0]!]!.scalar!.shape;
  const n = sizeOf(shape);
  const last = group.at(-1)!;
  const local = new Map<number, string>(); // slot → the local that holds it
  const inputs: { slot: number; shape: readonly number[] }[] = [];
  const outputs: number[] = [];
  const fns: ((...x: number[]) => number)[] = [];
  const body: string[] = [];
  const after: string[] = [];
  let sums: Float64Array | null = null;
  const scalars = new Set<number>();
  // a loop whose broadcast operands each hold one value over runs of `block` positions walks those runs
  // as blocks, each operand's value read once per block (a bias over [N, C, H, W]: no division per element)
  const block = blockOf(
    group.flatMap((t) => steps[t]!.inputs.map((x) => x.shape)),
    steps[last]!,
    shape,
  );
  const perBlock: string[] = [];
  const read = (slot: number, at: readonly number[]): string => {
    const held = local.get(slot);
    if (held !== undefined) return held;
    let k = inputs.findIndex((x) => x.slot === slot && sameShape(x.shape, at));
    const fresh = k < 0;
    if (fresh) k = inputs.push({ slot, shape: at }) - 1;
    const index = indexOf(at, shape)!;
    // one value for every position (a scalar, as the 0.5 of x·0.5) is read once, before the loop: V8
    // reads it again at each position, as a store to an output might have changed it
    if (index === '0') {
      scalars.add(k);
      return `s${k}`;
    }
    if (block === 0 || index === 'i') return `x${k}[${index}]`;
    if (fresh) perBlock.push(`const b${k} = x${k}[${index.replace(/\bi\b/g, 'start')}];`);
    return `b${k}`;
  };
  for (const t of group) {
    const step = steps[t]!;
    const args = step.inputs.map((x) => read(x.slot, x.shape));
    const scalar = step.scalar!;
    if ('sum' in scalar) {
      // summed in float64 in index order, rounded once at the end: as the reduce kernel does
      sums = new Float64Array(sizeOf(scalar.sum));
      const o = outputs.push(step.output) - 1;
      const at = indexOf(scalar.sum, shape)!;
      if (block === 0) body.push(`sums[${at}] += ${args[0]};`);
      else {
        // the block's sum in a local, added in the same order: the same float64 bits
        perBlock.push(`const j = ${at.replace(/\bi\b/g, 'start')};`, 'let sum = sums[j];');
        body.push(`sum += ${args[0]};`);
      }
      after.push(`for (let j = 0; j < ${sums.length}; j++) o${o}[j] = sums[j];`);
      continue;
    }
    const value =
      scalar.source !== undefined
        ? scalar.source.replace(/\$(\d+)/g, (_, k: string) => args[Number(k)]!)
        : `f${fns.push(scalar.fn) - 1}(${args.join(', ')})`;
    const name = `t${t}`;
    body.push(`const ${name} = ${dtypeOf(storage(step.output)) === 'float32' ? `fround(${value})` : value};`);
    local.set(step.output, name);
    if (exported(step.output, last)) body.push(`o${outputs.push(step.output) - 1}[i] = ${name};`);
  }
  const source = [
    ...fns.map((_, k) => `const f${k} = fns[${k}];`),
    'return function fused(inputs, outputs) {',
    ...inputs.map((_, k) => `  const x${k} = inputs[${k}].data;`),
    ...[...scalars].map((k) => `  const s${k} = x${k}[0];`),
    ...outputs.map((_, k) => `  const o${k} = outputs[${k}];`),
    ...(sums === null ? [] : ['  sums.fill(0);']),
    '  let i = 0;',
    ...(block === 0
      ? positions(body, n)
      : [
          `  for (let start = 0; start < ${n}; start += ${block}) {`,
          `    const end = start + ${block};`,
          ...perBlock.map((line) => `    ${line}`),
          ...positions(body, 'end').map((line) => `  ${line}`),
          ...(sums === null ? [] : ['    sums[j] = sum;']),
          '  }',
        ]),
    ...after.map((line) => `  ${line}`),
    '};',
  ].join('\n');
  const loop = generate<Fused['loop']>(['fns', 'fround', 'sums'], source, [fns, Math.fround, sums]);
  return loop === null ? null : { steps: group, inputs, outputs, loop };
}

/** How many positions a fused loop computes per iteration. */
const UNROLL = 4;

/** The shortest run of positions worth a block of its own: below it, the loop reads operands by index. */
const MIN_BLOCK = 16;

/**
 * The positions i up to `end` (exclusive), on from the loop's `i`: four an iteration (V8 does not unroll
 * loops; this one runs about 1.6 times faster), each in index order, so sums add in the order the reduce
 * kernel adds them; then the rest one by one.
 */
function positions(body: readonly string[], end: number | string): string[] {
  return [
    `  for (; i + ${UNROLL} <= ${end}; i += ${UNROLL}) {`,
    ...Array.from({ length: UNROLL - 1 }, (_, l) => `    const i${l + 1} = i + ${l + 1};`),
    ...Array.from({ length: UNROLL }, (_, l) => lane(body, l).map((line) => `    ${line}`)).flat(),
    '  }',
    `  for (; i < ${end}; i++) {`,
    ...body.map((line) => `    ${line}`),
    '  }',
  ];
}

/**
 * The length of the runs of positions over which every operand of shape other than `shape` (and the
 * sum a last step takes, if any) holds one element: the greatest common divisor of their `inner`s, or 0
 * where some operand changes at every position (a bias read as i mod C) or the runs are short.
 */
function blockOf(
  operands: readonly (readonly number[])[],
  last: FusionStep,
  shape: readonly number[],
): number {
  const sum = last.scalar !== undefined && 'sum' in last.scalar ? [last.scalar.sum] : [];
  let block = 0;
  for (const operand of [...operands, ...sum]) {
    const band = bandOf(operand, shape);
    if (band === null || band.size === 1) continue; // a scalar is read once, before the loop
    if (band.inner === 1) {
      if (band.size === sizeOf(shape)) continue; // read at i
      return 0; // read at i mod size
    }
    block = gcd(block, band.inner);
  }
  return block >= MIN_BLOCK ? block : 0;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** The loop body for position i + `l`: its index is i`l`, its locals get the suffix _`l`. */
function lane(body: readonly string[], l: number): string[] {
  if (l === 0) return [...body];
  return body.map((line) => line.replace(/\bi\b/g, `i${l}`).replace(/\bt(\d+)\b/g, `t$1_${l}`));
}

/**
 * How a loop over `shape` (flat index i) reads an operand broadcast to it: the operand's axes that are
 * not 1 must be one contiguous band of `shape`'s, so its element is ⌊i / inner⌋ mod size. Null otherwise.
 */
function indexOf(operand: readonly number[], shape: readonly number[]): string | null {
  const band = bandOf(operand, shape);
  if (band === null) return null;
  const { size, inner } = band;
  const n = sizeOf(shape);
  if (size === 1) return '0';
  const outer = inner === 1 ? 'i' : n < 2 ** 31 ? `((i / ${inner}) | 0)` : `Math.floor(i / ${inner})`;
  return size * inner === n ? outer : `${outer} % ${size}`;
}

/**
 * The band of `shape`'s axes that an operand broadcast to it spans: its `size` (1 for a scalar) and
 * `inner`, the size of the axes after it. Null where the operand's axes that are not 1 are not one
 * contiguous band of `shape`'s.
 */
function bandOf(
  operand: readonly number[],
  shape: readonly number[],
): { size: number; inner: number } | null {
  if (operand.length > shape.length) return null;
  const padded = [...new Array<number>(shape.length - operand.length).fill(1), ...operand];
  let first = -1;
  let end = -1;
  let gap = false;
  for (let k = 0; k < shape.length; k++) {
    if (shape[k] === 1) {
      if (padded[k] !== 1) return null;
    } else if (padded[k] === shape[k]) {
      if (gap) return null; // a broadcast axis inside the band
      if (first < 0) first = k;
      end = k + 1;
    } else if (padded[k] === 1) gap = first >= 0;
    else return null;
  }
  if (first < 0) return { size: 1, inner: sizeOf(shape) };
  return { size: sizeOf(padded.slice(first, end)), inner: sizeOf(shape.slice(end)) };
}
