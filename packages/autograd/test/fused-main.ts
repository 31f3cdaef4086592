// Run by precision.test.ts in a Node.js process with relaxed SIMD on: the checks, in that process.
import { checkHighPrecision } from './fused';

console.log(checkHighPrecision());
