#!/usr/bin/env node
import { runKatib } from './program.js';

/** `katib`: see program.ts. */
const code = await runKatib(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
});
// Exit even if a library left a handle open (a pool's idle timer): the command has finished.
process.exit(code);
