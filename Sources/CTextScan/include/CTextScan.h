#ifndef SECUREMAIL_CTEXTSCAN_H
#define SECUREMAIL_CTEXTSCAN_H

#include <stddef.h>
#include <stdint.h>

/// The block scans below use the widest vectors the processor has: 32 bytes with AVX2, 16 with
/// SSE2 (every x86-64), else 8 in a 64-bit word; the base64 coders use AVX2 or none.
///
/// Makes the scans use `level` (0: 8-byte words, 1: SSE2, 2: AVX2), or the best the processor
/// supports when it supports less or `level` is negative; returns the level now in use. The
/// results are the same at every level: tests compare them.
int securemail_text_scan_use_level(int level);

/// The index of the first byte in bytes[from, count) that is an ASCII digit, or `count`:
/// text has long stretches without digits, and the identifier scan only needs to look around them.
size_t securemail_next_digit(const uint8_t *bytes, size_t count, size_t from);

/// The index of the first byte in bytes[from, count) that is an ASCII digit or starts a
/// sequence that is not well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
/// above U+10FFFF, no sequence cut off by `count`), or `count`. Well-formed sequences are
/// passed over, so one pass both validates the text, counts its scalars (added to `*scalars`
/// for the bytes before the index returned) and finds the next number in it.
size_t securemail_next_digit_validating(const uint8_t *bytes, size_t count, size_t from, size_t *scalars);

/// The number of bytes in bytes[0, count) that are not UTF-8 continuation bytes (10xxxxxx): in
/// well-formed text, the number of scalars.
size_t securemail_utf8_count_scalars(const uint8_t *bytes, size_t count);

/// The index of the first CR or LF in bytes[from, count) that is not part of a CR LF pair within
/// bytes[0, count): an LF at index 0 or after a byte other than CR, a CR before a byte other than
/// LF or at `count - 1`; or `count`. Text in the CR LF form is passed over in one scan, without
/// stopping at each line.
size_t securemail_next_bare_line_end(const uint8_t *bytes, size_t count, size_t from);

/// Writes the base64 (RFC 4648 alphabet) of `groups` 3-byte groups of `input` to `output`,
/// `4 * groups` characters without line breaks: with AVX2, eight groups at a time.
void securemail_base64_encode_groups(const uint8_t *input, size_t groups, uint8_t *output);

/// Decodes whole blocks of 32 characters of the standard base64 alphabet (no padding, line
/// breaks or anything else in them) from input[*read, count) into 24 bytes each at
/// output[*written...], and advances both; with AVX2 only, else it decodes nothing. Stops
/// before the first block that holds another byte: the caller's decoder takes it from there.
/// Every block is read before its bytes are written, so `output` may be `input`.
void securemail_base64_decode_blocks(const uint8_t *input, size_t count, size_t *read, uint8_t *output, size_t *written);

/// The length of the well-formed UTF-8 sequence (RFC 3629) that starts at bytes[index] and
/// ends before `count`: 1 for an ASCII byte, 2 to 4, or 0 when the bytes there are not one
/// (the ranges of the second byte are those of RFC 3629's table). Inline, so that Swift's
/// decoders inline it too.
static inline size_t securemail_utf8_sequence_length(const uint8_t *bytes, size_t count, size_t index) {
    if (index >= count) return 0;
    uint8_t lead = bytes[index];
    uint8_t low = 0x80, high = 0xBF;
    size_t length;
    if (lead < 0x80) {
        return 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0) low = 0xA0;
        if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0) low = 0x90;
        if (lead == 0xF4) high = 0x8F;
    } else {
        return 0;
    }
    if (count - index < length) return 0;
    if (bytes[index + 1] < low || bytes[index + 1] > high) return 0;
    for (size_t offset = 2; offset < length; offset++) {
        if ((bytes[index + offset] & 0xC0) != 0x80) return 0;
    }
    return length;
}

#endif
