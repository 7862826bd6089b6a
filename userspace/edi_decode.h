/* Element decoder: one EDI segment's bytes -> tag, elements, repetitions,
 * components, as NUL-terminated UTF-8 strings.
 *
 * EDIFACT: the release character makes the next byte literal; the
 * repetition separator counts only when it is not a space (syntax 1-3
 * reserve that UNA position and send a space). X12: no release character.
 * ISA and UNA are not split into components (their separators are data).
 * Element and component numbers are 1-based as in the standards: for
 * "NAD+CN+ID:160" element 1 is "CN", element 2 component 2 is "160". */
#ifndef EDISENSOR_EDI_DECODE_H
#define EDISENSOR_EDI_DECODE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "edisensor.h"
#include "charset.h"

#define EDI_TAG_MAX     3     /* tag bytes kept: tags are 2-3 characters; tag[EDI_TAG_MAX + 1]
				 matches struct es_tag_key and sensor_bpf_set_tags() */
#define EDI_MAX_ELEMS   128
#define EDI_MAX_VALUES  512
/* Every input byte becomes at most 3 UTF-8 bytes, plus a NUL per value. */
#define EDI_TEXT_MAX    (3 * ES_SEG_MAX + EDI_MAX_VALUES + 8)

struct edi_syntax {
	struct es_seps seps;
	enum charset cs;
	bool use_repetition;   /* EDIFACT syntax 4 / X12 00402+: honour seps.repetition */
};

struct edi_value {
	uint16_t elem, rep, comp;   /* 1-based element, 0-based repetition, 1-based component */
	uint16_t off;               /* into edi_segment.text */
};

struct edi_segment {
	char tag[EDI_TAG_MAX + 1];
	unsigned n_elems;           /* data elements after the tag */
	unsigned n_values;
	bool overflow;              /* more elements/values than the limits: rest ignored */
	unsigned replaced;          /* characters replaced by U+FFFD */
	uint16_t elem_first[EDI_MAX_ELEMS + 2]; /* index of the first value of each element */
	struct edi_value v[EDI_MAX_VALUES];
	char text[EDI_TEXT_MAX];
};

/* Decodes len bytes (terminator optional, leading CR/LF skipped). Returns
 * 0, or -EINVAL when there is no tag. */
int edi_decode_segment(const uint8_t *data, size_t len,
		       const struct edi_syntax *syn, struct edi_segment *out);

/* Value of element elem, component comp (1-based), first repetition; ""
 * when absent. comp 0 means the element's components joined by one
 * space, skipping empty ones (written to the caller's buffer buf). */
const char *edi_value(const struct edi_segment *s, unsigned elem, unsigned comp);
const char *edi_value_rep(const struct edi_segment *s, unsigned elem,
			  unsigned rep, unsigned comp);
size_t edi_join_components(const struct edi_segment *s, unsigned elem,
			   const char *sep, char *buf, size_t cap);
/* True when any component of element elem (first repetition) is not empty. */
bool edi_element_has_value(const struct edi_segment *s, unsigned elem);
/* Number of repetitions of element elem (0 when absent). */
unsigned edi_repetitions(const struct edi_segment *s, unsigned elem);

/* The segment as UTF-8 text for evidence: leading CR/LF and the trailing
 * terminator removed. Returns the length written (NUL-terminated). */
size_t edi_segment_text(const uint8_t *data, size_t len,
			const struct edi_syntax *syn, char *out, size_t cap);

/* Tag of a raw segment (leading CR/LF skipped) into tag[EDI_TAG_MAX+1];
 * returns its length, 0 when there is none. */
size_t edi_peek_tag(const uint8_t *data, size_t len, uint8_t element_sep,
		    uint8_t terminator, char *tag);

#endif
