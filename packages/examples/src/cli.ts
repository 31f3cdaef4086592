/**
 * `example <name> [--epochs N] [--seed S] [--out DIR] [--engine scalar|tensor]`: runs one example,
 * prints its report and writes its pictures.
 */
import { parseArgs } from 'node:util';
import { defaultOutDir, writeFigures } from './output';
import { EXAMPLES } from './registry';

const USAGE = `usage: example <name> [--epochs N] [--seed S] [--out DIR] [--engine scalar|tensor]

examples:
${EXAMPLES.map((e) => `  ${e.name.padEnd(20)} ${e.title} (${e.note})`).join('\n')}

options:
  --epochs N      training epochs (or steps); each example has its own default
  --seed S        the seed of the data split and the initial weights (default 0)
  --out DIR       where to write the pictures (default ./out)
  --engine E      scalar or tensor, for the examples that run on either (xor, moons)
  --help          this text`;

function fail(message: string): never {
  console.error(`example: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function integer(flag: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min)
    fail(`--${flag} expects an integer ≥ ${min}, got "${text}"`);
  return value;
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  const OPTIONS = {
    epochs: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    engine: { type: 'string' },
    help: { type: 'boolean' },
  } as const;
  try {
    parsed = parseArgs({ options: OPTIONS, allowPositionals: true, args: process.argv.slice(2) });
  } catch (error) {
    fail((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (positionals.length !== 1)
    fail(
      positionals.length === 0 ? 'name an example' : `expected one example, got ${positionals.join(', ')}`,
    );
  const example = EXAMPLES.find((e) => e.name === positionals[0]);
  if (example === undefined) fail(`unknown example "${positionals[0]}"`);
  const engine = values.engine;
  if (engine !== undefined && engine !== 'scalar' && engine !== 'tensor')
    fail(`--engine expects scalar or tensor, got "${engine}"`);
  if (engine !== undefined && !example.flags.includes('engine'))
    fail(
      `${example.name} runs on one engine; --engine applies to ${EXAMPLES.filter((e) =>
        e.flags.includes('engine'),
      )
        .map((e) => e.name)
        .join(' and ')}`,
    );
  const epochs = integer('epochs', values.epochs, 1);
  const seed = integer('seed', values.seed, 0);
  console.log(`${example.title} (${example.note})\n`);
  const result = example.run({
    ...(epochs === undefined ? {} : { epochs }),
    ...(seed === undefined ? {} : { seed }),
    ...(engine === undefined ? {} : { engine }),
  });
  for (const line of result.report) console.log(line);
  const paths = writeFigures(values.out ?? defaultOutDir(), await result.figures());
  console.log(`\npictures:\n${paths.map((p) => `  ${p}`).join('\n')}`);
}

await main();
