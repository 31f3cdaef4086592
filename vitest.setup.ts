import fc from 'fast-check';

// Every property runs from a fixed seed, so a red test is red on every machine.
// `pnpm fuzz` sets ADJOINT_FUZZ to multiply the number of runs (and draws a fresh seed).
const fuzz = Number(process.env.ADJOINT_FUZZ ?? 0);
fc.configureGlobal(fuzz > 0 ? { numRuns: 100 * fuzz } : { seed: 20261122, numRuns: 100 });
