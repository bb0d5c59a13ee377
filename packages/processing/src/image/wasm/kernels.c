// Hot loops of motion correction, compiled to WebAssembly with SIMD (see build.sh).
// No libc: plain loops over memory the JavaScript side lays out. Pointers are byte offsets.

typedef unsigned long size_t;

// a[i] *= b[i]
__attribute__((export_name("mul_inplace"))) void mul_inplace(float *restrict a, const float *restrict b, int n) {
  for (int i = 0; i < n; i++) a[i] *= b[i];
}

// acc[i] += a[i]
__attribute__((export_name("add_inplace"))) void add_inplace(float *restrict acc, const float *restrict a, int n) {
  for (int i = 0; i < n; i++) acc[i] += a[i];
}

// Average factor x factor blocks starting at (x0, y0) into out (outW x outH). Rows are first
// summed vertically into `tmp` (outW * factor floats, contiguous, so it vectorises), then reduced
// horizontally.
__attribute__((export_name("bin_image"))) void bin_image(const float *restrict src, int width, int factor, int outW, int outH, int x0, int y0, float *restrict out, float *restrict tmp) {
  float scale = 1.0f / (float)(factor * factor);
  int span = outW * factor;
  for (int by = 0; by < outH; by++) {
    const float *row = src + (size_t)(y0 + by * factor) * width + x0;
    for (int x = 0; x < span; x++) tmp[x] = row[x];
    for (int r = 1; r < factor; r++) {
      const float *next = row + (size_t)r * width;
      for (int x = 0; x < span; x++) tmp[x] += next[x];
    }
    float *o = out + (size_t)by * outW;
    for (int bx = 0; bx < outW; bx++) {
      const float *p = tmp + bx * factor;
      float sum = 0.0f;
      for (int k = 0; k < factor; k++) sum += p[k];
      o[bx] = sum * scale;
    }
  }
}

static inline int clampi(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

// acc(p) += frame(p + d) with bilinear interpolation, d constant per tile (tileShifts: dx, dy per
// tile, row-major over ceil(width/tile) x ceil(height/tile)); samples past the edge clamp to it.
__attribute__((export_name("accumulate_bilinear"))) void accumulate_bilinear(const float *restrict frame, float *restrict acc, int width, int height, int tile, const double *restrict tileShifts) {
  int tilesX = (width + tile - 1) / tile;
  int tilesY = (height + tile - 1) / tile;
  for (int ty = 0; ty < tilesY; ty++) {
    int yStart = ty * tile;
    int yEnd = yStart + tile < height ? yStart + tile : height;
    for (int tx = 0; tx < tilesX; tx++) {
      int xStart = tx * tile;
      int xEnd = xStart + tile < width ? xStart + tile : width;
      int t = ty * tilesX + tx;
      double sx = tileShifts[2 * t];
      double sy = tileShifts[2 * t + 1];
      double fxd = sx - __builtin_floor(sx);
      double fyd = sy - __builtin_floor(sy);
      int ix = (int)__builtin_floor(sx);
      int iy = (int)__builtin_floor(sy);
      float fx = (float)fxd, fy = (float)fyd;
      float w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
      int xa = xStart > -ix ? xStart : -ix;
      int xb = xEnd < width - 1 - ix ? xEnd : width - 1 - ix;
      for (int y = yStart; y < yEnd; y++) {
        int y0 = clampi(y + iy, 0, height - 1);
        int y1 = clampi(y + iy + 1, 0, height - 1);
        const float *r0 = frame + (size_t)y0 * width + ix;
        const float *r1 = frame + (size_t)y1 * width + ix;
        float *o = acc + (size_t)y * width;
        for (int x = xa; x < xb; x++) o[x] += w00 * r0[x] + w01 * r0[x + 1] + w10 * r1[x] + w11 * r1[x + 1];
        for (int x = xStart; x < xEnd; x++) {
          if (x >= xa && x < xb) { x = xb - 1; continue; }
          int c0 = clampi(x + ix, 0, width - 1);
          int c1 = clampi(x + ix + 1, 0, width - 1);
          const float *s0 = frame + (size_t)y0 * width;
          const float *s1 = frame + (size_t)y1 * width;
          o[x] += w00 * s0[c0] + w01 * s0[c1] + w10 * s1[c0] + w11 * s1[c1];
        }
      }
    }
  }
}
