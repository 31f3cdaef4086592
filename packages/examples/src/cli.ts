/**
 * `adjoint example <name> [--epochs N] [--seed S] [--out DIR] [--engine scalar|tensor]`: runs one example,
 * prints its report and writes its pictures. Errors take a line or two, with the usage, and exit 2.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { toSafetensors } from '@adjoint/nn';
import { toOnnx } from '@adjoint/nn/onnx';
import { type Command, parseCommand, suggestion, usageError } from './command';
import { outDir, writeFigures } from './output';
import { runProgress } from './progress';
import { EXAMPLES } from './registry';

const OPTIONS = {
  epochs: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  engine: { type: 'string' },
  save: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The files --save writes, by their ending. */
const FORMATS = ['.json', '.onnx', '.safetensors'] as const;

/** The command as the user typed it: the bin says `adjoint example`; the repository's script is pnpm's. */
const PROG = process.env.ADJOINT_PROG ?? 'npx -y pnpm@10 example';

const SHORT_USAGE = `usage: ${PROG} <name> [--epochs N] [--seed S] [--out DIR] [--engine scalar|tensor] [--save FILE]`;

/** The examples that read `flag`, as a list for the help. */
const readers = (flag: 'engine' | 'save') =>
  EXAMPLES.filter((e) => e.flags.includes(flag))
    .map((e) => e.name)
    .join(', ');

const USAGE = `${SHORT_USAGE}

examples:
${EXAMPLES.map((e) => `  ${e.name.padEnd(20)} ${e.title} (${e.note})`).join('\n')}

options:
  --epochs N      training epochs (or steps); each example has its own default
  --seed S        the seed of the data split and the initial weights (default 0)
  --out DIR       where to write the pictures, from where you are (default ./out)
  --engine E      scalar or tensor, for the examples that run on either (${readers('engine')})
  --save FILE     write the trained model: .json (adjoint's), .onnx (ONNX, float32) or .safetensors
                  (${readers('save')})
  --help          this text`;

const COMMAND: Command = { prog: PROG, usage: `${SHORT_USAGE} (--help lists the examples)`, help: USAGE };

/** An error in a line, the usage in the next, and exit code 2. */
function fail(message: string): never {
  usageError(COMMAND, message);
}

function integer(flag: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(value) || value < min)
    fail(`--${flag} expects an integer ≥ ${min}, got "${text}"`);
  return value;
}

async function main(): Promise<void> {
  const { values, positionals } = parseCommand(COMMAND, OPTIONS, process.argv.slice(2), true);
  if (positionals.length !== 1)
    fail(
      positionals.length === 0 ? 'name an example' : `expected one example, got ${positionals.join(', ')}`,
    );
  const names = EXAMPLES.map((e) => e.name);
  const example = EXAMPLES.find((e) => e.name === positionals[0]);
  if (example === undefined) fail(`unknown example "${positionals[0]}"${suggestion(positionals[0]!, names)}`);
  const engine = values.engine;
  if (engine !== undefined && engine !== 'scalar' && engine !== 'tensor')
    fail(`--engine expects scalar or tensor, got "${engine}"`);
  if (engine !== undefined && !example.flags.includes('engine'))
    fail(`${example.name} runs on one engine; --engine applies to ${readers('engine')}`);
  const save = values.save;
  if (save !== undefined && !example.flags.includes('save'))
    fail(`${example.name} trains no Tensor-engine model to save; --save applies to ${readers('save')}`);
  if (save !== undefined && engine === 'scalar')
    fail('--save writes a Tensor-engine model; with --engine scalar the network is made of Values');
  const format = save === undefined ? undefined : FORMATS.find((f) => save.endsWith(f));
  if (save !== undefined && format === undefined)
    fail(`--save writes ${FORMATS.join(', ')} files; "${save}" has none of those endings`);
  const epochs = integer('epochs', values.epochs, 1);
  const seed = integer('seed', values.seed, 0);
  // the paths are checked (and missing directories made) before the run, not after it
  const out = outDir(values.out);
  if (existsSync(out) && !statSync(out).isDirectory())
    fail(`--out ${values.out} is a file; it names the directory for the pictures`);
  const path = save === undefined ? undefined : outDir(save);
  if (path !== undefined && existsSync(path) && statSync(path).isDirectory())
    fail(`--save ${save} is a directory; give the model's file name`);
  for (const dir of path === undefined ? [out] : [out, dirname(path)]) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      fail(`cannot make the directory ${dir}: ${(error as Error).message}`);
    }
  }
  console.log(`${example.title} (${example.note})\n`);
  const bar = runProgress(example.name);
  const result = example.run({
    ...(epochs === undefined ? {} : { epochs }),
    ...(seed === undefined ? {} : { seed }),
    ...(engine === undefined ? {} : { engine }),
    onProgress: (done, total) => bar.update(done, total),
  });
  bar.stop();
  for (const line of result.report) console.log(line);
  const paths = writeFigures(out, await result.figures());
  console.log(`\npictures:\n${paths.map((p) => `  ${p}`).join('\n')}`);
  if (save !== undefined) {
    if (result.model === undefined)
      throw new Error(`${example.name} is listed as saving a model but gave none`);
    const bytes =
      format === '.onnx'
        ? toOnnx(result.model)
        : format === '.safetensors'
          ? toSafetensors(result.model)
          : new TextEncoder().encode(JSON.stringify(result.model));
    writeFileSync(path!, bytes);
    console.log(`\nmodel: ${path} (${bytes.length.toLocaleString('en-US')} bytes)`);
  }
}

await main();
