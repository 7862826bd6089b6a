/*
 * Streaming base64 decoder for bodies the kernel forwards as ES_EV_B64
 * text (AS2 / MIME, Content-Transfer-Encoding: base64): text in pieces of
 * any size at their stream offsets, CR/LF ignored, anything else outside
 * the alphabet counted and skipped, '=' ends the data. It also remembers
 * where each character was in the stream, so a decoded byte can be given
 * the offset of the first character that carries its bits
 * (b64_dec_raw_of()): the stream offset of a segment found in decoded data.
 * Bounded: a fixed ring of offset checkpoints, no allocation.
 */
#ifndef EDISENSOR_B64_DECODE_H
#define EDISENSOR_B64_DECODE_H
#include <stddef.h>
#include <stdint.h>

/* Offset checkpoints kept: one per place where the text is not contiguous
 * in the stream (a line break, a piece that starts elsewhere), so 512
 * cover ~29 KB of decoded data in 76-character lines back from the newest
 * character: more than a segment spans (the scanner gives up on a
 * "segment" at 16 KB, ES_SEG_LIMIT). */
#define B64_MAP_SLOTS 512

struct b64_checkpoint {
	uint64_t ch;            /* index of a character among the body's characters */
	uint64_t raw;           /* its stream offset */
};

struct b64_dec {
	uint32_t acc;           /* bits of the quantum in progress */
	uint8_t nchar;          /* its characters so far, 0..3 */
	uint8_t ended;          /* '=' seen: later characters are invalid */
	uint64_t chars;         /* alphabet characters taken */
	uint64_t out;           /* bytes decoded */
	uint64_t next_raw;      /* stream offset right after the last character */
	uint64_t invalid;       /* bytes skipped: not base64, not CR/LF, or after '=' */
	uint64_t map_misses;    /* raw_of() for a byte older than the checkpoints */
	unsigned map_head, map_n;
	struct b64_checkpoint map[B64_MAP_SLOTS];
};

void b64_dec_init(struct b64_dec *d);

/* Worst-case bytes decoded from n characters (b64_dec_feed's out room). */
#define B64_DEC_ROOM(n) (((n) / 4 + 1) * 3)

/* Decodes text[0..n), whose first byte is at stream offset raw, into out
 * (room for B64_DEC_ROOM(n) bytes). Returns the bytes written. */
size_t b64_dec_feed(struct b64_dec *d, uint64_t raw, const uint8_t *text, size_t n,
		    uint8_t *out);

/* End of the text: a quantum of two or three characters gives its one or
 * two bytes (missing padding tolerated), one character is invalid. Returns
 * the bytes written into out (room for 2). */
size_t b64_dec_finish(struct b64_dec *d, uint8_t *out);

/* Stream offset of the first character carrying bits of decoded byte k
 * (byte 3q+i of the body is in characters 4q+i and 4q+i+1). */
uint64_t b64_dec_raw_of(struct b64_dec *d, uint64_t k);

#endif
