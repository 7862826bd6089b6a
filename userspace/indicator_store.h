/* Indicator store: every indicator of every feed, indexed per type for
 * matching. Built once by an indicator_builder, then immutable: any number
 * of threads may look things up in a store at the same time.
 *
 * Indexes (all flat arrays, no allocation per indicator):
 *   exact hash  party IDs, references, containers (ISO 6346 form), IMO
 *               numbers, vessel names, UN/LOCODEs, HS codes (digits; looked
 *               up at every prefix length present, so `6109` covers `610910`)
 *   Aho–Corasick  party names and goods keywords, normalised text, one pass
 *   LPM         Intel::ADDR and Intel::SUBNET, IPv4 and IPv6
 * Indicators with the same normalised key (several feeds naming the same
 * container) are chained, so one lookup returns all of them. The same key
 * and type twice in one feed keeps the later line's metadata. */
#ifndef EDISENSOR_INDICATOR_STORE_H
#define EDISENSOR_INDICATOR_STORE_H
#include <stddef.h>
#include <stdint.h>
#include "feed_parse.h"
#include "indicator.h"

#define INDICATOR_FEEDS_MAX 256
#define INDICATOR_TEXT_MAX 1024     /* longest indicator value accepted */
#define INDICATOR_SUBSTRING_MIN 3   /* shortest name/keyword (a shorter one matches everything) */

struct indicator_builder;
struct indicator_store;

/* What a lookup hands back about one indicator. Strings belong to the
 * store and live as long as it; "" when the feed gave none. */
struct indicator_view {
	const char *text;        /* as written in the feed */
	enum indicator_type type;
	const char *feed;        /* base name of the feed file */
	unsigned feed_index;     /* order the feeds were added in */
	const char *source;
	const char *desc;
	const char *fields;      /* meta.fields restriction, "" = any field */
	unsigned confidence;
	uint64_t expires;        /* 0 = never */
};

struct indicator_builder *indicator_builder_new(void);
/* Frees a builder that was not finished. NULL is fine. */
void indicator_builder_free(struct indicator_builder *b);

/* Registers a feed by name (its base name is kept); returns its index or
 * -E2BIG beyond INDICATOR_FEEDS_MAX, -ENOMEM. */
int indicator_builder_add_feed(struct indicator_builder *b, const char *name);

/* Adds one parsed entry to feed `feed`. 0, or negative with *reason set
 * (static string) when the value is not valid for its type; -ENOMEM. */
int indicator_builder_add(struct indicator_builder *b, unsigned feed, const struct feed_entry *e,
			  const char **reason);

/* Registers the feed at path and loads its lines; bad lines go to on_reject
 * and are skipped. Returns the feed index, or the parser's negative errno
 * (the builder keeps whatever lines were added before a read error). */
int indicator_builder_load(struct indicator_builder *b, const char *path,
			   feed_reject_fn on_reject, void *ctx, struct feed_parse_result *res);

/* Turns the builder into a store. The builder is consumed (freed) in every
 * case; NULL with errno = ENOMEM on failure. */
struct indicator_store *indicator_builder_finish(struct indicator_builder *b);

/* An empty store (no feed). NULL on ENOMEM. */
struct indicator_store *indicator_store_empty(void);
void indicator_store_free(struct indicator_store *s);

/* ---- reading ----------------------------------------------------------- */
size_t indicator_store_count(const struct indicator_store *s);
unsigned indicator_store_feeds(const struct indicator_store *s);
const char *indicator_store_feed_name(const struct indicator_store *s, unsigned feed);
/* Indicators of one type in one feed. */
size_t indicator_store_feed_count(const struct indicator_store *s, unsigned feed,
				  enum indicator_type t);
/* Bytes the store occupies in total, and the part that is feed text
 * (indicator values and metadata strings, each stored once). */
size_t indicator_store_memory(const struct indicator_store *s);
size_t indicator_store_text_bytes(const struct indicator_store *s);

void indicator_store_get(const struct indicator_store *s, uint32_t id, struct indicator_view *v);

/* Lookups: fn is called with the id of every indicator found (expired ones
 * too: the caller decides) and returns non-zero when it accepts it. Return
 * value: number accepted. Keys are the raw message values; the store
 * applies the type's normalisation. */
typedef int (*indicator_found_fn)(void *ctx, uint32_t id);

enum indicator_exact_kind {
	INDICATOR_KIND_PARTY_ID,
	INDICATOR_KIND_REFERENCE,
	INDICATOR_KIND_CONTAINER,
	INDICATOR_KIND_IMO,
	INDICATOR_KIND_VESSEL_NAME,
	INDICATOR_KIND_LOCODE,
	INDICATOR_KIND_HS,        /* looked up by indicator_store_find_hs */
	INDICATOR_KIND_TEXT,      /* names and keywords, in the automaton */
};
int indicator_store_find_exact(const struct indicator_store *s, enum indicator_exact_kind kind,
			       const char *value, indicator_found_fn fn, void *ctx);
/* Every HS indicator that is a digit prefix (length >= 2) of the declared code. */
int indicator_store_find_hs(const struct indicator_store *s, const char *declared,
			    indicator_found_fn fn, void *ctx);
/* Prefixes containing ip, longest first; stops after the first length at
 * which fn accepted something. Unparsable ip: 0. */
int indicator_store_find_ip(const struct indicator_store *s, const char *ip,
			    indicator_found_fn fn, void *ctx);
/* Names and keywords occurring in text (raw; normalised here into scratch,
 * which must hold strlen(text)+1 bytes). An indicator occurring several
 * times is reported each time. */
int indicator_store_find_text(const struct indicator_store *s, const char *text, char *scratch,
			      size_t scratch_cap, indicator_found_fn fn, void *ctx);

#endif
