import { tensor } from '@adjoint/autograd';

// one 1×3×3 image and one 2×2 filter that sums its window
const image = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], { shape: [1, 1, 3, 3] });
const filter = tensor([1, 1, 1, 1], { shape: [1, 1, 2, 2], requiresGrad: true });
const out = image.conv2d(filter); // [1, 1, 2, 2]
out.sum().backward();
console.log(out.data, filter.grad?.data); // prints Float64Array(4) [ 12, 16, 24, 28 ] Float64Array(4) [ 12, 16, 24, 28 ]
