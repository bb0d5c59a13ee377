/**
 * TIFF predictors, undone in place on decoded chunks (native byte order).
 * 2: horizontal differencing of samples as unsigned integers, wrapping (floats
 *    too: libtiff differences their 32-bit words). 3: the floating-point
 *    predictor (byte planes, most significant first, then differenced bytes).
 */

/** Undoes predictor 2 on `rows` rows of `rowSamples` samples of `bytesPerSample` bytes (aligned). */
export function undoHorizontal(bytes: Uint8Array, rowSamples: number, rows: number, bytesPerSample: number): void {
  const { buffer, byteOffset } = bytes;
  const n = rowSamples * rows;
  if (bytesPerSample === 1) accumulate(bytes, rowSamples, rows);
  else if (bytesPerSample === 2) accumulate(new Uint16Array(buffer, byteOffset, n), rowSamples, rows);
  else if (bytesPerSample === 4) accumulate(new Uint32Array(buffer, byteOffset, n), rowSamples, rows);
  else throw new Error(`horizontal predictor on ${8 * bytesPerSample}-bit samples is not supported`);
}

function accumulate(v: Uint8Array | Uint16Array | Uint32Array, rowSamples: number, rows: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * rowSamples;
    let prev = v[base]!;
    for (let i = base + 1; i < base + rowSamples; i++) {
      // Typed-array stores wrap modulo 2^bits, as the predictor requires.
      v[i] = prev = v[i]! + prev;
    }
  }
}

/** Applies predictor 2 in place (the writer's side of undoHorizontal). */
export function applyHorizontal(bytes: Uint8Array, rowSamples: number, rows: number, bytesPerSample: number): void {
  const { buffer, byteOffset } = bytes;
  const n = rowSamples * rows;
  const v =
    bytesPerSample === 1 ? bytes : bytesPerSample === 2 ? new Uint16Array(buffer, byteOffset, n) : new Uint32Array(buffer, byteOffset, n);
  for (let r = 0; r < rows; r++) {
    const base = r * rowSamples;
    for (let i = base + rowSamples - 1; i > base; i--) v[i] = v[i]! - v[i - 1]!;
  }
}

/**
 * Undoes predictor 3 in place: each row is first byte-differenced, and holds
 * its samples' bytes as planes, most significant plane first. The result is
 * little-endian (native) whatever the file's byte order.
 */
export function undoFloatingPoint(bytes: Uint8Array, rowSamples: number, rows: number, bytesPerSample: number): void {
  const rowBytes = rowSamples * bytesPerSample;
  const tmp = new Uint8Array(rowBytes);
  for (let r = 0; r < rows; r++) {
    const row = bytes.subarray(r * rowBytes, (r + 1) * rowBytes);
    let prev = row[0]!;
    for (let i = 1; i < rowBytes; i++) row[i] = prev = (row[i]! + prev) & 0xff;
    tmp.set(row);
    for (let b = 0; b < bytesPerSample; b++) {
      const plane = (bytesPerSample - 1 - b) * rowSamples;
      for (let s = 0; s < rowSamples; s++) row[s * bytesPerSample + b] = tmp[plane + s]!;
    }
  }
}
