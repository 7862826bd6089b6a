#include "feed_parse.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum column {
	COL_IGNORED,
	COL_INDICATOR,
	COL_TYPE,
	COL_SOURCE,
	COL_DESC,
	COL_CONFIDENCE,
	COL_EXPIRES,
	COL_FIELDS,
};

enum format { FMT_NONE, FMT_ZEEK, FMT_CSV };

struct parser {
	const char *name;
	enum format fmt;
	char sep;
	char unset[32];
	char empty[32];
	unsigned n_cols;
	enum column cols[FEED_COLUMNS_MAX];
	const struct feed_sink *sink;
	struct feed_parse_result *res;
	unsigned line;
	char reason[160];
	unsigned reported;
	unsigned silent;         /* lines of an already reported unknown type */
	unsigned n_unknown;
	char unknown[16][40];    /* unknown type names already reported */
};

static enum column column_of(const char *name)
{
	static const struct {
		const char *name;
		enum column col;
	} names[] = {
		{ "indicator", COL_INDICATOR },     { "indicator_type", COL_TYPE },
		{ "meta.source", COL_SOURCE },      { "source", COL_SOURCE },
		{ "meta.desc", COL_DESC },          { "desc", COL_DESC },
		{ "description", COL_DESC },        { "meta.confidence", COL_CONFIDENCE },
		{ "confidence", COL_CONFIDENCE },   { "meta.expires", COL_EXPIRES },
		{ "expires", COL_EXPIRES },         { "meta.fields", COL_FIELDS },
		{ "fields", COL_FIELDS },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i].name) == 0)
			return names[i].col;
	return COL_IGNORED;
}

static void reject(struct parser *p, const char *reason)
{
	p->res->rejected++;
	if (p->sink->on_reject && p->reported < FEED_REPORT_MAX) {
		p->reported++;
		p->sink->on_reject(p->sink->reject_ctx, p->name, p->line, reason);
	}
}

/* True the first time a type name is seen (it gets reported). */
static bool first_unknown(struct parser *p, const char *type)
{
	for (unsigned i = 0; i < p->n_unknown; i++)
		if (strcmp(p->unknown[i], type) == 0)
			return false;
	if (p->n_unknown < sizeof(p->unknown) / sizeof(p->unknown[0]) &&
	    strlen(type) < sizeof(p->unknown[0]))
		strcpy(p->unknown[p->n_unknown++], type);
	return true;
}

/* ---- time and confidence ------------------------------------------------ */

static bool digits(const char **s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if ((*s)[i] < '0' || (*s)[i] > '9')
			return false;
		v = v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	*out = v;
	return true;
}

static int parse_unix(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	for (const char *c = s; *c; c++) {
		if (*c < '0' || *c > '9' || v > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*c - '0');
	}
	*out = v;
	return 0;
}

/* Offset suffix: Z, +HH, +HHMM, +HH:MM (or -). Seconds east of UTC. */
static int parse_offset(const char *s, long *off)
{
	int h = 0, m = 0, sign;

	*off = 0;
	if (*s == '\0' || (*s == 'Z' && s[1] == '\0'))
		return 0;
	if (*s != '+' && *s != '-')
		return -EINVAL;
	sign = *s++ == '-' ? -1 : 1;
	if (!digits(&s, 2, &h))
		return -EINVAL;
	if (*s == ':')
		s++;
	if (*s && !digits(&s, 2, &m))
		return -EINVAL;
	if (*s || h > 23 || m > 59)
		return -EINVAL;
	*off = sign * (h * 3600L + m * 60L);
	return 0;
}

/* ISO 8601: YYYY-MM-DD[(T| )HH:MM[:SS[.frac]]][Z|offset]. */
static int parse_iso8601(const char *s, uint64_t *out)
{
	struct tm tm = { 0 };
	int y, mo, d, h = 0, mi = 0, sec = 0;
	long off;
	time_t t;

	if (!digits(&s, 4, &y) || *s++ != '-' || !digits(&s, 2, &mo) || *s++ != '-' ||
	    !digits(&s, 2, &d))
		return -EINVAL;
	if (*s == 'T' || *s == ' ') {
		s++;
		if (!digits(&s, 2, &h) || *s++ != ':' || !digits(&s, 2, &mi))
			return -EINVAL;
		if (*s == ':') {
			s++;
			if (!digits(&s, 2, &sec))
				return -EINVAL;
			if (*s == '.')
				for (s++; *s >= '0' && *s <= '9'; s++)
					;
		}
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 ||
	    parse_offset(s, &off) < 0)
		return -EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1 || t - off < 0)
		return -EINVAL;
	*out = (uint64_t)(t - off);
	return 0;
}

int feed_parse_time(const char *s, uint64_t *out)
{
	if (!*s)
		return -EINVAL;
	if (parse_unix(s, out) == 0)
		return 0;
	return parse_iso8601(s, out);
}

int feed_parse_confidence(const char *s, unsigned *out)
{
	char *end;
	double v;

	if (!*s || *s == ' ' || *s == '+' || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !(v >= 0.0 && v <= 100.0))
		return -EINVAL;
	*out = (unsigned)lround(v);
	return 0;
}

/* ---- lines ----------------------------------------------------------------- */

/* Splits a Zeek line at the separator, in place. */
static unsigned split_zeek(char *line, char sep, char **out)
{
	unsigned n = 0;

	for (char *s = line;; ) {
		char *e = strchr(s, sep);

		if (n == FEED_COLUMNS_MAX)
			return n + 1;
		out[n++] = s;
		if (!e)
			return n;
		*e = '\0';
		s = e + 1;
	}
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/* One CSV field starting at *s, unquoted in place; returns the field or
 * NULL on a malformed quote. *s moves past the comma (or to NULL at end). */
static char *csv_field(char **s)
{
	char *p = *s, *w, *start;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '"') {
		char *e = strchr(p, ',');

		*s = e ? e + 1 : NULL;
		if (e)
			*e = '\0';
		return trim(p);
	}
	start = w = ++p;
	for (;;) {
		if (*p == '\0')
			return NULL;       /* unterminated (no multi-line fields) */
		if (*p == '"' && p[1] == '"') {
			*w++ = '"';
			p += 2;
		} else if (*p == '"') {
			p++;
			break;
		} else {
			*w++ = *p++;
		}
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != ',' && *p != '\0')
		return NULL;
	*s = *p ? p + 1 : NULL;
	*w = '\0';
	return start;
}

static int split_csv(char *line, char **out, unsigned *n)
{
	char *s = line;

	*n = 0;
	while (s) {
		char *f = csv_field(&s);

		if (!f)
			return -EINVAL;
		if (*n == FEED_COLUMNS_MAX)
			return -E2BIG;
		out[(*n)++] = f;
	}
	return 0;
}

static int set_columns(struct parser *p, char **names, unsigned n, enum format fmt)
{
	bool have_ind = false, have_type = false;

	if (n > FEED_COLUMNS_MAX)
		return -E2BIG;
	for (unsigned i = 0; i < n; i++) {
		p->cols[i] = column_of(names[i]);
		have_ind |= p->cols[i] == COL_INDICATOR;
		have_type |= p->cols[i] == COL_TYPE;
	}
	if (!have_ind || !have_type)
		return -EINVAL;
	p->n_cols = n;
	p->fmt = fmt;
	return 0;
}

/* Zeek's `#separator \x09`: the value is written with \xHH escapes. NUL,
 * CR and LF cannot separate columns of a line (a NUL separator would have
 * the splitter walk past the line's end): refused, the old one stays. */
static int parse_separator(const char *v, char *sep)
{
	unsigned x;
	char c;

	if (v[0] == '\\' && v[1] == 'x' && sscanf(v + 2, "%2x", &x) == 1 && v[4] == '\0')
		c = (char)x;
	else if (v[0] && !v[1])
		c = v[0];
	else
		return -EINVAL;
	if (c == '\0' || c == '\r' || c == '\n')
		return -EINVAL;
	*sep = c;
	return 0;
}

static void copy_directive(char *dst, size_t cap, const char *v)
{
	snprintf(dst, cap, "%s", v);
}

/* `#...` lines: directives in Zeek files, comments otherwise. */
static void zeek_directive(struct parser *p, char *line)
{
	char *cols[FEED_COLUMNS_MAX + 1];
	unsigned n;

	if (strncmp(line, "#separator ", 11) == 0) {
		if (parse_separator(line + 11, &p->sep) < 0)
			reject(p, "bad #separator");
	} else if (strncmp(line, "#unset_field", 12) == 0 && line[12] == p->sep) {
		copy_directive(p->unset, sizeof(p->unset), line + 13);
	} else if (strncmp(line, "#empty_field", 12) == 0 && line[12] == p->sep) {
		copy_directive(p->empty, sizeof(p->empty), line + 13);
	} else if (strncmp(line, "#fields", 7) == 0 && line[7] == p->sep) {
		n = split_zeek(line + 8, p->sep, cols);
		if (set_columns(p, cols, n, FMT_ZEEK) < 0)
			reject(p, "#fields needs indicator and indicator_type (at most 64 columns)");
	}
}

static const char *optional(const struct parser *p, const char *v)
{
	if (!*v || strcmp(v, p->unset) == 0 || (p->empty[0] && strcmp(v, p->empty) == 0))
		return NULL;
	return v;
}

/* Fills an entry from the columns; NULL or the reason it is rejected. */
static const char *fill_entry(struct parser *p, char **v, struct feed_entry *e)
{
	const char *type = NULL;
	int t;

	memset(e, 0, sizeof(*e));
	for (unsigned i = 0; i < p->n_cols; i++) {
		const char *s = optional(p, v[i]);

		switch (p->cols[i]) {
		case COL_INDICATOR: e->indicator = s; break;
		case COL_TYPE: type = s; break;
		case COL_SOURCE: e->source = s; break;
		case COL_DESC: e->desc = s; break;
		case COL_FIELDS:
			if (s && !indicator_fields_valid(s))
				return "bad meta.fields";
			e->fields = s;
			break;
		case COL_CONFIDENCE:
			if (s && feed_parse_confidence(s, &e->confidence) < 0)
				return "bad meta.confidence (0-100)";
			break;
		case COL_EXPIRES:
			if (s && feed_parse_time(s, &e->expires) < 0)
				return "bad meta.expires (unix time or ISO 8601)";
			break;
		case COL_IGNORED: break;
		}
	}
	if (!e->indicator)
		return "empty indicator";
	if (!type)
		return "empty indicator_type";
	t = indicator_type_parse(type);
	if (t < 0) {
		p->res->unsupported++;
		if (!first_unknown(p, type)) {
			p->res->rejected++;   /* counted, already reported */
			p->silent++;
			return "";
		}
		snprintf(p->reason, sizeof(p->reason),
			 "unknown indicator type %.60s (its other lines are skipped unreported)", type);
		return p->reason;
	}
	e->type = (enum indicator_type)t;
	return NULL;
}

static void data_line(struct parser *p, char *line)
{
	char *v[FEED_COLUMNS_MAX + 1];
	unsigned n;
	struct feed_entry e;
	const char *why;

	if (p->fmt == FMT_ZEEK) {
		n = split_zeek(line, p->sep, v);
	} else if (split_csv(line, v, &n) < 0) {
		reject(p, "malformed CSV quoting");
		return;
	}
	if (n != p->n_cols) {
		snprintf(p->reason, sizeof(p->reason), "%u columns, header has %u", n, p->n_cols);
		reject(p, p->reason);
		return;
	}
	why = fill_entry(p, v, &e);
	if (!why && p->sink->on_entry(p->sink->entry_ctx, &e, &why) < 0 && !why)
		why = "rejected";
	if (why && *why)
		reject(p, why);
	else if (!why)
		p->res->accepted++;
}

/* The first data line of a file without #fields: a CSV header? */
static bool try_csv_header(struct parser *p, char *line)
{
	char copy[1024];
	char *cols[FEED_COLUMNS_MAX + 1];
	unsigned n;

	if (strlen(line) >= sizeof(copy) || !strchr(line, ','))
		return false;
	strcpy(copy, line);
	return split_csv(copy, cols, &n) == 0 && set_columns(p, cols, n, FMT_CSV) == 0;
}

static void one_line(struct parser *p, char *line, size_t len, bool *headerless)
{
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	if (strlen(line) != len) {
		reject(p, "NUL byte in line");
		return;
	}
	if (len == 0)
		return;
	if (line[0] == '#') {
		if (p->fmt != FMT_CSV)
			zeek_directive(p, line);
		return;
	}
	if (p->fmt == FMT_NONE) {
		if (!try_csv_header(p, line)) {
			*headerless = true;
			reject(p, "data before a #fields or CSV header line");
		}
		return;
	}
	data_line(p, line);
}

int feed_parse_stream(FILE *f, const char *name, const struct feed_sink *sink,
		      struct feed_parse_result *res)
{
	struct parser p = {
		.name = name, .sep = '\t', .unset = "-", .sink = sink, .res = res,
	};
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	bool headerless = false;

	memset(res, 0, sizeof(*res));
	while ((n = getline(&line, &cap, f)) >= 0) {
		char *start = line;

		p.line = ++res->lines;
		/* A UTF-8 byte order mark, as spreadsheets write CSV. */
		if (p.line == 1 && n >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
			start += 3;
			n -= 3;
		}
		if (n > FEED_LINE_MAX)
			reject(&p, "line too long");
		else
			one_line(&p, start, (size_t)n, &headerless);
	}
	free(line);
	if (res->rejected - p.silent > p.reported && sink->on_reject) {
		snprintf(p.reason, sizeof(p.reason), "%u more rejected lines not reported",
			 res->rejected - p.silent - p.reported);
		sink->on_reject(sink->reject_ctx, name, 0, p.reason);
	}
	if (ferror(f))
		return -EIO;
	return headerless && p.fmt == FMT_NONE ? -EBADMSG : 0;
}

int feed_parse_file(const char *path, const struct feed_sink *sink, struct feed_parse_result *res)
{
	FILE *f = fopen(path, "re");
	int rc;

	if (!f) {
		memset(res, 0, sizeof(*res));
		return -errno;
	}
	rc = feed_parse_stream(f, path, sink, res);
	fclose(f);
	return rc;
}
