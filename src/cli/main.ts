#!/usr/bin/env node
import { keepRunningWhenOutputCloses } from './closed-output.js';
import { runKatib } from './program.js';

/** `katib`: see program.ts. */
// A reader closing katib's output (`| head -3`) must not end a run (see closed-output.ts).
for (const stream of [process.stdout, process.stderr]) keepRunningWhenOutputCloses(stream);
const code = await runKatib(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
});
// Exit even if a library left a handle open (a pool's idle timer): the command has finished.
process.exit(code);
