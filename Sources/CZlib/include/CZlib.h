#ifndef SECUREMAIL_CZLIB_H
#define SECUREMAIL_CZLIB_H

/* Input buffers are read-only: zlib declares next_in const with ZLIB_CONST. */
#define ZLIB_CONST
#include <zlib.h>

/// inflateInit2 is a macro that Swift cannot call; this passes the library version and the
/// z_stream size the way the macro does. windowBits: -15 raw DEFLATE, 15 zlib, 47 zlib or gzip.
int securemail_inflate_init(z_stream *stream, int window_bits);

#endif
