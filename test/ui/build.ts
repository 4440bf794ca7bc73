import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** Builds the web client into dist/ui/assets, as `npm run build:ui` does (about half a second). */
export async function buildDashboard(): Promise<void> {
  const script = fileURLToPath(new URL('../../scripts/build-ui.mjs', import.meta.url));
  await promisify(execFile)(process.execPath, [script]);
}
