import { fc, it } from '@fast-check/vitest';
import { describe } from 'vitest';
import { expectClose } from './close';
import { forwardHessianCheck, tangentCheck } from './directional';
import { specs } from './op-cases';

// Forward mode over every row of op-cases.ts: each op's tangent against central differences and, by
// the transposition identity ⟨w, J v⟩ = ⟨Jᵀw, v⟩, against its own vjp; and forward over reverse (jvp
// of grad) against differences of the gradient.
describe.each(Object.entries(specs))('%s', (_name, cases) => {
  it.prop([cases, fc.integer()])(
    'its jvp agrees with central differences and, transposed, with its vjp',
    (c, seed) => {
      const { forward, numeric, reverse } = tangentCheck({ ...c, seed });
      expectClose(forward, numeric, 1e-6, 1e-7);
      expectClose(forward, reverse, 1e-12, 1e-13);
    },
  );

  it.prop([cases, fc.integer()], { numRuns: 30 })(
    'its Hessian-vector product by jvp of grad agrees with differences of the gradient',
    (c, seed) => {
      const { analytic, numeric } = forwardHessianCheck({ ...c, seed });
      expectClose(analytic, numeric, 1e-5, 1e-6);
    },
  );
});
