/* Character sets of EDI data and their conversion to UTF-8.
 *
 * EDIFACT names the repertoire in UNB S001 (UNOA...UNOY); X12 has no such
 * field and is treated as UTF-8. Output is always valid UTF-8, so a JSON
 * encoder can copy it after escaping: bytes that are not valid in the
 * declared set are replaced by U+FFFD, never passed through. */
#ifndef EDISENSOR_CHARSET_H
#define EDISENSOR_CHARSET_H
#include <stddef.h>
#include <stdint.h>

enum charset {
	CHARSET_UTF8 = 0,     /* UNOW, UNOY: UTF-8, invalid bytes replaced */
	CHARSET_ASCII,        /* UNOA, UNOB (ISO 646), X12, unknown: valid UTF-8
				 sequences kept, other bytes >= 0x80 read as ISO 8859-1 */
	CHARSET_LATIN1,       /* UNOC: ISO 8859-1 */
	CHARSET_LATIN2,       /* UNOD: ISO 8859-2 */
	CHARSET_CYRILLIC,     /* UNOE: ISO 8859-5 */
	CHARSET_GREEK,        /* UNOF: ISO 8859-7 */
	CHARSET_MAX,
};

/* Character set named by an UNB S001 syntax identifier ("UNOC"). Unknown
 * or empty identifiers (NULL too) give the lenient CHARSET_ASCII. */
enum charset charset_from_syntax_id(const char *syntax_id);

/* Short name for records and logs ("ISO-8859-1", "UTF-8"...). */
const char *charset_name(enum charset cs);

/* Converts n bytes of text in charset cs to UTF-8. Writes at most cap-1
 * bytes and a NUL (cap > 0), never splitting a character; returns the
 * number of bytes written (without the NUL). *replaced, when not NULL,
 * is increased by the number of U+FFFD substitutions. Worst case output
 * is 3 bytes per input byte. */
size_t charset_to_utf8(enum charset cs, const uint8_t *in, size_t n,
		       char *out, size_t cap, unsigned *replaced);

#endif
