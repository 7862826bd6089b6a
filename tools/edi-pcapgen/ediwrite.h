/* Segment writer shared by the EDIFACT and X12 templates: separators,
 * release characters, character-set conversion, and the "what a parser will
 * extract" normalisation that the manifest records. */
#ifndef PCAPGEN_EDIWRITE_H
#define PCAPGEN_EDIWRITE_H
#include <stdbool.h>
#include <stddef.h>
#include "ebuf.h"

enum edi_charset {
	CS_UNOA,   /* upper-case ASCII subset */
	CS_UNOB,   /* ASCII */
	CS_UNOC,   /* ISO-8859-1 on the wire */
	CS_UNOY,   /* UTF-8 on the wire (syntax 4) */
};

struct edi_seps {
	char component;
	char element;
	char decimal;
	char release;     /* '\0' for X12: no release character */
	char repetition;  /* ' ' = reserved (EDIFACT syntax 3) */
	char terminator;
	const char *after;  /* written after each terminator: "\r\n", "\n", "" */
};

struct segw {
	struct ebuf *b;
	struct edi_seps seps;
	enum edi_charset cs;
	bool x12;
	unsigned segments;  /* segments written since the last segw_count_reset */
};

/* Normalise a UTF-8 value to what a correct parser extracts after this
 * writer has sent it: folded to ASCII for ASCII charsets, upper-cased for
 * UNOA, X12 separators removed (X12 has no release character). */
void segw_normalise(const struct segw *w, const char *in, char *out, size_t cap);
void segw_tag(struct segw *w, const char *tag);
/* Element separator, then the value (normalised and released). */
void segw_el(struct segw *w, const char *v);
/* Component separator, then the value. */
void segw_co(struct segw *w, const char *v);
/* Like segw_el / segw_co, and store the normalised value in out. */
void segw_el_keep(struct segw *w, const char *v, char *out, size_t cap);
void segw_co_keep(struct segw *w, const char *v, char *out, size_t cap);
/* Raw bytes, no release or conversion (used for fixed-width X12 ISA fields). */
void segw_raw(struct segw *w, const char *v);
void segw_end(struct segw *w);
/* A trailer segment: TAG, the count of what it closes, the control
 * reference of the header it matches (UNT/UNE/UNZ, SE/GE/IEA). */
void segw_trailer(struct segw *w, const char *tag, unsigned count, const char *ref);

#endif
