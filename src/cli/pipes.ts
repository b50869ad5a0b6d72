/**
 * A reader that stops early (`psm-netcheck plan --json | head`) closes the pipe: the rest of the
 * output has nowhere to go, and that is no error of ours. Node ignores SIGPIPE, so the write
 * fails with EPIPE instead, which unhandled is a stack trace and exit 1. Here it ends the output
 * quietly; the command finishes with the exit code it would have had. Any other stream error is
 * still an error.
 */
export function endQuietlyOnClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
      throw error;
    });
  }
}
