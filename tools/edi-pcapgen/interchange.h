/* What the EDIFACT and X12 interchange builders share: their settings, the
 * description of a built interchange, the callback that receives each
 * message's truth as it is written, and a message's frame around its
 * template (interchange.c). */
#ifndef PCAPGEN_INTERCHANGE_H
#define PCAPGEN_INTERCHANGE_H
#include <stdbool.h>
#include <stdint.h>
#include "ebuf.h"
#include "ediwrite.h"
#include "meta.h"
#include "rng.h"

enum edifact_type {
	ET_CUSCAR, ET_CUSDEC, ET_CUSRES, ET_IFTMIN, ET_IFCSUM, ET_BAPLIE, ET_COPRAR,
	ET_COUNT
};
enum x12_type { XT_309, XT_350, XT_315, XT_310, XT_COUNT };

struct ichg_cfg {
	unsigned msgs_min, msgs_max;       /* messages per interchange */
	double una_share;                  /* EDIFACT: UNA present */
	double odd_seps_share;             /* non-default separators */
	double ung_share;                  /* EDIFACT: UNG groups */
	double oneline_share;              /* no CR/LF after terminators */
	double bad_check_share;            /* containers with a wrong check digit */
	double test_share;                 /* test indicator set */
	double isa_nonfixed_share;         /* X12: ISA ids not padded to 15 */
	double bare_share;                 /* EDIFACT: messages without UNA/UNB/UNZ */
	uint32_t edifact_types;            /* bit mask of enum edifact_type */
	uint32_t x12_types;                /* bit mask of enum x12_type */
};

struct ichg_info {
	enum meta_syntax syntax;
	size_t start;                      /* offset of UNA/UNB/ISA in the buffer */
	bool una;
	bool truncated;
	bool bare;                         /* UNH first: no interchange envelope */
	bool isa_nonfixed;
	struct edi_seps seps;
	const char *layout;                /* "crlf", "lf", "oneline" */
	unsigned messages, groups;
	struct meta_envelope env;          /* interchange-level fields */
};

/* Receives each message once written (m->offset relative to the start of the
 * builder's buffer). */
typedef void (*ichg_message_fn)(void *ctx, const struct msg_meta *m);

/* Append one interchange to b. With truncate, the last message's trailer and
 * the closing envelope segments are not written. Returns 0 or -errno. */
int edifact_build(struct rng *r, const struct ichg_cfg *cfg, bool truncate, struct ebuf *b,
		  struct ichg_info *info, ichg_message_fn fn, void *ctx);
int x12_build(struct rng *r, const struct ichg_cfg *cfg, bool truncate, struct ebuf *b,
	      struct ichg_info *info, ichg_message_fn fn, void *ctx);

/* Names for --types; -1 when unknown. */
int edifact_type_from_name(const char *name);
int x12_type_from_name(const char *name);
const char *edifact_type_name(enum edifact_type t);
const char *x12_type_name(enum x12_type t);

/* Pick a random set bit of mask below n; -1 when none. */
int ichg_pick_type(struct rng *r, uint32_t mask, int n);

/* A message's truth from its header on: m starts empty with the envelope
 * it inherits, at the writer's position, segment count reset. */
void ichg_message_begin(struct segw *w, struct msg_meta *m, enum meta_syntax syntax,
			const struct meta_envelope *env);
/* After the body: the trailer (UNT/SE with the segment count and ref)
 * unless truncate, then the counts and end offset, and m handed to fn. */
void ichg_message_end(struct segw *w, struct msg_meta *m, const char *trailer, const char *ref,
		      bool truncate, ichg_message_fn fn, void *ctx);

#endif
