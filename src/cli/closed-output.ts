/**
 * A reader that goes away (`katib run exp.yaml 2>&1 | head -3`, a closed terminal) must not end
 * a run: Node ignores SIGPIPE, so the next write to the closed pipe fails with EPIPE, and without
 * a listener that 'error' is an uncaught exception that kills katib on the spot, leaving its
 * trials Running in the database and their processes orphaned.
 *
 * The choice made here (docs/running-experiments.md, "Output and exit codes"): katib keeps
 * running, silently on that stream. The experiment runs to its end as if the output were read,
 * every trial is ended and recorded by the usual rules, and the exit code is the experiment's.
 * Output is only a view of the run; the run itself is in the database (`katib get`, the
 * dashboard). Ctrl-C still stops it as always.
 */
export function keepRunningWhenOutputCloses(stream: NodeJS.WriteStream): void {
  let closed = false;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED' || err.code === 'ECONNRESET') {
      closed = true;
      return;
    }
    // Anything else (a full disk behind `> file`) is as fatal as it was without this listener.
    throw err;
  });
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((...args: unknown[]) => {
    if (!closed) return write(...args);
    // Dropped, as a closed pipe would drop it; a write callback still hears that it is done.
    const callback = args.findLast((a) => typeof a === 'function') as (() => void) | undefined;
    if (callback) process.nextTick(callback);
    return true;
  }) as typeof stream.write;
}
