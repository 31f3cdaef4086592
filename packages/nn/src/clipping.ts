// Gradient clipping as PyTorch's torch.nn.utils does it: by the global norm of every gradient together
// (clip_grad_norm_, its 1e-6 included), or elementwise by value (clip_grad_value_). Both change the
// gradients in place, as a side effect, so that a compiled step clips at every call.
import { type Differentiable, internal, sideEffect, Tensor } from '@adjoint/autograd';

const { describe } = internal;

/** Options of `clipGradNorm`. */
export interface ClipNormOptions {
  /** The norm: 2 (default), 1, any p ≥ 1, or 'inf' (the largest magnitude). */
  readonly normType?: number | 'inf';
}

/** The gradients of the parameters that have one, as arrays to read and write. */
function gradients(
  op: string,
  parameters: readonly Differentiable[],
): { read(): number[][]; write(k: number, scale: (g: number) => number): void; tensors: Tensor[] } {
  if (!Array.isArray(parameters))
    throw new TypeError(
      `${op}: expected an array of parameters (Values or Tensors), got ${describe(parameters)}`,
    );
  const tensors = parameters.flatMap((p) => (p instanceof Tensor && p.grad !== null ? [p.grad] : []));
  const present = parameters.filter((p) => (p instanceof Tensor ? p.grad !== null : p.adjoint !== null));
  return {
    tensors,
    read: () => present.map((p) => (p instanceof Tensor ? Array.from(p.grad!.data) : [p.grad])),
    write(k, scale) {
      const p = present[k]!;
      if (p instanceof Tensor) {
        const g = p.grad!.data;
        for (let i = 0; i < g.length; i++) g[i] = scale(g[i]!);
      } else p.grad = scale(p.grad);
    },
  };
}

/**
 * PyTorch's `clip_grad_norm_`: the norm of all gradients together (the norm of the per-parameter norms),
 * and, when it is above `maxNorm`, every gradient times maxNorm / (norm + 1e-6). Returns the norm before
 * clipping. Parameters without a gradient are skipped.
 */
export function clipGradNorm(
  parameters: readonly Differentiable[],
  maxNorm: number,
  options: ClipNormOptions = {},
): number {
  internal.checkOptions('clipGradNorm', options, ['normType']);
  if (typeof maxNorm !== 'number' || !(maxNorm > 0) || !Number.isFinite(maxNorm))
    throw new RangeError(`clipGradNorm: expected maxNorm to be a positive number, got ${describe(maxNorm)}`);
  const { normType = 2 } = options;
  if (normType !== 'inf' && (typeof normType !== 'number' || !(normType >= 1) || !Number.isFinite(normType)))
    throw new RangeError(
      `clipGradNorm: expected normType to be a number ≥ 1 or 'inf', got ${describe(normType)}`,
    );
  const grads = gradients('clipGradNorm', parameters);
  let total = 0;
  sideEffect(() => {
    const norms = grads.read().map((g) => norm(g, normType));
    total = norms.length === 0 ? 0 : norm(norms, normType);
    const coefficient = Math.min(maxNorm / (total + 1e-6), 1);
    for (let k = 0; k < norms.length; k++) grads.write(k, (g) => g * coefficient);
  }, grads.tensors);
  return total;
}

/** PyTorch's `clip_grad_value_`: every gradient element clamped to [-clipValue, clipValue], in place. */
export function clipGradValue(parameters: readonly Differentiable[], clipValue: number): void {
  if (typeof clipValue !== 'number' || !(clipValue > 0) || !Number.isFinite(clipValue))
    throw new RangeError(
      `clipGradValue: expected clipValue to be a positive number, got ${describe(clipValue)}`,
    );
  const grads = gradients('clipGradValue', parameters);
  sideEffect(() => {
    const count = grads.read().length;
    for (let k = 0; k < count; k++) grads.write(k, (g) => Math.min(Math.max(g, -clipValue), clipValue));
  }, grads.tensors);
}

/** The p-norm of `values` (the largest magnitude for 'inf'). */
function norm(values: readonly number[], p: number | 'inf'): number {
  if (p === 'inf') return values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  if (p === 2) return Math.sqrt(values.reduce((s, v) => s + v * v, 0));
  if (p === 1) return values.reduce((s, v) => s + Math.abs(v), 0);
  return values.reduce((s, v) => s + Math.abs(v) ** p, 0) ** (1 / p);
}
