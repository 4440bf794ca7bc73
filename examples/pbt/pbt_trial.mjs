#!/usr/bin/env node
// A tiny PBT trial (Katib's simple-pbt toy, after Ray's pbt_example, without the noise): accuracy
// grows fastest at an lr that itself changes with the accuracy reached (a triangle: 0.001 at 0,
// 0.01 at 50, 0.001 at 100), so no constant lr gets far; PBT's schedule does.
//
// Like Katib's trial it keeps its state in `training.ckpt` in its checkpoint folder: it resumes
// from the file when it is there (PBT copied its parent's folder into this trial's) and saves it
// at the end. Usage: node pbt_trial.mjs --lr=0.005 --steps=20 --checkpoint=<folder>
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, ...v] = a.replace(/^--/, '').split('=');
    return [k, v.join('=')];
  }),
);
const lr = Number(args.lr);
const steps = Number(args.steps ?? 20);
const folder = args.checkpoint ?? process.env.KATIB_CHECKPOINT_DIR;
if (!(lr > 0) || !(steps > 0) || !folder) {
  console.error('usage: pbt_trial.mjs --lr=<number > 0> --steps=<n> --checkpoint=<folder>');
  process.exit(2);
}

const file = join(folder, 'training.ckpt');
let state = { step: 0, accuracy: 0 };
if (existsSync(file)) state = JSON.parse(readFileSync(file, 'utf8'));
else mkdirSync(folder, { recursive: true });

for (let i = 0; i < steps; i++) {
  const a = state.accuracy;
  const optimal = Math.min(0.01, Math.max(0.001, a < 50 ? (0.01 * a) / 50 : 0.01 - (0.01 * (a - 50)) / 50));
  const q = Math.max(lr, optimal) / Math.min(lr, optimal);
  if (q < 3) state.accuracy += 1 / q;
  else if (lr > optimal) state.accuracy -= (q - 3) * 0.5;
  state.accuracy = Math.max(0, Math.min(100, state.accuracy));
  state.step++;
}
writeFileSync(file, JSON.stringify(state));
console.log(`epoch ${state.step}:`);
console.log(`lr=${lr}`);
console.log(`Validation-accuracy=${(state.accuracy / 100).toFixed(4)}`);
