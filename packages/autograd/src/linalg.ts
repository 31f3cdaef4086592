import { matmul } from './kernels';
import type { Tensor } from './tensor';
import type { TensorOp } from './tensor-op';

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
export const matmulOp: TensorOp<MatmulAttrs> = {
  forward: ([a, b], { variant, shape }) => ({
    data: matmul(a!, b!, variant === 'tn', variant === 'nt', shape),
    shape,
  }),
  vjp: (g, _y, [a, b], { variant }) => [
    a!.requiresGrad ? adjointOfA(variant, g, b!).sumTo(a!.shape) : null,
    b!.requiresGrad ? adjointOfB(variant, g, a!).sumTo(b!.shape) : null,
  ],
};

function adjointOfA(variant: MatmulVariant, g: Tensor, b: Tensor): Tensor {
  if (variant === 'nn') return g.matmulVariant(b, 'nt');
  if (variant === 'nt') return g.matmulVariant(b, 'nn');
  return b.matmulVariant(g, 'nt');
}

function adjointOfB(variant: MatmulVariant, g: Tensor, a: Tensor): Tensor {
  if (variant === 'nn') return a.matmulVariant(g, 'tn');
  if (variant === 'nt') return g.matmulVariant(a, 'tn');
  return a.matmulVariant(g, 'nn');
}
