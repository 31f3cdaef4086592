/**
 * How the repository's commands read their arguments (`example`, `bench`, `bench:ab`, `bench:table`):
 * a mistake is one line naming it (with the closest flag or name), the usage in a second, and exit code
 * 2; `--help` prints the whole usage and exits 0; relative paths are the caller's.
 */
import { resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { internal } from '@adjoint/autograd';

const { closest } = internal;

/** A command's name as typed, the usage line a mistake prints, and the whole help. */
export interface Command {
  readonly prog: string;
  readonly usage: string;
  readonly help: string;
}

/** Prints `message` and the usage line on stderr and exits 2, as a usage error does in any CLI. */
export function usageError(command: Command, message: string): never {
  console.error(`${command.prog}: ${message}\n${command.usage}`);
  process.exit(2);
}

/** `; did you mean <prefix><name>?` for a misspelt `name` among `names`, or nothing. */
export function suggestion(name: string, names: readonly string[], prefix = ''): string {
  const guess = closest(name.replace(/^-+/, ''), names);
  return guess === undefined ? '' : `; did you mean ${prefix}${guess}?`;
}

/** The arguments, with a negative number after a flag joined to it, so it reads as that flag's value. */
function joinNegativeValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    if (arg.startsWith('--') && !arg.includes('=') && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** The flags of a command: each a string or a boolean, none repeated. */
type Flags = Record<string, { readonly type: 'string' | 'boolean'; readonly short?: string }>;

/** What the flags parse to: each flag's string or boolean, when given. */
export type Parsed<O extends Flags> = {
  readonly [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string;
};

/** Parses `args` against `options` (which should have `help`); on `--help` prints the help and exits 0. */
export function parseCommand<O extends Flags>(
  command: Command,
  options: O,
  args: readonly string[],
  allowPositionals = false,
): { readonly values: Parsed<O>; readonly positionals: string[] } {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({
      options: options as NonNullable<ParseArgsConfig['options']>,
      allowPositionals: true,
      args: joinNegativeValues(args),
    });
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? '';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
      usageError(command, `unknown option ${flag}${suggestion(flag, Object.keys(options), '--')}`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') usageError(command, `${flag} needs a value`);
    usageError(command, message);
  }
  if ((parsed.values as { help?: boolean }).help === true) {
    console.log(command.help);
    process.exit(0);
  }
  if (!allowPositionals && parsed.positionals.length > 0)
    usageError(command, `takes no arguments but options; got ${parsed.positionals.join(' ')}`);
  return { values: parsed.values as Parsed<O>, positionals: parsed.positionals };
}

/**
 * `path` taken relative to the directory the command was started from. pnpm runs a package's scripts in
 * the package's folder and says where the user was in INIT_CWD; a process that is not such a script (no
 * npm_lifecycle_event) is where the user is, whatever INIT_CWD an outer pnpm left behind.
 */
export function callerPath(path: string): string {
  const script = process.env.npm_lifecycle_event !== undefined;
  return resolve((script ? process.env.INIT_CWD : undefined) ?? process.cwd(), path);
}
