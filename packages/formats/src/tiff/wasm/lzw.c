// TIFF LZW decoder (see ../lzw.ts for the format and its JavaScript twin, lzwDecodeJs),
// compiled to WebAssembly by build.sh. No libc: the JavaScript side lays out the input, the
// output and the table in memory and passes byte offsets. It must return exactly what
// lzwDecodeJs returns (bytes and count), so the order of its checks follows that function.

typedef unsigned char u8;
typedef unsigned int u32;
typedef u8 v16 __attribute__((vector_size(16), aligned(1)));

#define CLEAR 256
#define EOI 257
#define FIRST 258
#define MAX_CODES 4096

// A code's string: where it lies (an address in the output, or for a literal in the
// literal bytes) and its length. Literals have entries too, so every code is one copy.
typedef struct {
  u32 ptr;
  u32 len;
} entry;

// Decodes n bytes at src into dst (cap bytes); returns the bytes written, or -1 for a code
// after Clear that is not a literal, -2 for a code beyond the table (the caller re-runs the
// JavaScript decoder for its message). `table` is scratch of MAX_CODES entries plus 272
// bytes (not a static array: with an imported memory that would ship as 32 KiB of zeros).
// The caller guarantees 4 zero bytes after src[n - 1] (codes are read from three bytes
// without a bounds check) and MAX_CODES + 32 writable bytes after dst[cap - 1]: strings are
// copied whole in 16-byte words, so they may run past cap (bytes never handed out).
__attribute__((export_name("lzw_decode"))) int lzw_decode(const u8 *src, u32 n, u8 *dst, u32 cap, u32 *table) {
  entry *e = (entry *)table;
  u8 *lit = (u8 *)(e + MAX_CODES);  // 256 bytes 0..255, then 16 readable bytes for the word copy
  for (u32 c = 0; c < 256; c++) {
    lit[c] = (u8)c;
    e[c].ptr = (u32)(lit + c);
    e[c].len = 1;
  }
  u32 endBits = n * 8;
  u32 bitPos = 0;
  u32 width = 9;
  u32 mask = 511;
  u32 tableSize = FIRST;
  u32 out = 0;
  u32 prevPos = 0;
  u32 prevLen = 0;
  u32 code;

#define READ_CODE()                                                                           \
  do {                                                                                        \
    if (bitPos + width > endBits) return (int)out; /* no EOI code: libtiff accepts that too */ \
    const u8 *p = src + (bitPos >> 3);                                                        \
    u32 word = ((u32)p[0] << 16) | ((u32)p[1] << 8) | p[2];                                   \
    code = (word >> (24 - width - (bitPos & 7))) & mask;                                      \
    bitPos += width;                                                                          \
  } while (0)

cleared:
  // At the start and after Clear the next code must be a literal, and it adds no entry;
  // the main loop then never asks whether there is a previous string.
  for (;;) {
    READ_CODE();
    if (code < 256) break;
    if (code == EOI) return (int)out;
    if (code != CLEAR) return -1;
    tableSize = FIRST;
    width = 9;
    mask = 511;
  }
  if (out >= cap) return (int)out;
  prevPos = out;
  prevLen = 1;
  dst[out++] = (u8)code;

  for (;;) {
    READ_CODE();
    if (__builtin_expect(code - CLEAR < 2, 0)) {
      if (code == EOI) return (int)out;
      tableSize = FIRST;
      width = 9;
      mask = 511;
      goto cleared;
    }
    // One 16-byte word covers most strings; the branch on a string's length would cost more
    // than the extra bytes (later strings overwrite them). Longer strings lie at least 16
    // bytes back, so word after word reads only bytes already written.
    u8 *d = dst + out;
    u32 len;
    if (__builtin_expect(code < tableSize, 1)) {
      const u8 *s = (const u8 *)e[code].ptr;
      len = e[code].len;
      if (out >= cap) return (int)out;
      *(v16 *)d = *(const v16 *)s;
      if (__builtin_expect(len > 16, 0))
        for (u32 k = 16; k < len; k += 16) *(v16 *)(d + k) = *(const v16 *)(s + k);
    } else if (code == tableSize) {
      // The code being defined: the previous string plus its own first byte, which the word
      // copy read before it was written.
      const u8 *s = dst + prevPos;
      len = prevLen + 1;
      if (out >= cap) return (int)out;
      *(v16 *)d = *(const v16 *)s;
      if (len > 16)
        for (u32 k = 16; k < len; k += 16) *(v16 *)(d + k) = *(const v16 *)(s + k);
      d[len - 1] = s[0];
    } else {
      return -2;
    }
    if (tableSize < MAX_CODES) {
      e[tableSize].ptr = (u32)(dst + prevPos);
      e[tableSize].len = prevLen + 1;
      tableSize++;
      if (tableSize >= mask && width < 12) {  // the early change, as libtiff writes it
        width++;
        mask = (1u << width) - 1;
      }
    }
    prevPos = out;
    prevLen = len;
    out += len;
    out = out > cap ? cap : out;
  }
}
