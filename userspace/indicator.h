/* Indicator types, their names in feeds, and the normalisations both the
 * feed side and the message side apply before comparing values.
 * Pure functions, no state. */
#ifndef EDISENSOR_INDICATOR_H
#define EDISENSOR_INDICATOR_H
#include <stdbool.h>
#include <stddef.h>

enum indicator_type {
	INDICATOR_ADDR,        /* Intel::ADDR      flow.src_ip / flow.dst_ip, exact */
	INDICATOR_SUBNET,      /* Intel::SUBNET    same fields, longest prefix */
	INDICATOR_PARTY_ID,    /* EDI::PARTY_ID    parties[R].id, envelope ids; exact */
	INDICATOR_PARTY_NAME,  /* EDI::PARTY_NAME  parties[R].name; substring */
	INDICATOR_HS_CODE,     /* EDI::HS_CODE     goods[i].hs_code; digit prefix */
	INDICATOR_CONTAINER,   /* EDI::CONTAINER   equipment[i].number; ISO 6346 form */
	INDICATOR_REFERENCE,   /* EDI::REFERENCE   references[Q].value; exact */
	INDICATOR_VESSEL,      /* EDI::VESSEL      transport[i].imo or .vessel_name; exact */
	INDICATOR_LOCODE,      /* EDI::LOCODE      locations[Q].locode; exact */
	INDICATOR_KEYWORD,     /* EDI::KEYWORD     goods[i].description; substring */
	INDICATOR_TYPE_COUNT
};

/* "EDI::HS_CODE" etc. */
const char *indicator_type_name(enum indicator_type t);
/* Type of a feed's indicator_type column, or -EINVAL when unknown. */
int indicator_type_parse(const char *name);

/* Normalisations. Each writes at most cap-1 bytes and a NUL and returns the
 * length written (cap must be > 0).
 *   exact: upper-case ASCII, whitespace removed (IDs, references, LOCODEs);
 *   text:  lower case (ASCII, and the Latin-1, Latin Extended-A, Greek and
 *          Cyrillic letters of UTF-8 text), every run of spaces and ASCII
 *          punctuation one space, trimmed; other bytes kept (names,
 *          keywords, vessel names);
 *   digits: the decimal digits only (HS codes). */
size_t indicator_norm_exact(const char *in, char *out, size_t cap);
size_t indicator_norm_text(const char *in, char *out, size_t cap);
size_t indicator_norm_digits(const char *in, char *out, size_t cap);

/* IMO number: as imo_normalise() (imo.h), the form the extraction keeps:
 * optional "IMO" prefix, blanks, then exactly 7 digits. Writes the 7
 * digits and a NUL into out; 0 or -EINVAL. */
int indicator_norm_imo(const char *in, char out[8]);

/* meta.fields restrictions: comma-separated items `coll`, `coll[key]`,
 * `coll.member` or `coll[key].member`, e.g. `parties[CN].name,parties[CZ]`.
 * A field path (`parties[CN].name`, `goods[1].description`, `flow.src_ip`)
 * is allowed when some item names its collection and, where the item gives
 * them, the same key and member. An empty or NULL spec allows everything. */
bool indicator_fields_valid(const char *spec);
bool indicator_fields_allow(const char *spec, const char *path);

#endif
