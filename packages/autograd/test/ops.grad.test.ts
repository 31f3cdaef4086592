import { fc, it } from '@fast-check/vitest';
import { describe } from 'vitest';
import { expectClose } from './close';
import { directionalCheck, hessianCheck } from './directional';
import { specs } from './op-cases';

// Each row of op-cases.ts, checked in reverse mode: against central differences along a random
// direction, and its Hessian-vector product against differences of the gradient.
describe.each(Object.entries(specs))('%s', (_name, cases) => {
  it.prop([cases, fc.integer()])(
    'its vjp agrees with central differences along a random direction',
    (c, seed) => {
      const { analytic, numeric } = directionalCheck({ ...c, seed });
      expectClose(analytic, numeric, 1e-6, 1e-7);
    },
  );

  it.prop([cases, fc.integer()], { numRuns: 30 })(
    'its Hessian-vector product by grad of grad agrees with differences of the gradient',
    (c, seed) => {
      const { analytic, numeric } = hessianCheck({ ...c, seed });
      expectClose(analytic, numeric, 1e-5, 1e-6);
    },
  );
});
