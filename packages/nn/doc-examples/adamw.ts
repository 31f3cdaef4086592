import { tensor } from '@adjoint/autograd';
import { AdamW } from '@adjoint/nn';

const w = tensor([1, -2], { requiresGrad: true });
const adamw = new AdamW([w], { lr: 0.1, weightDecay: 0.5 });
adamw.zeroGrad();
w.sum().backward(); // the same gradient for both weights
adamw.step(); // decoupled decay: w ← w - lr·(Adam's step + weightDecay·w)
console.log(Array.from(w.data, (v) => v.toFixed(4))); // prints [ '0.8500', '-2.0000' ]
