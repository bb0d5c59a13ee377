/*
 * A strict, fast XML element scanner for WebAssembly (built by build.sh).
 *
 * It accepts only a subset of what tokenizer.ts accepts: ASCII bytes, no comments or CDATA
 * or processing instructions inside the root, every element balanced. Anything else (and
 * every malformed input) makes it answer BAIL, and the caller reruns the JavaScript
 * tokenizer, which gives the located error or the rare construct's exact meaning. So what
 * it accepts must mean the same as in tokenizer.ts: see the checks named there.
 *
 * Output: one record of REC int32 per element, in document (opening) order:
 *   [0] parent record index (-1 for the root)
 *   [1] start of the local name (after the last ':' of the qualified name)
 *   [2] end of the name
 *   [3] end of the attribute text (the '>' or the '/' of '/>')
 *   [4] start of the character data (after the start tag's '>')
 *   [5] end of the character data ('<' of the end tag), or -1 when the element has child elements
 *   [6] FNV-1a hash of the local name
 *   [7] flags: 1 self-closing, 2 attributes match /\bnil\s*=\s*["']true["']/
 */

#define REC 8
#define MAX_DEPTH 256
#define BAIL (-1)
#define FULL (-2)

#include <wasm_simd128.h>

typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;

static int is_ws(u8 c) { return c == 32 || c == 10 || c == 13 || c == 9; }
static int is_re_ws(u8 c) { return c == 32 || (c >= 9 && c <= 13); }
static int is_word(u8 c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }
static int is_quote(u8 c) { return c == '"' || c == '\''; }

/* True when s[0..n) has a NUL or a byte >= 0x80 (binary data, or text the caller decodes itself). */
static int unusual_bytes(const u8 *s, int n) {
  int i = 0;
  v128_t acc = wasm_i8x16_splat(0);
  const v128_t zero = wasm_i8x16_splat(0);
  for (; i + 16 <= n; i += 16) {
    v128_t v = wasm_v128_load(s + i);
    acc = wasm_v128_or(acc, wasm_v128_or(v, wasm_i8x16_eq(v, zero)));
  }
  if (wasm_i8x16_bitmask(acc) != 0) return 1;
  for (; i < n; i++)
    if (s[i] == 0 || s[i] >= 0x80) return 1;
  return 0;
}

/* Index of the first `c` in s[p..n), or n. Reads up to 15 bytes past n (the caller pads the input). */
static int find(const u8 *s, int p, int n, u8 c) {
  const v128_t k = wasm_i8x16_splat((char)c);
  for (; p < n; p += 16) {
    int m = wasm_i8x16_bitmask(wasm_i8x16_eq(wasm_v128_load(s + p), k));
    if (m != 0) {
      p += __builtin_ctz(m);
      return p < n ? p : n;
    }
  }
  return n;
}

/* Index of the first '>', '"' or '\'' in s[p..n), or n (same padding as find). */
static int find_tag_end(const u8 *s, int p, int n) {
  const v128_t gt = wasm_i8x16_splat('>'), dq = wasm_i8x16_splat('"'), sq = wasm_i8x16_splat('\'');
  for (; p < n; p += 16) {
    v128_t v = wasm_v128_load(s + p);
    int m = wasm_i8x16_bitmask(wasm_v128_or(wasm_i8x16_eq(v, gt), wasm_v128_or(wasm_i8x16_eq(v, dq), wasm_i8x16_eq(v, sq))));
    if (m != 0) {
      p += __builtin_ctz(m);
      return p < n ? p : n;
    }
  }
  return n;
}

/* JavaScript's /\bnil\s*=\s*["']true["']/ on s[a..b) (ASCII only). */
static int has_nil(const u8 *s, int a, int b) {
  for (int p = find(s, a, b, 'n'); p + 3 <= b; p = find(s, p + 1, b, 'n')) {
    if (s[p + 1] != 'i' || s[p + 2] != 'l') continue;
    if (p > a && is_word(s[p - 1])) continue;
    int q = p + 3;
    while (q < b && is_re_ws(s[q])) q++;
    if (q >= b || s[q] != '=') continue;
    q++;
    while (q < b && is_re_ws(s[q])) q++;
    if (q + 6 > b || !is_quote(s[q]) || s[q + 1] != 't' || s[q + 2] != 'r' || s[q + 3] != 'u' || s[q + 4] != 'e' || !is_quote(s[q + 5])) continue;
    return 1;
  }
  return 0;
}

/*
 * Scan s[0..n), followed by 16 bytes of padding; write at most `cap` records to `out`. Returns the record count, BAIL, or
 * FULL when `cap` is too small.
 */
int scan(const u8 *s, int n, int *out, int cap) {
  int stack[MAX_DEPTH];
  int depth = 0, count = 0, saw_root = 0;
  if (n >= (1 << 23) || unusual_bytes(s, n)) return BAIL;
  int pos = 0;
  for (;;) {
    int lt = find(s, pos, n, '<');
    if (depth == 0) {
      for (int i = pos; i < lt; i++)
        if (!is_ws(s[i])) return BAIL; /* text outside the root */
    }
    if (lt >= n) break;
    if (lt + 1 >= n) return BAIL;
    u8 c1 = s[lt + 1];
    if (c1 == '?' || c1 == '!') {
      if (depth > 0) return BAIL;
      if (c1 == '?') {
        int e = lt + 2;
        for (; e + 1 < n; e++)
          if (s[e] == '?' && s[e + 1] == '>') break;
        if (e + 1 >= n) return BAIL;
        pos = e + 2;
      } else {
        if (lt + 4 > n || s[lt + 2] != '-' || s[lt + 3] != '-') return BAIL;
        int e = lt + 4;
        for (; e + 2 < n; e++)
          if (s[e] == '-' && s[e + 1] == '-' && s[e + 2] == '>') break;
        if (e + 2 >= n) return BAIL;
        pos = e + 3;
      }
      continue;
    }
    if (c1 == '/') {
      if (depth == 0) return BAIL;
      int r = stack[depth - 1];
      int *rec = out + r * REC;
      int qs = rec[7] >> 8; /* start of the qualified name, kept in the flags' high bits until the end */
      int len = rec[2] - qs;
      int after = lt + 2 + len;
      if (after >= n) return BAIL;
      for (int k = 0; k < len; k++)
        if (s[lt + 2 + k] != s[qs + k]) return BAIL;
      if (!(s[after] == '>' || is_ws(s[after]))) return BAIL;
      int gt = find(s, after, n, '>');
      if (gt >= n) return BAIL;
      if (rec[5] != -1) rec[5] = lt;
      depth--;
      pos = gt + 1;
      continue;
    }
    /* A start tag. */
    int i = lt + 1, colon = -1;
    u32 h = 2166136261u;
    for (; i < n; i++) {
      u8 c = s[i];
      if (c == ':') {
        colon = i;
        h = 2166136261u;
      } else if (c == 32 || c == 9 || c == 10 || c == 13 || c == '>' || c == '/') {
        break;
      } else {
        h = (h ^ c) * 16777619u;
      }
    }
    int name_end = i;
    if (name_end == lt + 1) return BAIL;
    for (;;) {
      i = find_tag_end(s, i, n);
      if (i >= n || s[i] == '>') break;
      int close = find(s, i + 1, n, s[i]);
      if (close >= n) return BAIL;
      i = close + 1;
    }
    if (i >= n) return BAIL;
    if (depth == 0 && saw_root) return BAIL;
    saw_root = 1;
    if (count >= cap) return FULL;
    int self = s[i - 1] == '/';
    if (depth > 0) out[stack[depth - 1] * REC + 5] = -1;
    int *rec = out + count * REC;
    rec[0] = depth > 0 ? stack[depth - 1] : -1;
    rec[1] = colon == -1 ? lt + 1 : colon + 1;
    rec[2] = name_end;
    rec[3] = self ? i - 1 : i;
    rec[4] = i + 1;
    rec[5] = i + 1; /* becomes the end tag's '<', or -1 once a child opens */
    rec[6] = (int)h;
    int attr_end = rec[3];
    rec[7] = self | (attr_end - name_end > 1 && has_nil(s, name_end, attr_end) ? 2 : 0) | ((lt + 1) << 8);
    if (!self) {
      if (depth >= MAX_DEPTH) return BAIL;
      stack[depth++] = count;
    }
    count++;
    pos = i + 1;
  }
  if (depth > 0 || !saw_root) return BAIL;
  for (int r = 0; r < count; r++) out[r * REC + 7] &= 255;
  return count;
}
