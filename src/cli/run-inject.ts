import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatReport, rewriteSource, type SourceLanguage } from '../injection/index.js';
import { type CliContext, CliError, usageError } from './context.js';

export interface InjectFlags {
  language?: string;
  metric?: string[];
  metricsFormat?: string[];
}

const LANGUAGES: Record<string, SourceLanguage> = {
  python: 'python',
  javascript: 'javascript',
  typescript: 'typescript',
};
const EXTENSIONS: Record<string, SourceLanguage> = {
  '.py': 'python',
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.jsx': 'javascript',
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.tsx': 'typescript',
};

/** Reads FILE, rewrites it for the metrics given, prints the source and the report. */
export async function runInject(file: string, flags: InjectFlags, context: CliContext): Promise<void> {
  const ext = path.extname(file).toLowerCase();
  const language = flags.language === undefined ? EXTENSIONS[ext] : LANGUAGES[flags.language];
  if (language === undefined) {
    if (flags.language !== undefined)
      throw usageError('--language', flags.language, 'must be python, javascript or typescript');
    throw usageError(
      '--language',
      file,
      'is needed: the file name does not say the language (.py, .js, .mjs, .ts, ...)',
    );
  }
  const metrics = flags.metric ?? [];
  if (metrics.length === 0 || metrics.some((m) => m.trim() === ''))
    throw usageError(
      '--metric',
      metrics,
      'must name each metric to recognise (e.g. --metric loss --metric accuracy)',
    );
  let source: string;
  try {
    source = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`, 1);
  }
  const result = rewriteSource(source, {
    language,
    metricNames: metrics,
    ...(flags.metricsFormat ? { metricsFormat: flags.metricsFormat } : {}),
    origin: file === '-' ? '<stdin>' : file,
    jsx: ext === '.jsx' || ext === '.tsx',
  });
  context.stdout.write(result.source);
  context.stderr.write(formatReport(result.report));
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
