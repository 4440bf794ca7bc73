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
  // Only a listener: later writes to the destroyed stream fail with ERR_STREAM_DESTROYED, heard
  // and dropped here too. The stream's own write is left alone (loggers hold on to it).
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED' || err.code === 'ECONNRESET') return;
    // Anything else (a full disk behind `> file`) is as fatal as it was without this listener.
    throw err;
  });
}
