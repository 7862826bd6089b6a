/* Feed files: Zeek intel TSV and CSV, directives, comments, unset fields,
 * unknown types, bad lines reported with file and line, time and
 * confidence columns. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "feed_parse.h"
#include "indicator_store.h"

struct rejects {
	unsigned n;
	unsigned line[32];
	char reason[32][160];
	char file[256];
};

static void on_reject(void *ctx, const char *file, unsigned line, const char *reason)
{
	struct rejects *r = ctx;

	snprintf(r->file, sizeof(r->file), "%s", file);
	if (r->n < 32) {
		r->line[r->n] = line;
		snprintf(r->reason[r->n], sizeof(r->reason[0]), "%s", reason);
	}
	r->n++;
}

static void feed_path(char *out, size_t cap, const char *name)
{
	const char *root = getenv("ROOT");

	snprintf(out, cap, "%s/tests/feeds/%s", root ? root : ".", name);
}

static const char *reason_at(const struct rejects *r, unsigned line)
{
	for (unsigned i = 0; i < r->n && i < 32; i++)
		if (r->line[i] == line)
			return r->reason[i];
	return NULL;
}

static void test_zeek_file(void **state)
{
	struct indicator_builder *b = indicator_builder_new();
	struct indicator_store *s;
	struct feed_parse_result res;
	struct rejects rej = { 0 };
	char path[512];
	int feed;

	(void)state;
	feed_path(path, sizeof(path), "basic.intel");
	feed = indicator_builder_load(b, path, on_reject, &rej, &res);
	assert_int_equal(feed, 0);
	assert_int_equal(res.lines, 31);
	assert_int_equal(res.accepted, 16);
	assert_int_equal(res.rejected, 7);
	assert_int_equal(rej.n, 7);
	assert_string_equal(rej.file, path);
	assert_non_null(strstr(reason_at(&rej, 24), "unknown indicator type Intel::DOMAIN"));
	assert_non_null(strstr(reason_at(&rej, 25), "3 columns, header has 8"));
	assert_non_null(strstr(reason_at(&rej, 26), "IP"));
	assert_non_null(strstr(reason_at(&rej, 27), "HS code"));
	assert_non_null(strstr(reason_at(&rej, 28), "confidence"));
	assert_non_null(strstr(reason_at(&rej, 29), "expires"));
	assert_non_null(strstr(reason_at(&rej, 31), "empty indicator"));
	assert_null(reason_at(&rej, 7));    /* the comment */
	assert_null(reason_at(&rej, 30));   /* the blank line */
	s = indicator_builder_finish(b);
	assert_non_null(s);
	assert_int_equal(indicator_store_count(s), 16);
	assert_string_equal(indicator_store_feed_name(s, 0), "basic.intel");
	assert_int_equal(indicator_store_feed_count(s, 0, INDICATOR_SUBNET), 3);
	assert_int_equal(indicator_store_feed_count(s, 0, INDICATOR_VESSEL), 2);
	assert_int_equal(indicator_store_feed_count(s, 0, INDICATOR_KEYWORD), 2);
	assert_int_equal(indicator_store_feed_count(s, 0, INDICATOR_ADDR), 1);
	indicator_store_free(s);
}

static void test_csv_file(void **state)
{
	struct indicator_builder *b = indicator_builder_new();
	struct indicator_store *s;
	struct feed_parse_result res;
	struct rejects rej = { 0 };
	char path[512];

	(void)state;
	feed_path(path, sizeof(path), "basic.csv");
	assert_int_equal(indicator_builder_load(b, path, on_reject, &rej, &res), 0);
	assert_int_equal(res.accepted, 4);
	assert_int_equal(res.rejected, 2);
	assert_non_null(strstr(reason_at(&rej, 7), "quoting"));
	assert_non_null(strstr(reason_at(&rej, 8), "columns"));
	s = indicator_builder_finish(b);
	assert_int_equal(indicator_store_feed_count(s, 0, INDICATOR_CONTAINER), 1);
	assert_int_equal(indicator_store_feed_count(s, 0, INDICATOR_PARTY_NAME), 1);
	indicator_store_free(s);
}

/* Captures entries instead of building a store. */
struct capture {
	unsigned n;
	struct feed_entry last;
	char indicator[256], source[256], desc[256], fields[256];
};

static int capture_entry(void *ctx, const struct feed_entry *e, const char **reason)
{
	struct capture *c = ctx;

	(void)reason;
	c->n++;
	c->last = *e;
	snprintf(c->indicator, sizeof(c->indicator), "%s", e->indicator);
	snprintf(c->source, sizeof(c->source), "%s", e->source ? e->source : "(null)");
	snprintf(c->desc, sizeof(c->desc), "%s", e->desc ? e->desc : "(null)");
	snprintf(c->fields, sizeof(c->fields), "%s", e->fields ? e->fields : "(null)");
	return 0;
}

static int parse_text(const char *text, struct capture *c, struct rejects *r)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct feed_sink sink = { capture_entry, c, on_reject, r };
	struct feed_parse_result res;
	int rc;

	assert_non_null(f);
	rc = feed_parse_stream(f, "mem", &sink, &res);
	fclose(f);
	return rc;
}

static void test_separator_and_unset(void **state)
{
	struct capture c = { 0 };
	struct rejects r = { 0 };

	(void)state;
	/* A Zeek file with another separator and another unset marker. */
	assert_int_equal(parse_text("#separator \\x7c\n#unset_field|NONE\n"
				    "#fields|indicator|indicator_type|meta.source|meta.desc\n"
				    "X1|EDI::REFERENCE|NONE|a|b\n", &c, &r), 0);
	assert_int_equal(c.n, 0);   /* 5 columns under a 4-column header */
	assert_int_equal(r.n, 1);
	assert_non_null(strstr(r.reason[0], "5 columns, header has 4"));
	memset(&c, 0, sizeof(c));
	memset(&r, 0, sizeof(r));
	assert_int_equal(parse_text("#separator \\x7c\n#unset_field|NONE\n"
				    "#fields|indicator|indicator_type|meta.source|meta.desc\n"
				    "X1|EDI::REFERENCE|NONE|a desc\n", &c, &r), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.indicator, "X1");
	assert_string_equal(c.source, "(null)");
	assert_string_equal(c.desc, "a desc");
	assert_int_equal(c.last.type, INDICATOR_REFERENCE);
}

/* A separator that cannot separate (NUL, CR, LF) is refused and the old
 * one kept: a NUL separator made split_zeek walk past the end of every
 * line (fuzz_feeds: heap-buffer-overflow in strchr). */
static void test_separator_nul_refused(void **state)
{
	struct capture c = { 0 };
	struct rejects r = { 0 };

	(void)state;
	assert_int_equal(parse_text("#separator \\x00\n"
				    "#fields\tindicator\tindicator_type\n"
				    "X1\tEDI::REFERENCE\n", &c, &r), 0);
	assert_int_equal(r.n, 1);
	assert_non_null(strstr(r.reason[0], "#separator"));
	assert_int_equal(c.n, 1);
	assert_string_equal(c.indicator, "X1");
	memset(&c, 0, sizeof(c));
	memset(&r, 0, sizeof(r));
	assert_int_equal(parse_text("#separator \\x0a\n#separator \\x0d\n"
				    "#fields\tindicator\tindicator_type\n"
				    "X2\tEDI::REFERENCE\n", &c, &r), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(c.n, 1);
}

static void test_optional_columns(void **state)
{
	struct capture c = { 0 };
	struct rejects r = { 0 };

	(void)state;
	assert_int_equal(parse_text("#fields\tindicator_type\tmeta.fields\tindicator\tmeta.expires\t"
				    "meta.confidence\n"
				    "EDI::PARTY_NAME\tparties[CN].name,parties[CZ]\tACME\t"
				    "2027-01-01T00:00:00+01:00\t87.6\n", &c, &r), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.fields, "parties[CN].name,parties[CZ]");
	assert_int_equal(c.last.confidence, 88);
	assert_int_equal(c.last.expires, 1798758000ull);   /* 2026-12-31T23:00:00Z */
	memset(&c, 0, sizeof(c));
	assert_int_equal(parse_text("#fields\tindicator\tindicator_type\tmeta.fields\n"
				    "A\tEDI::PARTY_ID\tparties[CN\n"
				    "A\tEDI::PARTY_ID\t.x\n", &c, &r), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(r.n, 2);
	assert_non_null(strstr(r.reason[0], "meta.fields"));
}

static void test_csv_with_bom_and_crlf(void **state)
{
	struct capture c = { 0 };
	struct rejects r = { 0 };

	(void)state;
	assert_int_equal(parse_text("\xef\xbb\xbfindicator,indicator_type,meta.source\r\n"
				    "MSKU9070323,EDI::CONTAINER,\"brand, inc\"\r\n", &c, &r), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.indicator, "MSKU9070323");
	assert_string_equal(c.source, "brand, inc");
}

static void test_not_a_feed(void **state)
{
	struct capture c = { 0 };
	struct rejects r = { 0 };
	struct feed_parse_result res;
	struct feed_sink sink = { capture_entry, &c, on_reject, &r };

	(void)state;
	assert_int_equal(parse_text("just some text\nmore\n", &c, &r), -EBADMSG);
	assert_int_equal(r.line[0], 1);
	assert_int_equal(r.line[1], 2);
	/* Comments only: an empty feed, not an error. */
	assert_int_equal(parse_text("# nothing yet\n\n", &c, &r), 0);
	assert_int_equal(feed_parse_file("/nonexistent/feed.intel", &sink, &res), -ENOENT);
	/* A header without the required columns is reported. */
	memset(&r, 0, sizeof(r));
	assert_int_equal(parse_text("#fields\tindicator\tmeta.source\n", &c, &r), 0);
	assert_int_equal(r.n, 1);
	assert_non_null(strstr(r.reason[0], "indicator_type"));
}

static void test_time_and_confidence(void **state)
{
	uint64_t t;
	unsigned c;

	(void)state;
	assert_int_equal(feed_parse_time("1700000000", &t), 0);
	assert_int_equal(t, 1700000000ull);
	assert_int_equal(feed_parse_time("2026-11-28", &t), 0);
	assert_int_equal(t, 1795824000ull);
	assert_int_equal(feed_parse_time("2026-11-28T12:30:15Z", &t), 0);
	assert_int_equal(t, 1795824000ull + 12 * 3600 + 30 * 60 + 15);
	assert_int_equal(feed_parse_time("2026-11-28 12:30:15.250-0200", &t), 0);
	assert_int_equal(t, 1795824000ull + 14 * 3600 + 30 * 60 + 15);
	assert_int_equal(feed_parse_time("2026-13-01", &t), -EINVAL);
	assert_int_equal(feed_parse_time("2026-11-28T25:00", &t), -EINVAL);
	assert_int_equal(feed_parse_time("tomorrow", &t), -EINVAL);
	assert_int_equal(feed_parse_time("", &t), -EINVAL);
	assert_int_equal(feed_parse_confidence("0", &c), 0);
	assert_int_equal(c, 0);
	assert_int_equal(feed_parse_confidence("100", &c), 0);
	assert_int_equal(c, 100);
	assert_int_equal(feed_parse_confidence("100.5", &c), -EINVAL);
	assert_int_equal(feed_parse_confidence("-1", &c), -EINVAL);
	assert_int_equal(feed_parse_confidence("high", &c), -EINVAL);
	assert_int_equal(feed_parse_confidence("nan", &c), -EINVAL);
}

static void test_long_line_and_nul(void **state)
{
	size_t n = FEED_LINE_MAX + 100;
	char *text = malloc(n + 200);
	struct capture c = { 0 };
	struct rejects r = { 0 };
	FILE *f;
	struct feed_sink sink = { capture_entry, &c, on_reject, &r };
	struct feed_parse_result res;
	static const char nul_feed[] = "#fields\tindicator\tindicator_type\nA\0B\tEDI::PARTY_ID\nC\tEDI::PARTY_ID\n";

	(void)state;
	strcpy(text, "#fields\tindicator\tindicator_type\n");
	memset(text + strlen(text), 'A', n);
	strcpy(text + strlen("#fields\tindicator\tindicator_type\n") + n, "\tEDI::PARTY_ID\nB\tEDI::PARTY_ID\n");
	assert_int_equal(parse_text(text, &c, &r), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(r.n, 1);
	assert_non_null(strstr(r.reason[0], "too long"));
	free(text);
	memset(&r, 0, sizeof(r));
	c.n = 0;
	f = fmemopen((void *)nul_feed, sizeof(nul_feed) - 1, "r");
	assert_int_equal(feed_parse_stream(f, "nul", &sink, &res), 0);
	fclose(f);
	assert_int_equal(c.n, 1);
	assert_non_null(strstr(r.reason[0], "NUL"));
}

static void test_report_limits(void **state)
{
	struct capture c = { 0 };
	struct rejects r = { 0 };
	struct feed_parse_result res;
	struct feed_sink sink = { capture_entry, &c, on_reject, &r };
	size_t cap = 64 * 1024, len = 0;
	char *text = malloc(cap);
	FILE *f;

	(void)state;
	len += (size_t)snprintf(text + len, cap - len, "#fields\tindicator\tindicator_type\n");
	for (int i = 0; i < 5; i++)      /* a Zeek feed full of domains: one report */
		len += (size_t)snprintf(text + len, cap - len, "d%d.example\tIntel::DOMAIN\n", i);
	len += (size_t)snprintf(text + len, cap - len, "x\tIntel::URL\n");
	for (int i = 0; i < FEED_REPORT_MAX + 20; i++)   /* broken lines: capped */
		len += (size_t)snprintf(text + len, cap - len, "broken %d\n", i);
	len += (size_t)snprintf(text + len, cap - len, "ok\tEDI::PARTY_ID\n");
	f = fmemopen(text, len, "r");
	assert_int_equal(feed_parse_stream(f, "mem", &sink, &res), 0);
	fclose(f);
	assert_int_equal(res.accepted, 1);
	assert_int_equal(c.n, 1);
	assert_int_equal(res.unsupported, 6);
	assert_int_equal(res.rejected, 6 + FEED_REPORT_MAX + 20);
	/* DOMAIN once, URL once, then broken lines up to the cap, then the summary. */
	assert_int_equal(r.n, FEED_REPORT_MAX + 1);
	assert_non_null(strstr(r.reason[0], "Intel::DOMAIN"));
	assert_non_null(strstr(r.reason[1], "Intel::URL"));
	assert_int_equal(r.line[0], 2);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zeek_file),
		cmocka_unit_test(test_csv_file),
		cmocka_unit_test(test_separator_and_unset),
		cmocka_unit_test(test_separator_nul_refused),
		cmocka_unit_test(test_optional_columns),
		cmocka_unit_test(test_csv_with_bom_and_crlf),
		cmocka_unit_test(test_not_a_feed),
		cmocka_unit_test(test_time_and_confidence),
		cmocka_unit_test(test_long_line_and_nul),
		cmocka_unit_test(test_report_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
