#include <string.h>
#include "b64_decode.h"

void b64_dec_init(struct b64_dec *d)
{
	memset(d, 0, sizeof(*d));
}

/* Value + 1 of each base64 character, 0 for any other byte. */
static const uint8_t b64_table[256] = {
	['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6, ['G'] = 7,
	['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14,
	['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21,
	['V'] = 22, ['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26,
	['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32, ['g'] = 33,
	['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40,
	['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47,
	['v'] = 48, ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52,
	['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59,
	['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
};

static int b64_value(uint8_t c)
{
	return (int)b64_table[c] - 1;
}

/* Character d->chars sits at raw: a checkpoint unless it follows the
 * previous character directly. */
static void note_position(struct b64_dec *d, uint64_t raw)
{
	struct b64_checkpoint *cp;

	if (d->map_n && raw == d->next_raw)
		return;
	if (d->map_n == B64_MAP_SLOTS) {
		d->map_head = (d->map_head + 1) % B64_MAP_SLOTS;
		d->map_n--;
	}
	cp = &d->map[(d->map_head + d->map_n) % B64_MAP_SLOTS];
	cp->ch = d->chars;
	cp->raw = raw;
	d->map_n++;
}

static size_t take_char(struct b64_dec *d, int v, uint8_t *out)
{
	d->acc = d->acc << 6 | (uint32_t)v;
	d->chars++;
	if (++d->nchar < 4)
		return 0;
	out[0] = (uint8_t)(d->acc >> 16);
	out[1] = (uint8_t)(d->acc >> 8);
	out[2] = (uint8_t)d->acc;
	d->acc = 0;
	d->nchar = 0;
	d->out += 3;
	return 3;
}

size_t b64_dec_feed(struct b64_dec *d, uint64_t raw, const uint8_t *text, size_t n,
		    uint8_t *out)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = text[i];
		int v;

		if (c == '\r' || c == '\n')
			continue;
		if (c == '=' && !d->ended) {
			/* padding: the quantum's bytes, and the data ends */
			w += b64_dec_finish(d, out + w);
			d->ended = 1;
			continue;
		}
		v = b64_value(c);
		if (v < 0 || d->ended) {
			if (c != '=')
				d->invalid++;
			continue;
		}
		note_position(d, raw + i);
		d->next_raw = raw + i + 1;
		w += take_char(d, v, out + w);
	}
	return w;
}

size_t b64_dec_finish(struct b64_dec *d, uint8_t *out)
{
	size_t w = 0;

	if (d->nchar == 1)
		d->invalid++;
	if (d->nchar >= 2)
		out[w++] = (uint8_t)(d->acc >> (6 * d->nchar - 8));
	if (d->nchar == 3)
		out[w++] = (uint8_t)(d->acc >> 2);
	d->out += w;
	d->acc = 0;
	d->nchar = 0;
	return w;
}

uint64_t b64_dec_raw_of(struct b64_dec *d, uint64_t k)
{
	uint64_t ch = k / 3 * 4 + k % 3;

	if (!d->map_n)
		return 0;
	/* newest first: the bytes asked for are recent */
	for (unsigned i = d->map_n; i-- > 0;) {
		const struct b64_checkpoint *cp = &d->map[(d->map_head + i) % B64_MAP_SLOTS];

		if (cp->ch <= ch)
			return cp->raw + (ch - cp->ch);
	}
	d->map_misses++;
	return d->map[d->map_head].raw;
}
