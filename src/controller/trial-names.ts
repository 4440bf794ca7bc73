import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A new trial's name as Katib makes them: `<experiment>-<8 random [a-z0-9]>`, a valid Kubernetes
 * name. Random rather than numbered so that two controllers (or a resumed one) never reuse a name;
 * the store's uniqueness check catches the 1 in 36^8 collision.
 */
export function newTrialName(experimentName: string): string {
  const bytes = randomBytes(8);
  let suffix = '';
  for (const b of bytes) suffix += ALPHABET[b % ALPHABET.length];
  return `${experimentName}-${suffix}`;
}
