import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Locally, the experiment file's folder plays the part of the trial container's image: a command
 * such as `python3 train.py --data data/` written next to `train.py` must work although each trial
 * runs in a folder of its own. So every word of the command that names an existing file or folder
 * relative to `sourceDir` is made absolute. The program itself (the first word) only when it
 * contains a slash (`./train.sh`), as the shell would look a bare name up on PATH. Flags
 * (`-x`, `--lr=0.1`) and words that name nothing there are left as they are.
 */
export function resolveSourcePaths(command: readonly string[], sourceDir: string): string[] {
  return command.map((word, i) => {
    if (word === '' || word.startsWith('-') || path.isAbsolute(word) || word.includes('=')) return word;
    if (i === 0 && !word.includes('/')) return word;
    const candidate = path.resolve(sourceDir, word);
    return existsSync(candidate) ? candidate : word;
  });
}
