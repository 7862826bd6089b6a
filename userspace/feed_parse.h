/* Feed file parsers: Zeek Intel framework TSV and CSV with a header line.
 *
 * Zeek: `#separator \x09` (optional, default tab), `#unset_field -` and
 * `#empty_field (empty)` (optional), then `#fields indicator indicator_type
 * meta.source meta.desc ...`; other `#` lines are comments. CSV: a header
 * line with the same column names (the `meta.` prefix optional), RFC 4180
 * quoting on one line, `#` comment lines. Columns understood:
 *   indicator, indicator_type (required),
 *   meta.source, meta.desc, meta.confidence (0-100),
 *   meta.expires (unix seconds or ISO 8601 date/time, UTC unless an offset
 *   is given), meta.fields (see indicator_fields_allow);
 * other columns are ignored, as Zeek files carry more (meta.url, ...).
 * A line that does not parse or has a bad value is reported through the
 * reject callback with file, line and reason, and skipped; a type edisensor
 * does not match (Zeek's Intel::DOMAIN, Intel::URL...) is reported at its
 * first line only, its other lines are skipped and counted. */
#ifndef EDISENSOR_FEED_PARSE_H
#define EDISENSOR_FEED_PARSE_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "indicator.h"

#define FEED_LINE_MAX 65536
#define FEED_COLUMNS_MAX 64
/* Reports per file; past it one closing report (line 0) gives the count,
 * so a systematically broken million-line feed does not flood the log. */
#define FEED_REPORT_MAX 100

/* One indicator line. Strings point into the parser's line buffer: copy
 * what you keep. Optional columns that are absent, unset (`-`) or empty
 * are NULL / 0. */
struct feed_entry {
	const char *indicator;
	enum indicator_type type;
	const char *source;
	const char *desc;
	const char *fields;
	unsigned confidence;   /* 0 when not given */
	uint64_t expires;      /* unix seconds, 0 = never */
};

/* Accepts an entry (0) or rejects it (negative) with *reason set to a
 * string that stays valid until the next call. */
typedef int (*feed_entry_fn)(void *ctx, const struct feed_entry *e, const char **reason);
/* Told about every line skipped. */
typedef void (*feed_reject_fn)(void *ctx, const char *file, unsigned line, const char *reason);

struct feed_parse_result {
	unsigned lines;      /* lines read */
	unsigned accepted;
	unsigned rejected;   /* all lines skipped, including... */
	unsigned unsupported;/* ...lines of types edisensor does not match (Intel::DOMAIN...):
			      * reported once per type and file */
};

/* Where parsed lines go. on_reject may be NULL. */
struct feed_sink {
	feed_entry_fn on_entry;
	void *entry_ctx;
	feed_reject_fn on_reject;
	void *reject_ctx;
};

/* Parses a stream; name is what reject reports say. Returns 0, -EIO on a
 * read error, -EBADMSG when data lines came but no header was ever found
 * (not a feed). */
int feed_parse_stream(FILE *f, const char *name, const struct feed_sink *sink,
		      struct feed_parse_result *res);
/* Same for a file: -errno when it cannot be opened. */
int feed_parse_file(const char *path, const struct feed_sink *sink, struct feed_parse_result *res);

/* Helpers the parser uses, exposed for tests. 0 or -EINVAL. */
int feed_parse_time(const char *s, uint64_t *out);
int feed_parse_confidence(const char *s, unsigned *out);

#endif
