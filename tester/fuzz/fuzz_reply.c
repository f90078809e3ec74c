/* libFuzzer target: the SMTP/POP3 reply reader fed in arbitrary chunks.
 * Byte 0 picks the protocol and POP3 multi-line mode, byte 1 the chunk
 * size, so the fuzzer explores split points as well as content. */
#include <stddef.h>
#include <stdint.h>

#include "mailspec/reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2)
    return 0;
  uint8_t flags = data[0];
  enum ms_protocol proto = (data[0] & 1) ? MS_PROTO_POP3 : MS_PROTO_SMTP;
  bool multi = data[0] & 2;
  size_t chunk = (size_t)data[1] % 64 + 1;
  data += 2, size -= 2;
  struct ms_reply_limits lim = {512, 64, 1u << 16};
  struct ms_reader *r = ms_reader_new(proto, (flags & 4) ? &lim : NULL);
  ms_reader_expect_multiline(r, multi);
  size_t off = 0;
  while (off < size) {
    size_t n = size - off < chunk ? size - off : chunk;
    size_t used = 0;
    enum ms_read_status st = ms_reader_feed(r, (const char *)data + off, n, &used);
    if (used > n)
      __builtin_trap(); /* the reader may never claim more than it got */
    off += used;
    if (st == MS_READ_DONE) {
      struct ms_reply rep = {0};
      ms_reader_take(r, &rep);
      ms_reply_free(&rep);
      ms_reader_expect_multiline(r, multi);
    } else if (st == MS_READ_ERROR) {
      break;
    } else if (used == 0 && n > 0) {
      __builtin_trap(); /* MORE without consuming anything: would hang */
    }
  }
  if (ms_reader_eof(r) == MS_READ_DONE) {
    struct ms_reply rep = {0};
    ms_reader_take(r, &rep);
    ms_reply_free(&rep);
  }
  ms_reader_free(r);
  return 0;
}
