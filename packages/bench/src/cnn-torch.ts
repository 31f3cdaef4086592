// PyTorch's W6 row, beside the other libraries' steps of cnn.ts: Node.js only (it runs python3).
import type { DType } from '@adjoint/autograd';
import { sequential } from '@adjoint/nn';
import { CNN_SPEC, cnnBatch, LR } from './cnn.js';
import { torchContestant } from './workloads.js';

/**
 * PyTorch's W6 contestant, torch-cnn.py (the same batch and adjoint's initial parameters on its stdin), or
 * a sentence saying why there is none (no python3 that can import torch).
 */
export function torchCnnContestant(dtype: DType, threads: number) {
  const { images, labels } = cnnBatch();
  const params = sequential(CNN_SPEC, { dtype })
    .parameters()
    .map((p) => ({ shape: [...p.shape], data: Array.from(p.data) }));
  return torchContestant('torch-cnn.py', dtype, threads, {
    images: Array.from(images),
    labels,
    params,
    lr: LR,
  });
}
