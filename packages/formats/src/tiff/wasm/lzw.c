// TIFF LZW decoder (see ../lzw.ts for the format and the JavaScript twin), compiled to
// WebAssembly by build.sh. No libc: the JavaScript side lays out the input and output in
// memory and passes byte offsets. It must give exactly what lzwDecode gives, so the
// control flow mirrors it step for step; only the copies are wider.

typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef u8 v16 __attribute__((vector_size(16), aligned(1)));
typedef u64 u64u __attribute__((aligned(1)));

#define CLEAR 256
#define EOI 257
#define FIRST 258
#define MAX_CODES 4096

// Decodes n bytes at src into dst (cap bytes), with `table` (2 * MAX_CODES words, any
// contents) for where each code's string already lies in the output and its length. (The
// table is not a static array: with an imported memory that would be shipped as 32 KiB of
// zeros.) Returns the bytes written, or -1 for a code
// after Clear that is not a literal, -2 for a code beyond the table (the caller re-runs the
// JavaScript decoder for its message). The caller guarantees 4 zero bytes after src[n - 1]
// and MAX_CODES + 32 writable bytes after dst[cap - 1]: codes are read from three bytes
// without a bounds check, and strings are copied in whole 8 or 16-byte words, so they may
// run past cap (those bytes are never handed out).
__attribute__((export_name("lzw_decode"))) int lzw_decode(const u8 *src, u32 n, u8 *dst, u32 cap, u32 *table) {
  u32 *pos = table;
  u32 *lens = table + MAX_CODES;
  u32 endBits = n * 8;
  u32 bitPos = 0;
  u32 width = 9;
  u32 mask = 511;
  u32 tableSize = FIRST;
  u32 out = 0;
  int havePrev = 0;
  u32 prevPos = 0;
  u32 prevLen = 0;

  for (;;) {
    if (bitPos + width > endBits) return (int)out; // the data ended without an EOI code, which libtiff also accepts
    const u8 *p = src + (bitPos >> 3);
    u32 word = ((u32)p[0] << 16) | ((u32)p[1] << 8) | p[2];
    u32 code = (word >> (24 - width - (bitPos & 7))) & mask;
    bitPos += width;

    u32 from, len;
    if (code < 256) {
      if (out >= cap) return (int)out;
      if (havePrev && tableSize < MAX_CODES) {
        pos[tableSize] = prevPos;
        lens[tableSize] = prevLen + 1;
        tableSize++;
        if (tableSize >= mask && width < 12) {
          width++;
          mask = (1u << width) - 1;
        }
      }
      havePrev = 1;
      prevPos = out;
      prevLen = 1;
      dst[out++] = (u8)code;
      continue;
    }
    if (code == CLEAR) {
      tableSize = FIRST;
      width = 9;
      mask = 511;
      havePrev = 0;
      continue;
    } else if (code == EOI) {
      return (int)out;
    } else if (!havePrev) {
      return -1;
    } else if (code < tableSize) {
      from = pos[code];
      len = lens[code];
    } else if (code == tableSize) {
      from = prevPos;
      len = prevLen + 1;
    } else {
      return -2;
    }
    if (out >= cap) return (int)out;

    // The string lies in the output before `out`, except for the code being defined, whose
    // last byte is the string's own first byte (at `out`): copy all of it as words, then
    // redo the last byte once the first is in place. Bytes past the string are overwritten
    // by the next one.
    u8 *d = dst + out;
    const u8 *s = dst + from;
    if (len <= 8) {
      *(u64u *)d = *(const u64u *)s;
    } else if (len <= 16) {
      *(v16 *)d = *(const v16 *)s;
    } else {
      // out - from >= len - 1 >= 16, so each 16-byte word reads only bytes already written.
      for (u32 k = 0; k < len; k += 16) *(v16 *)(d + k) = *(const v16 *)(s + k);
    }
    d[len - 1] = s[len - 1];
    u32 start = out;
    out += len;
    if (out > cap) out = cap;

    if (tableSize < MAX_CODES) {
      pos[tableSize] = prevPos;
      lens[tableSize] = prevLen + 1;
      tableSize++;
      if (tableSize >= mask && width < 12) {
        width++;
        mask = (1u << width) - 1;
      }
    }
    prevPos = start;
    prevLen = len;
  }
}
