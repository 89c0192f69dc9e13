#include "CTextScan.h"

#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

enum { LEVEL_PORTABLE = 0, LEVEL_SSE2 = 1, LEVEL_AVX2 = 2 };

/// The level in use: -1 until the first scan asks the processor.
static int active_level = -1;

static int supported_level(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? LEVEL_AVX2 : LEVEL_SSE2;
#else
    return LEVEL_PORTABLE;
#endif
}

int securemail_text_scan_use_level(int level) {
    int supported = supported_level();
    int chosen = level < 0 || level > supported ? supported : level;
    __atomic_store_n(&active_level, chosen, __ATOMIC_RELAXED);
    return chosen;
}

static inline int current_level(void) {
    int level = __atomic_load_n(&active_level, __ATOMIC_RELAXED);
    return level >= 0 ? level : securemail_text_scan_use_level(-1);
}

static inline int is_ascii_digit(uint8_t byte) {
    return (uint8_t)(byte - '0') < 10;
}

// The block scans below all use the same byte tests, on 8, 16 or 32 bytes at once:
// - a digit: adding 0x50 maps '0'...'9' to 0x80...0x89, the only bytes then below -118 as signed;
// - a lead of a two-byte sequence, 0xC2...0xDF: adding 0x80 - 0xC2 maps them to -128...-99;
// - a continuation byte: 10xxxxxx.
// A block that holds nothing the caller must look at is passed over whole.

/// Eight bytes at a time, on any processor: the index of the first word from `index` that holds
/// a digit, or (with `stop_at_non_ascii`) a byte with the high bit set. Bytes with the high bit set
/// may report a false digit, which the caller's byte loop then rejects.
static inline size_t skip_plain_portable(const uint8_t *bytes, size_t count, size_t index, int stop_at_non_ascii) {
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    const uint64_t high_bits = stop_at_non_ascii ? highs : 0;
    while (index + 8 <= count) {
        uint64_t word;
        memcpy(&word, bytes + index, 8);
        uint64_t shifted = word ^ (ones * '0');
        if ((((shifted - ones * 10) & ~shifted) | (word & high_bits)) & highs) break;
        index += 8;
    }
    return index;
}

/// Whether the CR or LF at `index` breaks the CR LF form: an LF without a CR just before it (or at
/// the start), a CR without an LF just after it (or at the end).
static inline int is_bare_line_end(const uint8_t *bytes, size_t count, size_t index) {
    uint8_t byte = bytes[index];
    if (byte == '\n') return index == 0 || bytes[index - 1] != '\r';
    if (byte == '\r') return index + 1 == count || bytes[index + 1] != '\n';
    return 0;
}

/// Eight bytes at a time, on any processor: the index of the first word from `index` that holds a
/// CR or an LF.
static inline size_t skip_line_free_portable(const uint8_t *bytes, size_t count, size_t index) {
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    while (index + 8 <= count) {
        uint64_t word;
        memcpy(&word, bytes + index, 8);
        uint64_t carriage_returns = word ^ (ones * '\r'), line_feeds = word ^ (ones * '\n');
        if ((((carriage_returns - ones) & ~carriage_returns) | ((line_feeds - ones) & ~line_feeds)) & highs) break;
        index += 8;
    }
    return index;
}

static const uint8_t base64_alphabet[64] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static inline void encode_base64_portable(const uint8_t *input, size_t groups, uint8_t *output) {
    for (size_t group = 0; group < groups; group++, input += 3, output += 4) {
        uint32_t value = (uint32_t)input[0] << 16 | (uint32_t)input[1] << 8 | input[2];
        output[0] = base64_alphabet[value >> 18];
        output[1] = base64_alphabet[value >> 12 & 63];
        output[2] = base64_alphabet[value >> 6 & 63];
        output[3] = base64_alphabet[value & 63];
    }
}

#if defined(__x86_64__)
static inline size_t skip_digitless_sse2(const uint8_t *bytes, size_t count, size_t index) {
    const __m128i shift = _mm_set1_epi8((char)0x50);
    const __m128i digit_limit = _mm_set1_epi8((char)-118);
    while (index + 16 <= count) {
        __m128i block = _mm_loadu_si128((const __m128i *)(bytes + index));
        unsigned digits = (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(_mm_add_epi8(block, shift), digit_limit));
        if (digits) return index + (size_t)__builtin_ctz(digits);
        index += 16;
    }
    return index;
}

__attribute__((target("avx2")))
static size_t skip_digitless_avx2(const uint8_t *bytes, size_t count, size_t index) {
    const __m256i shift = _mm256_set1_epi8((char)0x50);
    const __m256i digit_limit = _mm256_set1_epi8((char)-118);
    while (index + 32 <= count) {
        __m256i block = _mm256_loadu_si256((const __m256i *)(bytes + index));
        unsigned digits = (unsigned)_mm256_movemask_epi8(_mm256_cmpgt_epi8(digit_limit, _mm256_add_epi8(block, shift)));
        if (digits) return index + (size_t)__builtin_ctz(digits);
        index += 32;
    }
    return index;
}

/// One block of `width` bytes at `*index` for the two-byte scans below, given its masks (bit i
/// for byte i): digits, bytes with the high bit set, leads of two-byte sequences (0xC2...0xDF),
/// continuation bytes. Returns 1 when the scan stops, with `*index` where the caller goes on:
/// the first digit; in a block that holds anything else (a longer sequence, a malformed one),
/// its first digit or byte that is not ASCII. Else passes over the block, adding its scalars.
///
/// Every byte that is not ASCII must be a lead or the continuation right after one. This has no
/// branches but the one that stops, and the caller always moves a whole block on, so that the
/// next load waits for nothing: text with a letter outside ASCII every few words (æ, ø, å, ä,
/// ö: most of what is not ASCII in Nordic text) would otherwise mispredict or stall.
static inline int two_byte_block(uint32_t digits, uint32_t high, uint32_t leads, uint32_t continuations,
                                 unsigned width, uint32_t *carry, size_t *index, size_t *scalars) {
    uint32_t expected = (leads << 1) | *carry;
    if (width < 32) expected &= (1u << width) - 1;
    uint32_t malformed = (high ^ (leads | expected)) | (continuations ^ expected);
    if (malformed | digits) {
        // A lead just before this block goes back to the caller's decoder with what follows
        // (and is counted there).
        if (*carry) {
            *scalars -= 1;
            *index -= 1;
            return 1;
        }
        unsigned stop = (unsigned)__builtin_ctz(malformed ? (high | digits) : digits);
        *scalars += stop - (unsigned)__builtin_popcount(continuations & ((1u << stop) - 1));
        *index += stop;
        return 1;
    }
    *scalars += width - (unsigned)__builtin_popcount(continuations);
    *carry = leads >> (width - 1);
    *index += width;
    return 0;
}

/// The end of a two-byte scan that ran out of whole blocks: a lead in the last byte goes back to the caller.
static inline size_t two_byte_scan_end(size_t index, uint32_t carry, size_t *scalars) {
    if (carry) *scalars -= 1;
    return index - carry;
}

/// Passes over the blocks of sixteen bytes from `index` that `two_byte_block` passes over;
/// returns where it stopped or the first byte after the last whole block.
static inline size_t skip_two_byte_sse2(const uint8_t *bytes, size_t count, size_t index, size_t *scalars) {
    const __m128i shift = _mm_set1_epi8((char)0x50);
    const __m128i digit_limit = _mm_set1_epi8((char)-118);
    const __m128i lead_shift = _mm_set1_epi8((char)(0x80 - 0xC2));
    const __m128i lead_limit = _mm_set1_epi8((char)(-128 + 0x1E));
    const __m128i continuation_bits = _mm_set1_epi8((char)0xC0);
    const __m128i continuation_value = _mm_set1_epi8((char)0x80);
    uint32_t carry = 0;
    while (index + 16 <= count) {
        __m128i block = _mm_loadu_si128((const __m128i *)(bytes + index));
        uint32_t digits = (uint32_t)_mm_movemask_epi8(_mm_cmplt_epi8(_mm_add_epi8(block, shift), digit_limit));
        uint32_t high = (uint32_t)_mm_movemask_epi8(block);
        uint32_t leads = (uint32_t)_mm_movemask_epi8(_mm_cmplt_epi8(_mm_add_epi8(block, lead_shift), lead_limit));
        uint32_t continuations = (uint32_t)_mm_movemask_epi8(
            _mm_cmpeq_epi8(_mm_and_si128(block, continuation_bits), continuation_value));
        if (two_byte_block(digits, high, leads, continuations, 16, &carry, &index, scalars)) return index;
    }
    return two_byte_scan_end(index, carry, scalars);
}

/// `skip_two_byte_sse2` on 32 bytes at a time.
__attribute__((target("avx2,popcnt")))
static size_t skip_two_byte_avx2(const uint8_t *bytes, size_t count, size_t index, size_t *scalars) {
    const __m256i shift = _mm256_set1_epi8((char)0x50);
    const __m256i digit_limit = _mm256_set1_epi8((char)-118);
    const __m256i lead_shift = _mm256_set1_epi8((char)(0x80 - 0xC2));
    const __m256i lead_limit = _mm256_set1_epi8((char)(-128 + 0x1E));
    const __m256i continuation_bits = _mm256_set1_epi8((char)0xC0);
    const __m256i continuation_value = _mm256_set1_epi8((char)0x80);
    uint32_t carry = 0;
    while (index + 32 <= count) {
        __m256i block = _mm256_loadu_si256((const __m256i *)(bytes + index));
        uint32_t digits = (uint32_t)_mm256_movemask_epi8(_mm256_cmpgt_epi8(digit_limit, _mm256_add_epi8(block, shift)));
        uint32_t high = (uint32_t)_mm256_movemask_epi8(block);
        uint32_t leads = (uint32_t)_mm256_movemask_epi8(_mm256_cmpgt_epi8(lead_limit, _mm256_add_epi8(block, lead_shift)));
        uint32_t continuations = (uint32_t)_mm256_movemask_epi8(
            _mm256_cmpeq_epi8(_mm256_and_si256(block, continuation_bits), continuation_value));
        if (two_byte_block(digits, high, leads, continuations, 32, &carry, &index, scalars)) return index;
    }
    return two_byte_scan_end(index, carry, scalars);
}

// The canonical scans compare each block with itself one byte earlier and one byte later (three
// overlapping loads), so a CR LF pair that straddles two blocks needs no carry between them. They
// need a byte before the block and one after it: `index` at least 1, and 1 + width bytes left.

static inline size_t skip_canonical_sse2(const uint8_t *bytes, size_t count, size_t index) {
    const __m128i carriage_return = _mm_set1_epi8('\r'), line_feed = _mm_set1_epi8('\n');
    while (index >= 1 && index + 17 <= count) {
        __m128i block = _mm_loadu_si128((const __m128i *)(bytes + index));
        __m128i before = _mm_loadu_si128((const __m128i *)(bytes + index - 1));
        __m128i after = _mm_loadu_si128((const __m128i *)(bytes + index + 1));
        uint32_t bare_line_feeds = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(block, line_feed))
            & ~(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(before, carriage_return));
        uint32_t bare_carriage_returns = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(block, carriage_return))
            & ~(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(after, line_feed));
        uint32_t bare = bare_line_feeds | bare_carriage_returns;
        if (bare) return index + (size_t)__builtin_ctz(bare);
        index += 16;
    }
    return index;
}

__attribute__((target("avx2")))
static size_t skip_canonical_avx2(const uint8_t *bytes, size_t count, size_t index) {
    const __m256i carriage_return = _mm256_set1_epi8('\r'), line_feed = _mm256_set1_epi8('\n');
    while (index >= 1 && index + 33 <= count) {
        __m256i block = _mm256_loadu_si256((const __m256i *)(bytes + index));
        __m256i before = _mm256_loadu_si256((const __m256i *)(bytes + index - 1));
        __m256i after = _mm256_loadu_si256((const __m256i *)(bytes + index + 1));
        uint32_t bare_line_feeds = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(block, line_feed))
            & ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(before, carriage_return));
        uint32_t bare_carriage_returns = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(block, carriage_return))
            & ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(after, line_feed));
        uint32_t bare = bare_line_feeds | bare_carriage_returns;
        if (bare) return index + (size_t)__builtin_ctz(bare);
        index += 32;
    }
    return index;
}

/// Eight 3-byte groups at a time (W. Muła and D. Lemire, "Faster Base64 Encoding and Decoding
/// Using AVX2 Instructions", 2018): each 128-bit lane takes 12 bytes, spreads each group's 24 bits
/// over four bytes as 6-bit values, and turns those into characters by adding an offset chosen by
/// the value's range. A lane loads 16 bytes for its 12, so a step needs 28 readable bytes: it runs
/// while at least ten groups are left. Returns the groups encoded.
__attribute__((target("avx2")))
static size_t encode_base64_avx2(const uint8_t *input, size_t groups, uint8_t *output) {
    const __m256i spread = _mm256_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10,
                                            1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
    const __m256i offsets = _mm256_setr_epi8('a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
                                             '0' - 52, '0' - 52, '0' - 52, '+' - 62, '/' - 63, 'A', 0, 0,
                                             'a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
                                             '0' - 52, '0' - 52, '0' - 52, '+' - 62, '/' - 63, 'A', 0, 0);
    size_t done = 0;
    for (; groups - done >= 10; done += 8) {
        const uint8_t *bytes = input + done * 3;
        __m128i low = _mm_loadu_si128((const __m128i *)bytes);
        __m128i high = _mm_loadu_si128((const __m128i *)(bytes + 12));
        __m256i block = _mm256_shuffle_epi8(_mm256_inserti128_si256(_mm256_castsi128_si256(low), high, 1), spread);
        __m256i upper = _mm256_mulhi_epu16(_mm256_and_si256(block, _mm256_set1_epi32(0x0FC0FC00)), _mm256_set1_epi32(0x04000040));
        __m256i lower = _mm256_mullo_epi16(_mm256_and_si256(block, _mm256_set1_epi32(0x003F03F0)), _mm256_set1_epi32(0x01000010));
        __m256i values = _mm256_or_si256(upper, lower);
        // The offset's index: 0 for a-z (26...51), 1...10 for 0-9, 11 for +, 12 for /, 13 for A-Z.
        __m256i range = _mm256_subs_epu8(values, _mm256_set1_epi8(51));
        __m256i capitals = _mm256_cmpgt_epi8(_mm256_set1_epi8(26), values);
        range = _mm256_or_si256(range, _mm256_and_si256(capitals, _mm256_set1_epi8(13)));
        __m256i characters = _mm256_add_epi8(_mm256_shuffle_epi8(offsets, range), values);
        _mm256_storeu_si256((__m256i *)(output + done * 4), characters);
    }
    return done;
}

/// Blocks of 32 base64 characters into 24 bytes (W. Muła and D. Lemire, as above): each
/// character's class comes from two table look-ups by its nibbles, which also flag anything outside
/// the standard alphabet (line breaks, padding, base64url letters, garbage), and an offset by class
/// turns it into its 6-bit value; two multiply-adds gather four values into three bytes. Stops
/// before the first block that holds anything else, for the caller's byte-by-byte decoder. Each
/// block is read whole before its 24 bytes are written, so decoding in place is safe.
__attribute__((target("avx2")))
static void decode_base64_avx2(const uint8_t *input, size_t count, size_t *read, uint8_t *output, size_t *written) {
    const __m256i low_classes = _mm256_setr_epi8(0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A,
                                                 0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A);
    const __m256i high_classes = _mm256_setr_epi8(0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
                                                  0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10);
    const __m256i offsets = _mm256_setr_epi8(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0,
                                             0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
    // 0x2F is '/', the one character whose offset its high nibble does not settle, and as a mask it
    // keeps a nibble (the look-ups ignore bit 5).
    const __m256i slash = _mm256_set1_epi8(0x2F);
    const __m256i gather = _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,
                                            2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
    size_t in = *read, out = *written;
    while (in + 32 <= count) {
        __m256i characters = _mm256_loadu_si256((const __m256i *)(input + in));
        __m256i high_nibbles = _mm256_and_si256(_mm256_srli_epi32(characters, 4), slash);
        __m256i low = _mm256_shuffle_epi8(low_classes, _mm256_and_si256(characters, slash));
        __m256i high = _mm256_shuffle_epi8(high_classes, high_nibbles);
        if (!_mm256_testz_si256(low, high)) break;
        __m256i roll = _mm256_shuffle_epi8(offsets, _mm256_add_epi8(_mm256_cmpeq_epi8(characters, slash), high_nibbles));
        __m256i values = _mm256_add_epi8(characters, roll);
        __m256i pairs = _mm256_maddubs_epi16(values, _mm256_set1_epi32(0x01400140));
        __m256i groups = _mm256_shuffle_epi8(_mm256_madd_epi16(pairs, _mm256_set1_epi32(0x00011000)), gather);
        __m256i bytes = _mm256_permutevar8x32_epi32(groups, _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7));
        _mm_storeu_si128((__m128i *)(output + out), _mm256_castsi256_si128(bytes));
        _mm_storel_epi64((__m128i *)(output + out + 16), _mm256_extracti128_si256(bytes, 1));
        in += 32;
        out += 24;
    }
    *read = in;
    *written = out;
}
#endif

size_t securemail_next_digit(const uint8_t *bytes, size_t count, size_t from) {
    int level = current_level();
    size_t index = from;
    while (index < count) {
#if defined(__x86_64__)
        if (level == LEVEL_AVX2) {
            index = skip_digitless_avx2(bytes, count, index);
        } else if (level == LEVEL_SSE2) {
            index = skip_digitless_sse2(bytes, count, index);
        } else {
            index = skip_plain_portable(bytes, count, index, 0);
        }
#else
        (void)level;
        index = skip_plain_portable(bytes, count, index, 0);
#endif
        // What no whole block covers (or the word the portable scan stopped at), byte by byte.
        size_t stop = count - index > 32 ? index + 32 : count;
        for (; index < stop; index++) {
            if (is_ascii_digit(bytes[index])) return index;
        }
    }
    return count;
}

size_t securemail_utf8_count_scalars(const uint8_t *bytes, size_t count) {
    size_t index = 0, continuations = 0;
#if defined(__x86_64__)
    const __m128i continuation_bits = _mm_set1_epi8((char)0xC0);
    const __m128i continuation_value = _mm_set1_epi8((char)0x80);
    for (; index + 16 <= count; index += 16) {
        __m128i block = _mm_loadu_si128((const __m128i *)(bytes + index));
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(block, continuation_bits), continuation_value));
        continuations += (size_t)__builtin_popcount(mask);
    }
#endif
    for (; index < count; index++) {
        continuations += (bytes[index] & 0xC0) == 0x80;
    }
    return count - continuations;
}

size_t securemail_next_digit_validating(const uint8_t *bytes, size_t count, size_t from, size_t *scalars) {
    int level = current_level();
    size_t index = from;
    while (index < count) {
#if defined(__x86_64__)
        if (level == LEVEL_AVX2) {
            index = skip_two_byte_avx2(bytes, count, index, scalars);
        } else if (level == LEVEL_SSE2) {
            index = skip_two_byte_sse2(bytes, count, index, scalars);
        } else {
            size_t skipped = skip_plain_portable(bytes, count, index, 1);
            *scalars += skipped - index;
            index = skipped;
        }
#else
        (void)level;
        size_t skipped = skip_plain_portable(bytes, count, index, 1);
        *scalars += skipped - index;
        index = skipped;
#endif
        if (index >= count) break;
        uint8_t byte = bytes[index];
        if (byte < 0x80) {
            if (is_ascii_digit(byte)) return index;
            index += 1;
            *scalars += 1;
            continue;
        }
        size_t length = securemail_utf8_sequence_length(bytes, count, index);
        if (length == 0) return index;
        index += length;
        *scalars += 1;
    }
    return count;
}

size_t securemail_next_bare_line_end(const uint8_t *bytes, size_t count, size_t from) {
    int level = current_level();
    size_t index = from;
    while (index < count) {
#if defined(__x86_64__)
        if (level == LEVEL_AVX2) {
            index = skip_canonical_avx2(bytes, count, index);
        } else if (level == LEVEL_SSE2) {
            index = skip_canonical_sse2(bytes, count, index);
        } else {
            index = skip_line_free_portable(bytes, count, index);
        }
#else
        (void)level;
        index = skip_line_free_portable(bytes, count, index);
#endif
        // What no whole block covers (the first byte, the last 33, the word the portable scan
        // stopped at), byte by byte.
        size_t stop = count - index > 33 ? index + 33 : count;
        for (; index < stop; index++) {
            if (is_bare_line_end(bytes, count, index)) return index;
        }
    }
    return count;
}

void securemail_base64_encode_groups(const uint8_t *input, size_t groups, uint8_t *output) {
    size_t done = 0;
#if defined(__x86_64__)
    if (current_level() == LEVEL_AVX2) done = encode_base64_avx2(input, groups, output);
#endif
    encode_base64_portable(input + done * 3, groups - done, output + done * 4);
}

void securemail_base64_decode_blocks(const uint8_t *input, size_t count, size_t *read, uint8_t *output, size_t *written) {
#if defined(__x86_64__)
    if (current_level() == LEVEL_AVX2) decode_base64_avx2(input, count, read, output, written);
#else
    (void)input, (void)count, (void)read, (void)output, (void)written;
#endif
}
