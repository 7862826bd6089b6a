/* Table-driven extraction: decoded segments of one message -> the
 * parties, goods, equipment, references, locations, transport and dates of
 * an Edisensor__V1__Message.
 *
 * A table row says: for segment TAG whose element/component satisfies a
 * condition (the qualifier), open or update a record of one kind and copy
 * listed element/component values into its fields. A message type is
 * served by one table (extract_edifact.c, extract_x12.c); a table falls
 * back to its base table for tags it has no rows for, ending at the
 * generic table of its syntax. Adding a message type is adding a table.
 *
 * Usage: extract_begin(); extract_segment() for each segment in order;
 * extract_end() (normalises IMO numbers, dedupes records, checks container
 * and IMO check digits). All memory
 * comes from the arena the message lives in. */
#ifndef EDISENSOR_EXTRACT_H
#define EDISENSOR_EXTRACT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "edi_decode.h"
#include "edisensor.pb-c.h"

enum ex_kind {
	EXK_PARTY, EXK_GOODS, EXK_EQUIPMENT, EXK_REFERENCE, EXK_LOCATION,
	EXK_TRANSPORT, EXK_DATE, EXK_MAX,
};

enum ex_field {
	EXF_NONE = 0,
	EXF_PARTY_ROLE, EXF_PARTY_ID, EXF_PARTY_ID_SCHEME, EXF_PARTY_NAME,
	EXF_PARTY_ADDRESS, EXF_PARTY_CITY, EXF_PARTY_POSTCODE, EXF_PARTY_COUNTRY,
	EXF_GOODS_DESC, EXF_GOODS_HS, EXF_GOODS_PACKAGES, EXF_GOODS_PKG_TYPE,
	EXF_GOODS_WEIGHT, EXF_GOODS_WEIGHT_UNIT, EXF_GOODS_ITEM,
	EXF_EQ_NUMBER, EXF_EQ_SEAL, EXF_EQ_SIZE_TYPE, EXF_EQ_QUALIFIER, EXF_EQ_STOWAGE,
	EXF_REF_QUAL, EXF_REF_VALUE,
	EXF_LOC_QUAL, EXF_LOC_CODE, EXF_LOC_NAME, EXF_LOC_OTHER_CODE, EXF_LOC_CODE_LIST,
	EXF_TR_STAGE, EXF_TR_MODE, EXF_TR_VOYAGE, EXF_TR_VESSEL, EXF_TR_IMO,
	EXF_TR_VESSEL_ID, EXF_TR_CARRIER,
	EXF_DATE_QUAL, EXF_DATE_VALUE, EXF_DATE_FORMAT,
	EXF_MAX,
};

/* Condition on one value. values: "A|B" = one of; "!A|B" = none of;
 * "*" = not empty; "-" = empty; "@imo7" = an IMO number's shape (7 digits
 * after an optional "IMO" prefix, imo.h), whatever its check digit;
 * "@imo" = that with a valid check digit; "@locode" = a UN/LOCODE's shape
 * (two letters, then three letters or digits 2-9, upper case). elem 0 =
 * no condition. comp 0 is read as component 1. */
struct ex_cond {
	uint8_t elem, comp;
	const char *values;
};

/* Where a field's value comes from. comp 0 = all components of the
 * element joined by `join` (default " "). lit = a fixed value instead;
 * held = the value an earlier EXA_HOLD row kept for this field (and its
 * segment joins the record's evidence). sep NULL = set when the field is
 * still empty (so a later pick is a fallback); otherwise append with sep
 * between old and new text ("" = concatenate); lead_sep = sep also before
 * a value appended to an empty field, so a component keeps its place
 * (":5" = agency 5 without a code list). */
struct ex_pick {
	enum ex_field field;
	uint8_t elem, comp;
	const char *sep;
	const char *join;
	const char *lit;
	bool held;
	bool lead_sep;
};

enum ex_action {
	EXA_NEW,            /* always a new record */
	EXA_CURRENT,        /* the current record of the kind; new when none */
	EXA_EXISTING,       /* the current record only; nothing when none */
	EXA_NEW_IF_SET,     /* new record when the current one has if_set set */
	/* the record an earlier row of this same segment opened or updated
	 * (a new one when none did), unless its if_set field is set: a
	 * fallback for a value no earlier row of the segment took */
	EXA_SEGMENT_IF_UNSET,
	/* no record: the picks' values (empty ones too) are kept for later
	 * rows' held picks, replacing what an earlier hold kept: a value
	 * that opens a segment group and belongs to the record a later
	 * segment of the group opens (BAPLIE: LOC+147 ... EQD) */
	EXA_HOLD,
};

#define EX_MAX_PICKS 12
#define EX_MAX_CONDS 3
struct ex_rule {
	const char *tag;
	struct ex_cond cond[EX_MAX_CONDS];   /* all must hold */
	enum ex_kind kind;
	enum ex_action action;
	enum ex_field if_set;
	struct ex_pick picks[EX_MAX_PICKS];   /* ends at field EXF_NONE */
};

struct ex_table {
	const char *name;                /* family, e.g. "CUSCAR" */
	const char *const *types;        /* message types served, NULL-terminated */
	const struct ex_rule *rules;
	size_t n_rules;
	const struct ex_table *base;     /* for tags without rows here */
};

/* Tables (extract_edifact.c, extract_x12.c): NULL-terminated lists. */
extern const struct ex_table *const extract_edifact_tables[];
extern const struct ex_table *const extract_x12_tables[];
extern const struct ex_table extract_edifact_generic;
extern const struct ex_table extract_x12_generic;

/* Records per kind and message; more are counted in `dropped`. */
#define EX_MAX_RECORDS 4096

struct extract {
	Edisensor__V1__Message *msg;
	struct arena *arena;
	const struct ex_table *table;
	void *cur[EXK_MAX];
	size_t cap[EXK_MAX];
	const char *held[EXF_MAX];   /* EXA_HOLD values, NULL = none */
	uint32_t held_seg[EXF_MAX];  /* the segment each came from */
	unsigned dropped;      /* records or values not kept (limits, memory) */
};

/* Table serving msg_type in syntax (1 EDIFACT, 2 X12): its own or the
 * generic one. */
const struct ex_table *extract_table_for(int syntax, const char *msg_type);

void extract_begin(struct extract *x, Edisensor__V1__Message *msg,
		   struct arena *a, int syntax, const char *msg_type);
/* Applies the rows for one decoded segment; seg_index is its index in
 * msg->segments (evidence). Returns 0 or -ENOMEM. */
int extract_segment(struct extract *x, const struct edi_segment *seg,
		    uint32_t seg_index);
/* Normalises IMO numbers, merges duplicate records (their evidence
 * joined), sets the container and IMO check digit flags. */
void extract_end(struct extract *x);

/* Segment tags any table reads, for the kernel's forwarded-tag map.
 * Fills up to cap tags (NUL-terminated, <= 3 chars); returns the count. */
size_t extract_wanted_tags(int syntax, char (*tags)[EDI_TAG_MAX + 1], size_t cap);

#endif
