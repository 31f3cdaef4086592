import fc from 'fast-check';

// Every property runs from a fixed seed, so a red test is red on every machine.
// `pnpm fuzz` sets ADJOINT_FUZZ to multiply the number of runs (100 → 100×) and draws a fresh seed;
// ADJOINT_SEED replays one (fast-check prints the seed of every failure).
// (in the browser projects there is no process: they run the fixed seed)
const env: Record<string, string | undefined> = typeof process === 'undefined' ? {} : process.env;
const fuzz = Number(env.ADJOINT_FUZZ ?? 0);
const seed = env.ADJOINT_SEED === undefined ? undefined : Number(env.ADJOINT_SEED);
fc.configureGlobal({
  numRuns: fuzz > 0 ? 100 * fuzz : 100,
  ...(seed !== undefined ? { seed } : fuzz > 0 ? {} : { seed: 20261122 }),
});
