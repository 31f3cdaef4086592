import { matmul } from '../kernels/matmul.js';
import { broadcastShapes, type NDArray } from '../ndarray.js';
import { bind } from '../run.js';
import { formatShape, ShapeError } from '../shape.js';
import { broadcasting } from './batching.js';
import { layoutRules } from './layout.js';
import type { TensorNode, TensorRule } from './rule.js';

/** Which operand is read transposed: A·B, A·Bᵀ or Aᵀ·B (last two axes; batch axes broadcast). */
export type MatmulVariant = 'nn' | 'nt' | 'tn';

/** Which matmul variant, and the output shape (batch axes, m, n). */
export interface MatmulAttrs {
  readonly variant: MatmulVariant;
  readonly shape: readonly number[];
}

// The three variants are each other's adjoints, so backward never materializes a transpose:
//   C = A·B   gives  Ā = C̄·Bᵀ (nt),  B̄ = Aᵀ·C̄ (tn)
//   C = A·Bᵀ  gives  Ā = C̄·B  (nn),  B̄ = C̄ᵀ·A (tn)
//   C = Aᵀ·B  gives  Ā = B·C̄ᵀ (nt),  B̄ = A·C̄  (nn)
// Each adjoint is summed back over the batch axes that were broadcast, and computed only when needed.
/** The matrix product primitive: the kernel forward, the other two variants as its vjp. */
export const matmulRules = {
  matmul: {
    forward: ([a, b], { variant, shape }: MatmulAttrs) => ({
      data: matmul(a!, b!, variant === 'tn', variant === 'nt', shape),
      shape,
    }),
    vjp: (g, _y, [a, b], { variant }: MatmulAttrs) => [
      a!.requiresGrad ? adjointOfA(variant, g, b!).sumTo(a!.shape) : null,
      b!.requiresGrad ? sharedAdjointOfB(variant, g, a!, b!) : null,
    ],
    // d(A·B) = dA·B + A·dB, in the same variant
    jvp: ([da, db], _y, [a, b], { variant }: MatmulAttrs) => {
      const left = da ? product(da, b!, variant) : null;
      const right = db ? product(a!, db, variant) : null;
      return left === null ? right : right === null ? left : left.add(right);
    },
    batch: batchedProduct,
  },
} satisfies Record<string, TensorRule<MatmulAttrs>>;

/**
 * The product on a batch: where a shared matrix meets a batch of matrices, the batch is folded into the
 * other operand's rows (or columns), one large product instead of one per example, each element summed
 * in the same order; otherwise the batch is one more batch axis.
 */
function batchedProduct(
  inputs: readonly NDArray[],
  batched: readonly boolean[],
  attrs: MatmulAttrs,
  size: number,
  run: (inputs: readonly NDArray[], attrs: MatmulAttrs) => NDArray,
): NDArray {
  const [a, b] = inputs as [NDArray, NDArray];
  const { variant, shape } = attrs;
  if (shape.length === 2 && batched[0] !== batched[1]) {
    const [m, n] = shape as [number, number];
    // a [B, m, k] against a shared b: the rows of every example's a, one after the other
    if (batched[0] && variant !== 'tn') {
      const out = run([{ data: a.data, shape: [size * m, a.shape[2]!] }, b], {
        variant,
        shape: [size * m, n],
      });
      return { data: out.data, shape: [size, m, n] };
    }
    // a shared a against b [B, …]: every example's columns side by side, [k, B·n] (or B·n rows for 'nt'),
    // where packing a once per example (m·k each) costs more than moving b and the result (k·n + m·n)
    const k = variant === 'tn' ? (a.shape[0] as number) : (a.shape[1] as number);
    if (batched[1] && m * k > n * (k + m)) {
      const columns =
        variant === 'nt'
          ? { data: b.data, shape: [size * n, b.shape[2]!] }
          : flatten(bind('transpose', layoutRules.transpose, [b], [1, 0, 2]), [b.shape[1]!, size * n]);
      const out = run([a, columns], { variant, shape: [m, size * n] });
      return bind('transpose', layoutRules.transpose, [{ data: out.data, shape: [m, size, n] }], [1, 0, 2]);
    }
  }
  return broadcasting<MatmulAttrs>(
    (at) => at.shape,
    (at, batchShape) => ({ ...at, shape: batchShape }),
  )(inputs, batched, attrs, size, run);
}

function flatten(x: NDArray, shape: readonly number[]): NDArray {
  return { data: x.data, shape };
}

function adjointOfA<T extends TensorNode<T>>(variant: MatmulVariant, g: T, b: T): T {
  if (variant === 'nn') return product(g, b, 'nt');
  if (variant === 'nt') return product(g, b, 'nn');
  return product(b, g, 'nt');
}

/**
 * B̄, summed back to b's shape. A matrix b shared by a batch of a (a Linear on [B, T, in], a head on
 * [B, T, dim]) has for its adjoint the sum over the batch of every example's product: one product of
 * the batch's rows folded together (aᵀ·ḡ over B·m rows), rather than B products and a sum of them.
 */
function sharedAdjointOfB<T extends TensorNode<T>>(variant: MatmulVariant, g: T, a: T, b: T): T {
  if (b.shape.length === 2 && a.shape.length > 2 && variant !== 'tn') {
    const k = a.shape[a.shape.length - 1]!;
    const n = g.shape[g.shape.length - 1]!;
    return adjointOfB(variant, g.reshape([-1, n]), a.reshape([-1, k]));
  }
  return adjointOfB(variant, g, a).sumTo(b.shape);
}

function adjointOfB<T extends TensorNode<T>>(variant: MatmulVariant, g: T, a: T): T {
  if (variant === 'nn') return product(a, g, 'tn');
  if (variant === 'nt') return product(g, a, 'tn');
  return product(a, g, 'nn');
}

/** The recorded product of `a` and `b` in `variant`: its output shape is the kernels' batch axes, m and n. */
export function product<T extends TensorNode<T>>(a: T, b: T, variant: MatmulVariant): T {
  const shape = matmulShape(a.shape, b.shape, variant);
  // a batch of a against one matrix b: the batch's rows folded into one product (a large product fills
  // the kernel's blocks where B small ones do not), each element summed in the same order
  if (b.shape.length === 2 && a.shape.length > 2 && variant !== 'tn') {
    const k = a.shape[a.shape.length - 1]!;
    const rows = a.reshape([-1, k]);
    const flat = rows.applyRule(
      'matmul',
      matmulRules.matmul,
      { variant, shape: matmulShape(rows.shape, b.shape, variant) },
      [b],
    );
    return flat.reshape(shape);
  }
  return a.applyRule('matmul', matmulRules.matmul, { variant, shape }, [b]);
}

/** The output shape of a matmul variant: broadcast batch axes, then [m, n]; throws naming both shapes. */
export function matmulShape(a: readonly number[], b: readonly number[], variant: MatmulVariant): number[] {
  if (a.length < 2 || b.length < 2) {
    throw new ShapeError(
      `matmul: expected tensors of rank ≥ 2, got ${formatShape(a)} @ ${formatShape(b)}; reshape a vector to [1, n] or [n, 1]`,
    );
  }
  const [ar, ac] = a.slice(-2) as [number, number];
  const [br, bc] = b.slice(-2) as [number, number];
  const [m, k] = variant === 'tn' ? [ac, ar] : [ar, ac];
  const [k2, n] = variant === 'nt' ? [bc, br] : [br, bc];
  if (k !== k2) {
    throw new ShapeError(
      `matmul: expected [..., m, k] @ [..., k, n], got ${formatShape(a)} @ ${formatShape(b)} (${k} != ${k2})`,
    );
  }
  const batch = broadcastShapes('matmul (batch axes)', a.slice(0, -2), b.slice(0, -2));
  return [...batch, m, n];
}
