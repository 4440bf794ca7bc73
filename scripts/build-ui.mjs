#!/usr/bin/env node
// Builds the dashboard's web client (src/ui/web) into dist/ui/assets: app.js and app.css bundled
// by esbuild (echarts included), index.html and the icon copied. `npm run build` runs it after tsc;
// `--out DIR` writes elsewhere; `--dev` skips minifying and adds source maps.
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const web = path.join(root, 'src/ui/web');
const at = process.argv.indexOf('--out');
const dev = process.argv.includes('--dev');
const out = at >= 0 ? path.resolve(process.argv[at + 1] ?? '') : path.join(root, 'dist/ui/assets');

const started = performance.now();
// Built beside and swapped in, so that a running dashboard never reads a half-written folder.
const next = `${out}.next-${process.pid}`;
await rm(next, { recursive: true, force: true });
await mkdir(next, { recursive: true });
const result = await build({
  entryPoints: { app: path.join(web, 'main.ts') },
  outdir: next,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome111', 'firefox113', 'safari16.4'],
  minify: !dev,
  sourcemap: dev ? 'linked' : false,
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
});
await Promise.all(['index.html', 'favicon.svg'].map((f) => copyFile(path.join(web, f), path.join(next, f))));
await rm(out, { recursive: true, force: true });
await rename(next, out);
const sizes = Object.entries(result.metafile.outputs)
  .filter(([file]) => !file.endsWith('.map'))
  .map(([file, o]) => `${path.basename(file)} ${(o.bytes / 1024).toFixed(0)} KiB`);
console.log(`dashboard built in ${Math.round(performance.now() - started)} ms: ${sizes.join(', ')} -> ${path.relative(root, out) || out}`);
