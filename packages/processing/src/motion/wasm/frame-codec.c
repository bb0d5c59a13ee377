// Exact narrowing of float32 frames for the frame cache (frame-cache.ts), in WebAssembly SIMD:
// JavaScript's float-to-integer conversions run ~3 ns a value, which is a 4k frame's decode time.
// No libc, no stack, no data: plain loops over memory the JavaScript side lays out.
#include <wasm_simd128.h>

// dst[i] = src[i] for all i when every value is an integer in [0, max]; returns 1 then, else 0
// (dst is then partly written). n is a multiple of 16.
static inline int narrow(const float *restrict src, void *restrict dst, int n, int wide) {
  const v128_t lo = wasm_f32x4_splat(0.0f);
  const v128_t hi = wasm_f32x4_splat(wide ? 65535.0f : 255.0f);
  v128_t ok = wasm_i32x4_splat(-1);
  for (int i = 0; i < n; i += 16) {
    v128_t a = wasm_v128_load(src + i), b = wasm_v128_load(src + i + 4);
    v128_t c = wasm_v128_load(src + i + 8), d = wasm_v128_load(src + i + 12);
    v128_t ia = wasm_i32x4_trunc_sat_f32x4(a), ib = wasm_i32x4_trunc_sat_f32x4(b);
    v128_t ic = wasm_i32x4_trunc_sat_f32x4(c), id = wasm_i32x4_trunc_sat_f32x4(d);
    // Exact: converting back gives the same value (NaN never equals), and it lies in range.
    ok = wasm_v128_and(ok, wasm_f32x4_eq(wasm_f32x4_convert_i32x4(ia), a));
    ok = wasm_v128_and(ok, wasm_f32x4_eq(wasm_f32x4_convert_i32x4(ib), b));
    ok = wasm_v128_and(ok, wasm_f32x4_eq(wasm_f32x4_convert_i32x4(ic), c));
    ok = wasm_v128_and(ok, wasm_f32x4_eq(wasm_f32x4_convert_i32x4(id), d));
    ok = wasm_v128_and(ok, wasm_v128_and(wasm_f32x4_ge(a, lo), wasm_f32x4_le(a, hi)));
    ok = wasm_v128_and(ok, wasm_v128_and(wasm_f32x4_ge(b, lo), wasm_f32x4_le(b, hi)));
    ok = wasm_v128_and(ok, wasm_v128_and(wasm_f32x4_ge(c, lo), wasm_f32x4_le(c, hi)));
    ok = wasm_v128_and(ok, wasm_v128_and(wasm_f32x4_ge(d, lo), wasm_f32x4_le(d, hi)));
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
