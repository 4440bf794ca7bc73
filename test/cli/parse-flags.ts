/**
 * In-process parsing of a `katib` command line through the real program (commander, every
 * command module, the flag checks), with `env` as the whole environment: the flags the command's
 * action would get, or the error a bad one ends with. Nothing runs.
 */
import { Writable } from 'node:stream';
import { katibProgram } from '../../src/cli/program.js';

class Parsed extends Error {}

const sink = new Writable({
  write(_chunk, _encoding, done) {
    done();
  },
});

export async function parseFlags<T = Record<string, unknown>>(
  argv: string[],
  env: Record<string, string> = {},
): Promise<T> {
  const program = await katibProgram({ env, stdout: sink, stderr: sink });
  let flags: T | undefined;
  program.hook('preAction', (_program, action) => {
    flags = action.opts() as T;
    throw new Parsed();
  });
  // Commander reads its variables from process.env.
  const saved = process.env;
  process.env = { ...env };
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (!(err instanceof Parsed)) throw err;
  } finally {
    process.env = saved;
  }
  if (flags === undefined) throw new Error(`katib ${argv.join(' ')}: no command ran`);
  return flags;
}
