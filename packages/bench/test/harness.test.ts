import { expect, test } from 'vitest';
import { Races } from '../src/harness.js';

// A contestant in a process of its own (PyTorch) reports what its own clock measured: the harness takes
// that number, not the time its step's promise took (which holds the pipe's latency, here 20 ms).
test('a self-timed contestant is timed by the milliseconds it reports', async () => {
  const races = new Races();
  const reported = [3, 1, 2, 5, 4];
  let call = 0;
  const slowPipe = async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    return reported[call++ % reported.length]!;
  };
  await races.race(
    'W0 test',
    [
      { name: 'ours', step: () => 0 },
      { name: 'peer', step: slowPipe, selfTimed: true },
    ],
    5,
  );
  const peer = races.rows.find((r) => r.name === 'peer')!;
  // the warm-up took its own calls; the five timed ones report a cycle of 1..5 in some order
  expect([peer.medianMs, peer.minMs, peer.maxMs]).toEqual([3, 1, 5]);
}, 20_000);
