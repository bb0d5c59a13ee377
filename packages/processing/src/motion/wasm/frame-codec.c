// Exact narrowing of float32 frames for the frame cache (frame-cache.ts), in WebAssembly SIMD:
// JavaScript's float-to-integer conversions run ~3 ns a value, which is a 4k frame's decode time.
// Also the gain, binning and shifted summing of motion correction, so a frame read into this
// module's memory is never copied. No libc, no stack, no data: plain loops over memory the JavaScript side lays out.
#include <wasm_simd128.h>

// dst[i] = src[i] for all i when every value is an integer in [0, max]; returns 1 then, else 0
// (dst is then partly written). n is a multiple of 16. Adding 2^23 puts an integer 0 ≤ v < 2^23
// in the low mantissa bits, which is cheaper on x64 than a saturating float-to-int conversion;
// subtracting it again gives v back exactly only when v is an integer.
static inline v128_t ints(v128_t a, v128_t max, v128_t *ok) {
  const v128_t magic = wasm_f32x4_splat(8388608.0f);
  v128_t s = wasm_f32x4_add(a, magic);
  v128_t i = wasm_i32x4_sub(s, wasm_i32x4_splat(0x4B000000));
  *ok = wasm_v128_and(*ok, wasm_v128_and(wasm_f32x4_eq(wasm_f32x4_sub(s, magic), a), wasm_u32x4_le(i, max)));
  return i;
}

static inline int narrow(const float *restrict src, void *restrict dst, int n, int wide) {
  const v128_t max = wasm_i32x4_splat(wide ? 65535 : 255);
  v128_t ok = wasm_i32x4_splat(-1);
  for (int i = 0; i < n; i += 16) {
    v128_t ia = ints(wasm_v128_load(src + i), max, &ok), ib = ints(wasm_v128_load(src + i + 4), max, &ok);
    v128_t ic = ints(wasm_v128_load(src + i + 8), max, &ok), id = ints(wasm_v128_load(src + i + 12), max, &ok);
    v128_t ab = wasm_u16x8_narrow_i32x4(ia, ib), cd = wasm_u16x8_narrow_i32x4(ic, id);
    if (wide) {
      wasm_v128_store((unsigned short *)dst + i, ab);
      wasm_v128_store((unsigned short *)dst + i + 8, cd);
    } else {
      wasm_v128_store((unsigned char *)dst + i, wasm_u8x16_narrow_i16x8(ab, cd));
    }
    if ((i & 4095) == 0 && !wasm_i32x4_all_true(ok)) return 0;
  }
  return wasm_i32x4_all_true(ok);
}

__attribute__((export_name("to_u8"))) int to_u8(const float *restrict src, unsigned char *restrict dst, int n) { return narrow(src, dst, n, 0); }
__attribute__((export_name("to_u16"))) int to_u16(const float *restrict src, unsigned short *restrict dst, int n) { return narrow(src, dst, n, 1); }

// a[i] *= b[i] (the gain, on a frame in this module's memory)
__attribute__((export_name("mul_inplace"))) void mul_inplace(float *restrict a, const float *restrict b, int n) {
  for (int i = 0; i < n; i++) a[i] *= b[i];
}

// Average factor x factor blocks starting at (x0, y0) into out (outW x outH), as bin_image in
// image/wasm/kernels.c (kept here so the alignment pass never copies a frame between memories).
__attribute__((export_name("bin_image"))) void bin_image(const float *restrict src, int width, int factor, int outW, int outH, int x0, int y0, float *restrict out, float *restrict tmp) {
  float scale = 1.0f / (float)(factor * factor);
  int span = outW * factor;
  for (int by = 0; by < outH; by++) {
    const float *row = src + (unsigned long)(y0 + by * factor) * width + x0;
    for (int x = 0; x < span; x++) tmp[x] = row[x];
    for (int r = 1; r < factor; r++) {
      const float *next = row + (unsigned long)r * width;
      for (int x = 0; x < span; x++) tmp[x] += next[x];
    }
    float *o = out + (unsigned long)by * outW;
    for (int bx = 0; bx < outW; bx++) {
      const float *p = tmp + bx * factor;
      float sum = 0.0f;
      for (int k = 0; k < factor; k++) sum += p[k];
      o[bx] = sum * scale;
    }
  }
}

// dst[i] = src[i] for values the caller knows to be integers in [0, 255] (a reader of 8-bit
// samples): no checks, just the 2^23 mantissa trick and packing. n is a multiple of 16.
__attribute__((export_name("to_u8_trusted"))) void to_u8_trusted(const float *restrict src, unsigned char *restrict dst, int n) {
  const v128_t magic = wasm_f32x4_splat(8388608.0f);
  const v128_t bits = wasm_i32x4_splat(0x4B000000);
  for (int i = 0; i < n; i += 16) {
    v128_t a = wasm_i32x4_sub(wasm_f32x4_add(wasm_v128_load(src + i), magic), bits);
    v128_t b = wasm_i32x4_sub(wasm_f32x4_add(wasm_v128_load(src + i + 4), magic), bits);
    v128_t c = wasm_i32x4_sub(wasm_f32x4_add(wasm_v128_load(src + i + 8), magic), bits);
    v128_t d = wasm_i32x4_sub(wasm_f32x4_add(wasm_v128_load(src + i + 12), magic), bits);
    wasm_v128_store(dst + i, wasm_u8x16_narrow_i16x8(wasm_u16x8_narrow_i32x4(a, b), wasm_u16x8_narrow_i32x4(c, d)));
  }
}

// acc[i] += a[i]
__attribute__((export_name("add_inplace"))) void add_inplace(float *restrict acc, const float *restrict a, int n) {
  for (int i = 0; i < n; i++) acc[i] += a[i];
}

// dst[i] = src[i] (bytes of a cached frame back to floats), 16 at a time; n is a multiple of 16.
__attribute__((export_name("u8_to_f32"))) void u8_to_f32(const unsigned char *restrict src, float *restrict dst, int n) {
  for (int i = 0; i < n; i += 16) {
    v128_t b = wasm_v128_load(src + i);
    v128_t lo = wasm_u16x8_extend_low_u8x16(b), hi = wasm_u16x8_extend_high_u8x16(b);
    wasm_v128_store(dst + i, wasm_f32x4_convert_i32x4(wasm_u32x4_extend_low_u16x8(lo)));
    wasm_v128_store(dst + i + 4, wasm_f32x4_convert_i32x4(wasm_u32x4_extend_high_u16x8(lo)));
    wasm_v128_store(dst + i + 8, wasm_f32x4_convert_i32x4(wasm_u32x4_extend_low_u16x8(hi)));
    wasm_v128_store(dst + i + 12, wasm_f32x4_convert_i32x4(wasm_u32x4_extend_high_u16x8(hi)));
  }
}

static inline int clampi(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

// acc(p) += frame(p + d), bilinear, d constant per tile: accumulate_bilinear of image/wasm/kernels.c
// (reference: accumulate.ts), here so the summing pass runs in this module's memory. (A version
// reading the cache's bytes directly measured 3x slower: the unaligned byte loads do not vectorise.)
#define ACCUMULATE(NAME, T)                                                                                                     \
  __attribute__((export_name(#NAME))) void NAME(const T *restrict frame, float *restrict acc, int width, int height, int tile, const double *restrict tileShifts) { \
    int tilesX = (width + tile - 1) / tile;                                                                                     \
    int tilesY = (height + tile - 1) / tile;                                                                                    \
    for (int ty = 0; ty < tilesY; ty++) {                                                                                       \
      int yStart = ty * tile;                                                                                                   \
      int yEnd = yStart + tile < height ? yStart + tile : height;                                                               \
      for (int tx = 0; tx < tilesX; tx++) {                                                                                     \
        int xStart = tx * tile;                                                                                                 \
        int xEnd = xStart + tile < width ? xStart + tile : width;                                                               \
        int t = ty * tilesX + tx;                                                                                               \
        double sx = tileShifts[2 * t];                                                                                          \
        double sy = tileShifts[2 * t + 1];                                                                                      \
        double fxd = sx - __builtin_floor(sx);                                                                                  \
        double fyd = sy - __builtin_floor(sy);                                                                                  \
        int ix = (int)__builtin_floor(sx);                                                                                      \
        int iy = (int)__builtin_floor(sy);                                                                                      \
        float fx = (float)fxd, fy = (float)fyd;                                                                                 \
        float w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;                               \
        int xa = xStart > -ix ? xStart : -ix;                                                                                   \
        int xb = xEnd < width - 1 - ix ? xEnd : width - 1 - ix;                                                                 \
        for (int y = yStart; y < yEnd; y++) {                                                                                   \
          int y0 = clampi(y + iy, 0, height - 1);                                                                               \
          int y1 = clampi(y + iy + 1, 0, height - 1);                                                                           \
          const T *r0 = frame + (unsigned long)y0 * width + ix;                                                                 \
          const T *r1 = frame + (unsigned long)y1 * width + ix;                                                                 \
          float *o = acc + (unsigned long)y * width;                                                                            \
          for (int x = xa; x < xb; x++) o[x] += w00 * r0[x] + w01 * r0[x + 1] + w10 * r1[x] + w11 * r1[x + 1];                  \
          for (int x = xStart; x < xEnd; x++) {                                                                                 \
            if (x >= xa && x < xb) { x = xb - 1; continue; }                                                                    \
            int c0 = clampi(x + ix, 0, width - 1);                                                                              \
            int c1 = clampi(x + ix + 1, 0, width - 1);                                                                          \
            const T *s0 = frame + (unsigned long)y0 * width;                                                                    \
            const T *s1 = frame + (unsigned long)y1 * width;                                                                    \
            o[x] += w00 * s0[c0] + w01 * s0[c1] + w10 * s1[c0] + w11 * s1[c1];                                                  \
          }                                                                                                                     \
        }                                                                                                                       \
      }                                                                                                                         \
    }                                                                                                                           \
  }

ACCUMULATE(accumulate_f32, float)

