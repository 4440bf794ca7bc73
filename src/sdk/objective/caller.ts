import { fileURLToPath, pathToFileURL } from 'node:url';

// This package's SDK folder (src/sdk under tsx, dist/sdk once built): frames in it are ours.
const SDK_DIR = fileURLToPath(new URL('..', import.meta.url));
const LOCATION = /(?:\(|\s)((?:file:\/\/|\/)[^()\s]*?):\d+:\d+\)?$/;

/**
 * The file URL of the code that called into the SDK: the first stack frame outside this package's
 * SDK folder, read from a stack captured synchronously in the SDK call. A function objective's
 * imports resolve as they would in that file. Falls back to the working directory (a REPL, eval).
 */
export function callerUrl(stack: string | undefined): string {
  for (const line of (stack ?? '').split('\n').slice(1)) {
    const m = LOCATION.exec(line.trim());
    if (!m) continue;
    const where = m[1]!;
    const file = where.startsWith('file://') ? fileURLToPath(where) : where;
    if (file.startsWith(SDK_DIR)) continue;
    return pathToFileURL(file).href;
  }
  return pathToFileURL(`${process.cwd()}/`).href;
}
