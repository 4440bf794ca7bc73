/**
 * What a trial's command runs, as far as injection is concerned: inline code (`python -c`,
 * `node -e`, a shell script with heredocs), a script file, some other Python or Node program, or
 * a program in another language. Pure: reads no files.
 */
import path from 'node:path';
import type { SourceLanguage } from './print-site.js';

export type CommandKind =
  /** `argv[index]` (after `prefix`, for `--eval=CODE`) is code in `language`. */
  | { kind: 'inline'; language: SourceLanguage; index: number; prefix: string }
  /** `argv[index]` is a shell script (`sh -c`, `bash -ec`) that may hold heredocs of code. */
  | { kind: 'shell'; index: number }
  /** `argv[index]` names a script file in `language`, run by `runtime`. */
  | { kind: 'script'; language: SourceLanguage; runtime: 'python' | 'node'; index: number }
  /** Python or Node running something that is not a file named here (`-m module`, stdin). */
  | { kind: 'runtime'; runtime: 'python' | 'node' }
  /** A program in another language, or a shell script file. */
  | { kind: 'other'; program: string };

const PYTHON = /^(python|pypy)(\d+(\.\d+)*)?w?$/;
const NODE = /^(node|nodejs|tsx|ts-node|ts-node-esm)$/;
const SHELL = /^(sh|bash|zsh|dash|ash|ksh)$/;
// Options of python and node whose value is the next word.
const PYTHON_VALUE_OPTIONS = new Set(['-W', '-X', '--check-hash-based-pycs']);
const NODE_VALUE_OPTIONS = new Set([
  '-r',
  '--require',
  '--import',
  '--loader',
  '--experimental-loader',
  '-C',
  '--conditions',
  '--input-type',
  '--inspect-port',
  '--title',
  '--disable-warning',
  '--env-file',
  '--watch-path',
]);

/** Reads argv the way the program it starts would. */
export function classifyCommand(argv: readonly string[]): CommandKind {
  let start = 0;
  // `env [-i] [NAME=value ...] program ...`
  if (path.basename(argv[0] ?? '') === 'env') {
    start = 1;
    while (start < argv.length && (argv[start]!.startsWith('-') || /^[A-Za-z_]\w*=/.test(argv[start]!)))
      start++;
  }
  const program = argv[start] ?? '';
  const name = path.basename(program);
  if (PYTHON.test(name)) return python(argv, start);
  if (NODE.test(name)) return node(argv, start, name.startsWith('ts'));
  if (SHELL.test(name)) {
    for (let i = start + 1; i < argv.length; i++) {
      const word = argv[i]!;
      if (word === '--' || !word.startsWith('-')) break;
      if (!word.startsWith('--') && word.includes('c')) {
        // The script is the first word after the options.
        let j = i + 1;
        while (j < argv.length && argv[j]!.startsWith('-') && argv[j] !== '--') j++;
        if (argv[j] === '--') j++;
        return j < argv.length ? { kind: 'shell', index: j } : { kind: 'other', program };
      }
      if (word === '-o' || word === '+o') i++;
    }
  }
  return { kind: 'other', program };
}

function python(argv: readonly string[], start: number): CommandKind {
  for (let i = start + 1; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '-c')
      return i + 1 < argv.length
        ? { kind: 'inline', language: 'python', index: i + 1, prefix: '' }
        : runtime('python');
    if (word === '-m' || word === '-') return runtime('python');
    if (word === '--') return i + 1 < argv.length ? script(argv[i + 1]!, 'python', i + 1) : runtime('python');
    if (PYTHON_VALUE_OPTIONS.has(word)) {
      i++;
      continue;
    }
    if (word.startsWith('-')) {
      // Grouped flags: `-uc CODE` ends with c; `-m` may be grouped too.
      if (/^-[A-Za-z]*c$/.test(word) && i + 1 < argv.length)
        return { kind: 'inline', language: 'python', index: i + 1, prefix: '' };
      if (/^-[A-Za-z]*m$/.test(word)) return runtime('python');
      continue;
    }
    return script(word, 'python', i);
  }
  return runtime('python');
}

function node(argv: readonly string[], start: number, tsRunner: boolean): CommandKind {
  let typescript = tsRunner;
  for (let i = start + 1; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--experimental-strip-types' || word === '--experimental-transform-types') typescript = true;
    const language: SourceLanguage = typescript ? 'typescript' : 'javascript';
    if (['-e', '--eval', '-p', '--print'].includes(word))
      return i + 1 < argv.length ? { kind: 'inline', language, index: i + 1, prefix: '' } : runtime('node');
    const joined = /^(--eval=|--print=)/.exec(word);
    if (joined) return { kind: 'inline', language, index: i, prefix: joined[1]! };
    if (word === '--') return i + 1 < argv.length ? script(argv[i + 1]!, 'node', i + 1) : runtime('node');
    if (NODE_VALUE_OPTIONS.has(word)) {
      i++;
      continue;
    }
    if (word.startsWith('-')) continue;
    return script(word, 'node', i);
  }
  return runtime('node');
}

function script(file: string, runtimeName: 'python' | 'node', index: number): CommandKind {
  if (runtimeName === 'python') return { kind: 'script', language: 'python', runtime: 'python', index };
  const typescript = /\.(ts|mts|cts|tsx)$/i.test(file);
  return { kind: 'script', language: typescript ? 'typescript' : 'javascript', runtime: 'node', index };
}

function runtime(name: 'python' | 'node'): CommandKind {
  return { kind: 'runtime', runtime: name };
}
