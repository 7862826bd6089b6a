/* Test helper: bytes as base64 text, CRLF after every `line` characters
 * (0: one line) and at the end, as AS2/MIME senders write it. */
#ifndef EDISENSOR_TEST_B64_TEXT_H
#define EDISENSOR_TEST_B64_TEXT_H
#include <stddef.h>
#include <stdint.h>
#include "edi_streams.h"

/* A small CUSCAR interchange (UNA, release character) the base64 tests
 * encode. */
static const char B64_TEST_STREAM[] = EDI_STREAM_CUSCAR_SHORT;
#define B64_TEST_STREAM_LEN (sizeof(B64_TEST_STREAM) - 1)

/* Characters b64_text() writes for n bytes: at most this many. */
#define B64_TEXT_MAX(n) (((n) + 2) / 3 * 12 + 2)

static inline size_t b64_text(const uint8_t *src, size_t n, char *out, unsigned line)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t w = 0, col = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t q = (uint32_t)src[i] << 16;
		char c[4];

		if (i + 1 < n)
			q |= (uint32_t)src[i + 1] << 8;
		if (i + 2 < n)
			q |= src[i + 2];
		c[0] = abc[q >> 18];
		c[1] = abc[q >> 12 & 63];
		c[2] = i + 1 < n ? abc[q >> 6 & 63] : '=';
		c[3] = i + 2 < n ? abc[q & 63] : '=';
		for (int k = 0; k < 4; k++) {
			out[w++] = c[k];
			if (line && ++col == line) {
				out[w++] = '\r';
				out[w++] = '\n';
				col = 0;
			}
		}
	}
	if (!line || col) {
		out[w++] = '\r';
		out[w++] = '\n';
	}
	return w;
}

#endif
