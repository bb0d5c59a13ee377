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

// Cross-correlation support for iterative alignment on a Fourier-cropped band. Spectra use the
// Spectrum2D layout (kx-major, h rows of complex values per kx); the band keeps kx < nkx and the
// ch rows ky ∈ [0, ch/2) ∪ [h − ch/2, h), stored contiguously as ch rows. ex (2·nkx) and ey (2·ch)
// are the per-axis phasors of the ramp that aligns the spectrum.

// sum(band) += spec(band) · ex[kx] · ey[j]
__attribute__((export_name("ramp_accumulate"))) void ramp_accumulate(const float *restrict spec, int h, int nkx, int ch, const float *restrict ex, const float *restrict ey, float *restrict sum) {
  int half = ch / 2;
  for (int kx = 0; kx < nkx; kx++) {
    float cr = ex[2 * kx], ci = ex[2 * kx + 1];
    const float *s = spec + (size_t)2 * kx * h;
    float *d = sum + (size_t)2 * kx * ch;
    for (int seg = 0; seg < 2; seg++) {
      int j0 = seg == 0 ? 0 : half;
      int j1 = seg == 0 ? half : ch;
      const float *src = seg == 0 ? s : s + (size_t)2 * (h - ch);
      for (int j = j0; j < j1; j++) {
        float er = ey[2 * j], ei = ey[2 * j + 1];
        float pr = cr * er - ci * ei, pi = cr * ei + ci * er;
        float re = src[2 * j], im = src[2 * j + 1];
        d[2 * j] += re * pr - im * pi;
        d[2 * j + 1] += re * pi + im * pr;
      }
    }
  }
}

// out(band) = spec · conj(sum − spec · ramp) · gx[kx] · gy[j]   (correlation with the sum of the others)
__attribute__((export_name("cc_product"))) void cc_product(const float *restrict spec, int h, int nkx, int ch, const float *restrict ex, const float *restrict ey, const float *restrict gx, const float *restrict gy, const float *restrict sum, float *restrict out) {
  int half = ch / 2;
  for (int kx = 0; kx < nkx; kx++) {
    float cr = ex[2 * kx], ci = ex[2 * kx + 1], g = gx[kx];
    const float *s = spec + (size_t)2 * kx * h;
    const float *m = sum + (size_t)2 * kx * ch;
    float *o = out + (size_t)2 * kx * ch;
    for (int seg = 0; seg < 2; seg++) {
      int j0 = seg == 0 ? 0 : half;
      int j1 = seg == 0 ? half : ch;
      const float *src = seg == 0 ? s : s + (size_t)2 * (h - ch);
      for (int j = j0; j < j1; j++) {
        float er = ey[2 * j], ei = ey[2 * j + 1];
        float pr = cr * er - ci * ei, pi = cr * ei + ci * er;
        float re = src[2 * j], im = src[2 * j + 1];
        float rr = m[2 * j] - (re * pr - im * pi);
        float ri = m[2 * j + 1] - (re * pi + im * pr);
        float f = g * gy[j];
        o[2 * j] = (re * rr + im * ri) * f;
        o[2 * j + 1] = (im * rr - re * ri) * f;
      }
    }
  }
}

static inline void keys_weights(float t, float *w) {
  float t2 = t * t, t3 = t2 * t;
  w[0] = 0.5f * (-t3 + 2 * t2 - t);
  w[1] = 0.5f * (3 * t3 - 5 * t2 + 2);
  w[2] = 0.5f * (-3 * t3 + 4 * t2 + t);
  w[3] = 0.5f * (t3 - t2);
}

// Crop-and-warp for the simulator: out(x, y) = src(x + offset − Dx, y + offset − Dy) with
// Catmull–Rom cubic interpolation, where D is the quadratic field with basis coefficients
// c[0..4] (x) and c[5..9] (y) over x̂ = (2x − (width − 1)) / width, ŷ likewise, basis
// [x̂, ŷ, x̂² − ⅓, ŷ² − ⅓, x̂ŷ]. D is evaluated once per `segment` pixels of a row (it changes by
// far less than a hundredth of a pixel over them), so the weights are shared along the segment.
__attribute__((export_name("warp_quadratic"))) void warp_quadratic(const float *restrict src, int srcW, int srcH, int offset, float *restrict out, int width, int height, const double *restrict c, int segment) {
  for (int y = 0; y < height; y++) {
    double yh = (2.0 * y - (height - 1)) / height;
    float *o = out + (size_t)y * width;
    for (int x0 = 0; x0 < width; x0 += segment) {
      int x1 = x0 + segment < width ? x0 + segment : width;
      double xc = 0.5 * (x0 + x1 - 1);
      double xh = (2.0 * xc - (width - 1)) / width;
      double dx = c[0] * xh + c[1] * yh + c[2] * (xh * xh - 1.0 / 3) + c[3] * (yh * yh - 1.0 / 3) + c[4] * xh * yh;
      double dy = c[5] * xh + c[6] * yh + c[7] * (xh * xh - 1.0 / 3) + c[8] * (yh * yh - 1.0 / 3) + c[9] * xh * yh;
      double ox = offset - dx, oy = y + offset - dy;
      int ix = (int)__builtin_floor(ox), iy = (int)__builtin_floor(oy);
      float wx[4], wy[4];
      keys_weights((float)(ox - ix), wx);
      keys_weights((float)(oy - iy), wy);
      const float *rows[4];
      for (int j = 0; j < 4; j++) rows[j] = src + (size_t)clampi(iy - 1 + j, 0, srcH - 1) * srcW;
      int first = x0 + ix - 1, last = x1 - 1 + ix + 2;
      if (first >= 0 && last < srcW) {
        for (int x = x0; x < x1; x++) {
          int s = x + ix - 1;
          float v = 0.0f;
          for (int j = 0; j < 4; j++) {
            const float *r = rows[j] + s;
            v += wy[j] * (wx[0] * r[0] + wx[1] * r[1] + wx[2] * r[2] + wx[3] * r[3]);
          }
          o[x] = v;
        }
      } else {
        for (int x = x0; x < x1; x++) {
          float v = 0.0f;
          for (int j = 0; j < 4; j++) {
            float h = 0.0f;
            for (int i = 0; i < 4; i++) h += wx[i] * rows[j][clampi(x + ix - 1 + i, 0, srcW - 1)];
            v += wy[j] * h;
          }
          o[x] = v;
        }
      }
    }
  }
}
