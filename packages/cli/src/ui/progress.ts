/**
 * A one-line progress bar on stderr for long CLI work. Draws only on a TTY
 * (so logs and pipes stay clean) and at most ~10 times a second.
 */

export interface Progress {
  update(done: number, total?: number, note?: string): void;
  done(message?: string): void;
}

/** Create a bar labelled `label`. `stream` defaults to stderr. */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = stream.isTTY === true && process.env["CI"] === undefined;
  const started = Date.now();
  let last = 0;
  let shown = false;
  const draw = (done: number, total: number | undefined, note: string | undefined): void => {
    const width = 28;
    const frac = total === undefined || total === 0 ? 0 : Math.min(1, done / total);
    const bar = total === undefined ? "" : `[${"#".repeat(Math.round(frac * width)).padEnd(width, ".")}] `;
    const count = total === undefined ? `${done}` : `${done}/${total}`;
    const secs = (Date.now() - started) / 1000;
    const rate = secs > 0 ? ` ${Math.round(done / secs)}/s` : "";
    const line = `${label} ${bar}${count}${rate}${note === undefined ? "" : ` ${note}`}`;
    stream.write(`\r${line.slice(0, (stream.columns ?? 100) - 1)}\x1b[K`);
    shown = true;
  };
  return {
    update(done, total, note) {
      if (!tty) return;
      const now = Date.now();
      if (now - last < 100 && done !== total) return;
      last = now;
      draw(done, total, note);
    },
    done(message) {
      if (tty && shown) stream.write("\r\x1b[K");
      if (message !== undefined) stream.write(`${message}\n`);
    },
  };
}
