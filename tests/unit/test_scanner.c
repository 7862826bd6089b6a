/*
 * The EDI scanner (bpf/edi_scan.h), host build of the same code the XDP
 * program runs: syntax cases, every public sample against an independent
 * reference splitter, and packet-cut properties.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <dirent.h>
#include <limits.h>
#include <cmocka.h>
#include "scan_harness.h"

/* ---- reference splitter: simple, byte by byte, written for the test ---- */

struct rseg {
	size_t off, len;
};

struct rlist {
	struct rseg *v;
	size_t n, cap;
};

static void rpush(struct rlist *l, size_t off, size_t len)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		assert_non_null(l->v);
	}
	l->v[l->n].off = off;
	l->v[l->n].len = len;
	l->n++;
}

static int starts(const uint8_t *p, size_t n, size_t i, const char *s)
{
	size_t k = strlen(s);

	return i + k <= n && memcmp(p + i, s, k) == 0;
}

/*
 * Splits one file that holds EDIFACT or X12 (one interchange or several,
 * possibly without envelope): leading junk up to the first header is
 * skipped, UNA/ISA set the separators, segments end at an unreleased
 * terminator, blanks between segments are dropped. An unfinished last
 * segment is not a segment.
 */
static void reference_split(const uint8_t *p, size_t n, struct rlist *out)
{
	uint8_t term = '\'', rel = '?';
	size_t i = 0;

	while (i < n && !starts(p, n, i, "UNA") && !starts(p, n, i, "UNB") &&
	       !starts(p, n, i, "UNH") && !starts(p, n, i, "ISA"))
		i++;
	while (i < n) {
		size_t j;

		while (i < n && (p[i] == ' ' || p[i] == '\r' || p[i] == '\n' || p[i] == '\t'))
			i++;
		if (i >= n)
			break;
		if (starts(p, n, i, "UNA") && i + 9 <= n) {
			rel = p[i + 6] == ' ' ? 0 : p[i + 6];
			term = p[i + 8];
			rpush(out, i, 9);
			i += 9;
			continue;
		}
		if (starts(p, n, i, "ISA")) {
			uint8_t e = p[i + 3];
			int seps = 0;

			for (j = i + 3; j < n && seps < 16; j++)
				seps += p[j] == e;
			/* j is ISA16 (component separator), then the terminator */
			term = p[j + 1];
			rel = 0;
			rpush(out, i, j + 2 - i);
			i = j + 2;
			continue;
		}
		if (starts(p, n, i, "UNB") || starts(p, n, i, "UNH")) {
			if (i == 0 || (out->n == 0)) {
				term = '\'';
				rel = '?';
			}
		}
		for (j = i; j < n; j++) {
			if (rel && p[j] == rel) {
				j++;
				continue;
			}
			if (p[j] == term)
				break;
		}
		if (j >= n)
			break;
		rpush(out, i, j + 1 - i);
		i = j + 1;
	}
}

/* ---- helpers ------------------------------------------------------------ */

static uint8_t *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long sz;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)sz + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)sz, f), (size_t)sz);
	fclose(f);
	*n = (size_t)sz;
	return buf;
}

static void feed(struct harness *h, const char *s)
{
	harness_packet(h, (const uint8_t *)s, strlen(s));
}

/* Length of the next random packet: 1 to maxpiece bytes (xorshift). */
static size_t random_piece(uint64_t *rng, size_t maxpiece)
{
	*rng ^= *rng << 13;
	*rng ^= *rng >> 7;
	*rng ^= *rng << 17;
	return 1 + (size_t)(*rng % maxpiece);
}

/* p[0..n) in random packets of 1 to maxpiece bytes. */
static void feed_random_pieces(struct harness *h, const uint8_t *p, size_t n, size_t maxpiece,
			       uint64_t *rng)
{
	for (size_t at = 0, k; at < n; at += k) {
		k = random_piece(rng, maxpiece);
		if (k > n - at)
			k = n - at;
		harness_packet(h, p + at, k);
	}
}

/* The scanner's segments equal the reference's: offsets, lengths, bytes. */
static void assert_same_segments(const struct harness *h, const uint8_t *p,
				 const struct rlist *ref, const char *what)
{
	size_t k;

	if (h->n != ref->n)
		fail_msg("%s: %zu segments out, %zu in", what, h->n, ref->n);
	for (k = 0; k < ref->n; k++) {
		const struct hseg *s = &h->segs[k];
		size_t want = ref->v[k].len < ES_SEG_MAX ? ref->v[k].len : ES_SEG_MAX;

		if (s->off != ref->v[k].off || s->seg_len != ref->v[k].len ||
		    s->data_len != want || memcmp(s->data, p + ref->v[k].off, want) != 0)
			fail_msg("%s: segment %zu differs: out off %llu len %u '%.*s', in off %zu len %zu '%.*s'",
				 what, k, (unsigned long long)s->off, s->seg_len, (int)s->data_len,
				 s->data, ref->v[k].off, ref->v[k].len, (int)want, p + ref->v[k].off);
		if ((ref->v[k].len > ES_SEG_MAX) != !!(s->flags & ES_SEGF_TRUNCATED))
			fail_msg("%s: segment %zu truncation flag wrong", what, k);
	}
}

static int seg_is(const struct hseg *s, const char *text)
{
	return s->data_len == strlen(text) && memcmp(s->data, text, s->data_len) == 0;
}

#define assert_seg(h, i, text) do { \
	if ((h)->n <= (size_t)(i)) \
		fail_msg("segment %d missing (have %zu), want '%s'", (int)(i), (h)->n, text); \
	if (!seg_is(&(h)->segs[i], text)) \
		fail_msg("segment %d is '%.*s', want '%s'", (int)(i), \
			 (int)(h)->segs[i].data_len, (h)->segs[i].data, text); \
} while (0)

/* ---- syntax cases --------------------------------------------------------- */

static const char EDI1[] =
	"UNB+UNOA:2+SENDER:ZZ+RECV:ZZ+200101:1200+42'"
	"UNH+1+CUSCAR:D:95B:UN'BGM+85+X1+9'NAD+CZ+ACME::9'UNT+4+1'UNZ+1+42'";

static void test_edifact_defaults(void **state)
{
	struct harness h;

	(void)state;
	harness_init(&h);
	feed(&h, EDI1);
	assert_int_equal(h.n, 6);
	assert_seg(&h, 0, "UNB+UNOA:2+SENDER:ZZ+RECV:ZZ+200101:1200+42'");
	assert_seg(&h, 3, "NAD+CZ+ACME::9'");
	assert_seg(&h, 5, "UNZ+1+42'");
	assert_int_equal(h.segs[0].syntax, ES_SYNTAX_EDIFACT);
	assert_int_equal(h.segs[0].seps.element, '+');
	assert_int_equal(h.segs[0].seps.component, ':');
	assert_int_equal(h.segs[0].seps.terminator, '\'');
	assert_int_equal(h.segs[0].seps.release, '?');
	assert_int_equal(h.segs[0].off, 0);
	assert_int_equal(h.segs[1].off, 44);
	assert_int_equal(h.n_inter, 1);
	assert_int_equal(h.st.mode, ES_MODE_SEEK);   /* back to seek after UNZ */
	harness_free(&h);
}

static void test_una_separators(void **state)
{
	struct harness h;

	(void)state;
	harness_init(&h);
	feed(&h, "UNA^*.? $UNB*UNOC^4*A^14*B^14*990420^1137*17$\r\nUNH*30*INVOIC^D^03B^UN$"
		 "FTX*AAA***PLASTICS?^ARTICLES ?$ 50?? OFF$UNT*3*30$UNZ*1*17$");
	assert_int_equal(h.n, 6);
	assert_seg(&h, 0, "UNA^*.? $");
	assert_seg(&h, 1, "UNB*UNOC^4*A^14*B^14*990420^1137*17$");
	assert_seg(&h, 3, "FTX*AAA***PLASTICS?^ARTICLES ?$ 50?? OFF$");
	assert_int_equal(h.segs[1].seps.component, '^');
	assert_int_equal(h.segs[1].seps.element, '*');
	assert_int_equal(h.segs[1].seps.terminator, '$');
	assert_int_equal(h.segs[1].seps.repetition, 0);   /* reserved space = none */
	assert_int_equal(h.n_inter, 1);
	harness_free(&h);

	/* syntax 4 repetition separator */
	harness_init(&h);
	feed(&h, "UNA:+.?*'UNB+UNOC:4+A+B+990420:1137+17'");
	assert_int_equal(h.n, 2);
	assert_int_equal(h.segs[1].seps.repetition, '*');
	harness_free(&h);
}

/* The release character as the last byte of a packet. */
static void test_release_across_packets(void **state)
{
	const char *a = "UNB+UNOA:2+S+R+200101:1200+1'UNH+1+CUSCAR:D:95B:UN'FTX+AAA+++PLASTICS?";
	const char *b = "'ARTICLES'UNT+3+1'";
	struct harness h;

	(void)state;
	harness_init(&h);
	feed(&h, a);
	feed(&h, b);
	assert_int_equal(h.n, 4);
	assert_seg(&h, 2, "FTX+AAA+++PLASTICS?'ARTICLES'");
	assert_int_equal(h.segs[2].off, 51);
	harness_free(&h);
}

static void test_bom_http_banner(void **state)
{
	struct harness h;

	(void)state;
	harness_init(&h);
	feed(&h, "\xef\xbb\xbfUNA:+.? 'UNB+UNOA:2+S+R+200101:1200+1'UNZ+0+1'");
	assert_int_equal(h.n, 3);
	assert_int_equal(h.segs[0].off, 3);
	harness_free(&h);

	harness_init(&h);
	feed(&h, "POST /as2 HTTP/1.1\r\nHost: edi.example\r\nAS2-From: SENDER\r\n"
		 "Content-Type: application/EDIFACT\r\nContent-Length: 99\r\n\r\n");
	assert_int_equal(h.n, 0);
	feed(&h, "UNB+UNOA:2+S+R+200101:1200+1'UNH+1+CUSCAR:D:95B:UN'UNT+2+1'UNZ+1+1'");
	assert_int_equal(h.n, 4);
	assert_seg(&h, 0, "UNB+UNOA:2+S+R+200101:1200+1'");
	harness_free(&h);

	harness_init(&h);
	feed(&h, "220 ProFTPD Server (EDI VAN) [::1]\r\nUSER edi\r\nSTOR IN/CUSCAR.EDI\r\n"
		 "GARBAGE UNIX SYSTEM STATUS ISA: none UNB: none\r\n"
		 "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
		 "*230525*2048*U*00401*000002910*0*P*>~\r\nGS*SO*S*R*20230525*2048*2910*X*004010~"
		 "ST*309*3899~M10*X*O*SG*9283186*MONTE~SE*3*3899~GE*1*2910~IEA*1*000002910~");
	assert_int_equal(h.n, 7);
	assert_seg(&h, 1, "GS*SO*S*R*20230525*2048*2910*X*004010~");
	assert_seg(&h, 3, "M10*X*O*SG*9283186*MONTE~");
	assert_int_equal(h.segs[0].seg_len, 106);
	assert_int_equal(h.segs[0].flags & ES_SEGF_ISA_NONFIXED, 0);
	assert_int_equal(h.segs[0].syntax, ES_SYNTAX_X12);
	assert_int_equal(h.segs[0].seps.element, '*');
	assert_int_equal(h.segs[0].seps.component, '>');
	assert_int_equal(h.segs[0].seps.terminator, '~');
	assert_int_equal(h.segs[0].seps.repetition, 0);   /* 00401: ISA11 is 'U' */
	harness_free(&h);
}

static void test_isa_repetition_and_nonfixed(void **state)
{
	struct harness h;

	(void)state;
	harness_init(&h);
	feed(&h, "ISA|00|          |00|          |ZZ|SENDER         |ZZ|RECEIVER       "
		 "|230525|2048|^|00501|000002910|0|P|:\nGS|SO|S|R|20230525|2048|2910|X|005010\n");
	assert_int_equal(h.n, 2);
	assert_int_equal(h.segs[0].seps.repetition, '^');
	assert_int_equal(h.segs[0].seps.terminator, '\n');
	assert_int_equal(h.segs[0].seps.component, ':');
	assert_int_equal(h.segs[0].seps.element, '|');
	assert_seg(&h, 1, "GS|SO|S|R|20230525|2048|2910|X|005010\n");
	harness_free(&h);

	harness_init(&h);
	feed(&h, "ISA*00* *00* *ZZ*HAMSUD*ZZ*PARTNERID*160526*2245*U*00401*053849086*0*P*>~\n"
		 "GS*SO*PARTNERID*HAMSUD*20160526*224500*1000*X*004010~\n");
	assert_int_equal(h.n, 2);
	assert_true(h.segs[0].flags & ES_SEGF_ISA_NONFIXED);
	assert_false(h.segs[1].flags & ES_SEGF_ISA_NONFIXED);
	assert_int_equal(h.segs[0].seps.component, '>');
	assert_int_equal(h.segs[0].seps.terminator, '~');
	harness_free(&h);
}

/* Garbage between interchanges, truncated interchanges, CR/LF. */
static void test_garbage_and_truncation(void **state)
{
	struct harness h;

	(void)state;
	harness_init(&h);
	feed(&h, "\x01\x02\xff junk UNB but not really UN UNBX ISAAC ISA ST GS\r\n");
	assert_int_equal(h.n, 0);
	/* truncated: no UNT/UNZ, then garbage, then a new interchange */
	feed(&h, "UNB+UNOA:2+S+R+200101:1200+1'\r\nUNH+1+CUSCAR:D:95B:UN'\r\nBGM+85+X1'");
	feed(&h, "\r\n-- connection reused --\r\nhello world, it's not EDI'");
	feed(&h, "\n\n\nUNB+UNOA:2+S2+R2+200101:1200+2'UNZ+0+2'");
	assert_int_equal(h.n, 5);
	assert_seg(&h, 0, "UNB+UNOA:2+S+R+200101:1200+1'");
	assert_seg(&h, 1, "UNH+1+CUSCAR:D:95B:UN'");
	assert_seg(&h, 3, "UNB+UNOA:2+S2+R2+200101:1200+2'");
	assert_true(h.segs[3].flags & ES_SEGF_AFTER_GAP);
	assert_false(h.segs[4].flags & ES_SEGF_AFTER_GAP);
	assert_int_equal(h.n_inter, 2);
	assert_true(h.n_garbage >= 1);
	/* a segment cut off by the end of an interchange absorbs what follows
	 * up to the next terminator: that is all a stream scanner can know */
	harness_free(&h);
	harness_init(&h);
	feed(&h, "UNB+UNOA:2+S+R+200101:1200+1'BGM+85+X1");
	feed(&h, "\r\nnot EDI'UNZ+0+1'");
	assert_int_equal(h.n, 3);
	assert_seg(&h, 1, "BGM+85+X1\r\nnot EDI'");
	harness_free(&h);
}

/* Messages without an envelope: UNH first, ST first. */
static void test_bare_messages(void **state)
{
	struct harness h;

	(void)state;
	harness_init(&h);
	feed(&h, "some banner\r\nUNH+638+COPRAR:D:95B:UN'BGM+45+2012+9+AB'UNT+2+638'");
	assert_int_equal(h.n, 3);
	assert_seg(&h, 0, "UNH+638+COPRAR:D:95B:UN'");
	harness_free(&h);

	harness_init(&h);
	feed(&h, "STATUS OK\nST*315*1883403~B4***UV*20221121~N9*BM*X~SE*4*1883403~");
	assert_int_equal(h.n, 4);
	assert_seg(&h, 0, "ST*315*1883403~");
	assert_seg(&h, 2, "N9*BM*X~");
	assert_int_equal(h.segs[0].seps.terminator, '~');
	harness_free(&h);
}

/* Only service segments and the asked-for tags are forwarded. */
static void test_tag_filter(void **state)
{
	static const char *const tags[] = { "NAD", "N9", NULL };
	struct harness h;

	(void)state;
	harness_init(&h);
	h.want_all = 0;
	h.tags = tags;
	feed(&h, EDI1);
	assert_int_equal(h.n, 5);          /* UNB UNH NAD UNT UNZ */
	assert_seg(&h, 2, "NAD+CZ+ACME::9'");
	assert_int_equal(h.n_skip, 1);     /* BGM */
	feed(&h, "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
		 "*230525*2048*U*00401*000002910*0*P*>~GS*SO*S*R*20230525*2048*2910*X*004010~"
		 "ST*309*3899~M10*X~N9*BM*1~SE*3*3899~GE*1*2910~IEA*1*000002910~");
	assert_int_equal(h.n, 5 + 7);
	assert_seg(&h, 8, "N9*BM*1~");
	assert_int_equal(h.n_skip, 2);
	harness_free(&h);
}

/* Segments longer than ES_SEG_MAX: first ES_SEG_MAX bytes, full length. */
static void test_truncation(void **state)
{
	char big[3000];
	struct harness h;
	size_t n;

	(void)state;
	n = (size_t)snprintf(big, sizeof(big), "UNB+UNOA:2+S+R+200101:1200+1'FTX+AAA+++");
	memset(big + n, 'X', 1500);
	n += 1500;
	n += (size_t)snprintf(big + n, sizeof(big) - n, "'UNZ+0+1'");
	harness_init(&h);
	/* in three packets so the carry fills up across them */
	harness_packet(&h, (uint8_t *)big, 100);
	harness_packet(&h, (uint8_t *)big + 100, 700);
	harness_packet(&h, (uint8_t *)big + 800, n - 800);
	assert_int_equal(h.n, 3);
	assert_int_equal(h.segs[1].seg_len, 10 + 1500 + 1);
	assert_int_equal(h.segs[1].data_len, ES_SEG_MAX);
	assert_true(h.segs[1].flags & ES_SEGF_TRUNCATED);
	assert_memory_equal(h.segs[1].data, big + 29, ES_SEG_MAX);
	assert_int_equal(h.n_trunc, 1);
	harness_free(&h);
}

/* After a gap the scanner seeks; UNH/GS/ST resync with the known separators. */
static void test_resync_after_gap(void **state)
{
	struct harness h;

	(void)state;
	harness_init(&h);
	feed(&h, "UNA:+.? 'UNB+UNOA:2+S+R+200101:1200+1'UNH+1+CUSCAR:D:95B:UN'NAD+CZ+A");
	es_scan_resync(&h.st);
	h.off += 1000;   /* bytes lost */
	feed(&h, "NY+IGNORED'LOC+5+X'UNT+9+1'UNH+2+CUSCAR:D:95B:UN'LOC+9+NLRTM'UNT+2+2'UNZ+2+1'");
	assert_int_equal(h.n, 3 + 4);
	assert_seg(&h, 3, "UNH+2+CUSCAR:D:95B:UN'");
	assert_true(h.segs[3].flags & ES_SEGF_AFTER_GAP);
	assert_false(h.segs[4].flags & ES_SEGF_AFTER_GAP);
	harness_free(&h);

	harness_init(&h);
	feed(&h, "ISA|00|          |00|          |ZZ|SENDER         |ZZ|RECEIVER       "
		 "|230525|2048|U|00401|000002910|0|P|:!ST|309|1!N9|X!");
	es_scan_resync(&h.st);
	feed(&h, "XX|1!N9|Y!SE|3|1!GS|SO|S|R|1|2|3|X|004010!ST|309|2!");
	assert_int_equal(h.n, 3 + 2);
	assert_seg(&h, 3, "GS|SO|S|R|1|2|3|X|004010!");
	harness_free(&h);
}

/*
 * A gap that swallowed the UNA of the next interchange: the UNH found by the
 * seek shows its component separator and terminator in S009 (type, version,
 * release, agency, then the terminator), so the message is split right
 * instead of being taken for one endless segment.
 */
static void test_resync_learns_unh_separators(void **state)
{
	struct harness h;

	(void)state;
	harness_init(&h);
	feed(&h, "UNA:|,? 'UNB|UNOC:3|S|R|200101:1200|1'UNH|1|CUSRES:D:96B:UN'BGM|962|X");
	es_scan_resync(&h.st);
	h.off += 1460;   /* lost: the rest, UNZ, and the next UNA/UNB */
	feed(&h, "+Y+9$\nUNH+2143210+CUSRES^D^96B^UN$\nBGM+962+26823424+9$\n"
		 "RFF+BM^MEDU2$\nUNT+4+2143210$\nUNZ+1+7$\n");
	assert_int_equal(h.n, 3 + 5);
	assert_seg(&h, 3, "UNH+2143210+CUSRES^D^96B^UN$");
	assert_true(h.segs[3].flags & ES_SEGF_AFTER_GAP);
	assert_seg(&h, 4, "BGM+962+26823424+9$");
	assert_seg(&h, 6, "UNT+4+2143210$");
	assert_seg(&h, 7, "UNZ+1+7$");
	harness_free(&h);

	/* a common access reference after S009 hides the terminator: the
	 * separators in force are kept */
	harness_init(&h);
	feed(&h, "UNB+UNOA:2+S+R+200101:1200+1'UNH+1+CUSCAR:D:95B:UN'BGM+85");
	es_scan_resync(&h.st);
	feed(&h, "X'UNH+2+CUSCAR:D:95B:UN+ACCESS'LOC+9+NLRTM'UNT+3+2'");
	assert_int_equal(h.n, 2 + 3);
	assert_seg(&h, 2, "UNH+2+CUSCAR:D:95B:UN+ACCESS'");
	harness_free(&h);
}

/*
 * A gap that took the UNA of an interchange whose separators differ from
 * the last one's: the UNH's S009 shows element, component and terminator,
 * and those differ from the ones in force, so the release character in
 * force is the other interchange's too: the default '?' is taken, not
 * '\' (edi-pcapgen -s 514 --pathologies: "O?'NEILL" ended a segment).
 */
static void test_resync_unh_other_seps_default_release(void **state)
{
	struct harness h;

	(void)state;
	harness_init(&h);
	feed(&h, "UNA:|,\\ ~UNB|UNOC:3|S|R|200101:1200|1~UNH|1|BAPLIE:D:95B:UN~BGM|X\\~Y");
	es_scan_resync(&h.st);
	h.off += 1460;
	feed(&h, "\r\nUNH+2+IFCSUM:D:99B:UN'\r\nNAD+CZ+YMLU::9++SILK ROAD O?'NEILL SRL'\r\n"
		 "FTX+AAA+++A?+B\\'\r\nUNT+4+2'\r\n");
	assert_int_equal(h.n, 3 + 4);
	assert_seg(&h, 3, "UNH+2+IFCSUM:D:99B:UN'");
	assert_int_equal(h.segs[3].seps.release, '?');
	assert_seg(&h, 4, "NAD+CZ+YMLU::9++SILK ROAD O?'NEILL SRL'");
	assert_seg(&h, 5, "FTX+AAA+++A?+B\\'");
	assert_seg(&h, 6, "UNT+4+2'");
	harness_free(&h);

	/* the same element, component and terminator: the release in force */
	harness_init(&h);
	feed(&h, "UNA:+.\\ 'UNB+UNOC:3+S+R+200101:1200+1'UNH+1+BAPLIE:D:95B:UN'BGM+X");
	es_scan_resync(&h.st);
	h.off += 1460;
	feed(&h, "UNH+2+IFCSUM:D:99B:UN'NAD+CZ+O\\'NEILL'UNT+3+2'");
	assert_int_equal(h.n, 3 + 3);
	assert_int_equal(h.segs[3].seps.release, '\\');
	assert_seg(&h, 4, "NAD+CZ+O\\'NEILL'");
	harness_free(&h);
}

/*
 * A UNB not right after a UNA starts an interchange with the default
 * separators, whatever the previous (truncated) interchange's UNA said:
 * at a segment boundary and after garbage alike.
 */
static void test_unb_without_una_defaults(void **state)
{
	static const char *const between[] = { "\r\n", "\r\nGARBAGE 123 $$ xyz\r\n" };
	struct harness h;

	(void)state;
	for (unsigned i = 0; i < sizeof(between) / sizeof(between[0]); i++) {
		harness_init(&h);
		feed(&h, "UNA^+,\\ ~UNB+UNOA^3+S^ZZZ+R^ZZZ+261113^0317+1~\r\n"
			 "UNH+1+BAPLIE^D^95B^UN^SMDG20~\r\nBGM++55518845+9~");
		feed(&h, between[i]);
		feed(&h, "UNB+UNOA:3+CUSTOMS:1+MSC:9+260317:1110+2'\r\n"
			 "UNH+7+IFCSUM:D:99B:UN'\r\nBGM+785+X+9'\r\nUNT+3+7'\r\nUNZ+1+2'\r\n");
		assert_int_equal(h.n, 4 + 5);
		assert_seg(&h, 4, "UNB+UNOA:3+CUSTOMS:1+MSC:9+260317:1110+2'");
		assert_seg(&h, 5, "UNH+7+IFCSUM:D:99B:UN'");
		assert_seg(&h, 8, "UNZ+1+2'");
		harness_free(&h);
	}
}

/*
 * A bare message (UNH first, default separators) right after a truncated
 * interchange whose separators differ: X12 (the UNH is no X12 segment, so
 * the scanner seeks from that very byte) and EDIFACT with another
 * terminator (the UNH's S009 shows it).
 */
static void test_bare_after_truncated(void **state)
{
	static const char *const before[] = {
		"ISA*00*          *00*          *12*DEZOLL         *ZZ*HHLA0          "
		"*260127*1000*^*00501*000000001*0*P*>~\nGS*QO*E*H*20260702*1911*1*X*005010~\n"
		"ST*315*1~\nDTM*140*20260118*0238~\n",
		"UNA^+,\\ ~UNB+UNOA^3+S^ZZZ+R^ZZZ+261113^0317+1~\r\n"
		"UNH+1+BAPLIE^D^95B^UN^SMDG20~\r\nBGM++55518845+9~\r\n",
	};
	static const unsigned n_before[] = { 4, 4 };
	struct harness h;

	(void)state;
	for (unsigned i = 0; i < sizeof(before) / sizeof(before[0]); i++) {
		harness_init(&h);
		feed(&h, before[i]);
		feed(&h, "UNH+493250+BAPLIE:D:95B:UN:SMDG20'\r\nBGM++1+9'\r\nUNT+3+493250'\r\n");
		assert_int_equal(h.n, n_before[i] + 3);
		assert_seg(&h, n_before[i], "UNH+493250+BAPLIE:D:95B:UN:SMDG20'");
		assert_seg(&h, n_before[i] + 2, "UNT+3+493250'");
		harness_free(&h);
	}
}

/*
 * A header found by the seek whose separators were guessed wrong (the gap
 * took the UNA before this UNB): no terminator within ES_SEG_MAX bytes, so
 * the scanner seeks again instead of taking 16 KiB for one segment, and the
 * next UNH (whose S009 shows the separators) is found.
 */
static void test_wrong_guess_after_gap_bounded(void **state)
{
	char buf[4096];
	struct harness h;
	size_t n = 0, k;

	(void)state;
	harness_init(&h);
	feed(&h, "UNB+UNOA:2+S+R+200101:1200+1'UNH+1+CUSCAR:D:95B:UN'BGM+85");
	es_scan_resync(&h.st);
	h.off += 900;
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "UNB+UNOA:3+S:1+R:1+260101:1200+9$\n");
	for (k = 0; k < 40; k++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "FTX+AAA+++ALPHA BRAVO %02zu$\n", k);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n,
			      "UNH+2+CUSRES:D:96B:UN$\nBGM+962+X+9$\nUNT+3+2$\n");
	for (k = 0; k < n; k += 100)
		harness_packet(&h, (const uint8_t *)buf + k, n - k < 100 ? n - k : 100);
	assert_int_equal(h.n, 2 + 3);
	assert_seg(&h, 2, "UNH+2+CUSRES:D:96B:UN$");
	assert_seg(&h, 4, "UNT+3+2$");
	harness_free(&h);
}


/*
 * X12 interchanges on one connection may each have their own terminator.
 * A gap that took the ISA of the next interchange leaves the old
 * separators in force; the ST the seek finds shows its own terminator
 * (ST*<3 digits>*<control number><terminator>), which wins over the old
 * one, so the message is split right and the next ISA is found.
 * (edi-pcapgen -s 504 --pathologies: 0x15 then '~', five messages lost.)
 */
static void test_resync_st_learns_terminator(void **state)
{
	static const char isa1[] =
		"ISA*00*          *00*          *12*CBPACE93236    *02*CBPACE25       "
		"*260820*1949*^*00501*809277102*0*P*:\x15\nGS*QO*S*R*20261101*1602*6*X*005010\x15\n"
		"ST*315*20456\x15\nB4***VA*20260709*0807**MSCU*805991*E\x15\n";
	static const char after[] =
		"ST*315*23193~\nN9*BM*OOLU01518863~\nSE*3*23193~\nGE*2*6~\nIEA*1*9~\n"
		"ISA*00*          *00*          *12*CBPACE93236    *02*CBPACE25       "
		"*260820*1949*^*00501*809277103*0*P*>~\nGS*IO*S*R*20261101*1602*7*X*005010~\n"
		"ST*310*96151~\nN9*BN*X1~\nSE*3*96151~\n";
	struct harness h;

	(void)state;
	harness_init(&h);
	h.want_all = 1;
	feed(&h, isa1);
	assert_int_equal(h.n, 4);
	es_scan_resync(&h.st);
	h.off += 780;
	feed(&h, after);
	assert_int_equal(h.n, 4 + 10);
	assert_seg(&h, 4, "ST*315*23193~");
	assert_true(h.segs[4].flags & ES_SEGF_AFTER_GAP);
	assert_int_equal(h.segs[4].seps.terminator, '~');
	assert_seg(&h, 5, "N9*BM*OOLU01518863~");
	assert_seg(&h, 8, "IEA*1*9~");
	assert_seg(&h, 10, "GS*IO*S*R*20261101*1602*7*X*005010~");
	assert_int_equal(h.segs[10].seps.component, '>');
	assert_seg(&h, 13, "SE*3*96151~");
	harness_free(&h);

	/* same terminator, ST03 after the control number (005010 guides):
	 * the separators in force are kept, component separator included */
	harness_init(&h);
	h.want_all = 1;
	feed(&h, isa1);
	es_scan_resync(&h.st);
	h.off += 100;
	feed(&h, "ST*834*0001*005010X220A1\x15\nN9*BM*A\x15\nSE*3*0001\x15\n");
	assert_int_equal(h.n, 4 + 3);
	assert_seg(&h, 4, "ST*834*0001*005010X220A1\x15");
	assert_int_equal(h.segs[4].seps.component, ':');
	harness_free(&h);
}

/*
 * A header the seek found with separators guessed wrong has ES_HDR_LIMIT
 * bytes to show its terminator; after that the seek goes on right behind
 * its tag, in the same packet: a whole 1460-byte packet taken for one
 * header would hide the interchange header after it. Here a GS resyncs
 * with the old terminator (0x15) where the sender now uses '~', and the
 * next ISA follows in the same packet.
 */
static void test_wrong_guess_limit_within_packet(void **state)
{
	char buf[2048];
	struct harness h;
	size_t n = 0, k;

	(void)state;
	harness_init(&h);
	h.want_all = 1;
	feed(&h, "ISA*00*          *00*          *12*CBPACE93236    *02*CBPACE25       "
		 "*260820*1949*^*00501*809277102*0*P*:\x15\nGS*QO*S*R*20261101*1602*6*X*005010\x15\n"
		 "ST*315*20456\x15\n");
	es_scan_resync(&h.st);
	h.off += 700;
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "GS*QO*S*R*20261101*1602*8*X*005010~\n");
	for (k = 0; k < 30; k++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "N9*BM*OOLU0151886%02zu~\n", k);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n,
			      "ISA*00*          *00*          *12*CBPACE93236    *02*CBPACE25       "
			      "*260820*1949*^*00501*809277103*0*P*>~\nGS*IO*S*R*20261101*1602*7*X*005010~\n"
			      "ST*310*96151~\nN9*BN*X1~\nSE*3*96151~\n");
	assert_true(n < 1460);
	harness_packet(&h, (const uint8_t *)buf, n);
	assert_int_equal(h.n, 3 + 5);
	assert_seg(&h, 3, "ISA*00*          *00*          *12*CBPACE93236    *02*CBPACE25       "
		     "*260820*1949*^*00501*809277103*0*P*>~");
	assert_seg(&h, 7, "SE*3*96151~");
	harness_free(&h);
}

/*
 * A malformed UNB (no syntax identifier: the terminator right after its
 * tag) inside a message. Found by fuzz_scan: a packet boundary a few bytes
 * after the UNB left its check undecided, the bytes were carried, and the
 * terminator among them was then missed, so "UNB+'" and "MOA+23'" came out
 * as one segment. Every cut must give what the whole stream gives.
 */
static void test_malformed_unb_every_cut(void **state)
{
	static const char s[] = "UNB+UNOA:2+S+R+200101:1200+1'UNH+1+X:D:95B:UN'"
				"UNB+'MOA+23'UNT+2+1'";
	size_t n = sizeof(s) - 1;
	struct harness whole, cut;

	(void)state;
	harness_init(&whole);
	whole.want_all = 1;
	harness_packet(&whole, (const uint8_t *)s, n);
	assert_true(whole.n >= 5);
	for (size_t k = 1; k < n; k++) {
		harness_init(&cut);
		cut.want_all = 1;
		harness_packet(&cut, (const uint8_t *)s, k);
		harness_packet(&cut, (const uint8_t *)s + k, n - k);
		if (cut.n != whole.n)
			fail_msg("cut at %zu: %zu segments, whole stream %zu", k, cut.n, whole.n);
		for (size_t i = 0; i < whole.n; i++)
			if (cut.segs[i].data_len != whole.segs[i].data_len ||
			    memcmp(cut.segs[i].data, whole.segs[i].data, whole.segs[i].data_len))
				fail_msg("cut at %zu: segment %zu differs", k, i);
		harness_free(&cut);
	}
	harness_free(&whole);
}

/*
 * Every two-packet cut of s gives the segments of the whole stream (bytes
 * and offsets): a header check that waits for bytes it does not need
 * carries a terminator among them into the next packet, where the
 * segment's terminator search starts after the carry and misses it.
 */
static void every_cut_same(const char *s, size_t min_segs)
{
	size_t n = strlen(s);
	struct harness whole, cut;

	harness_init(&whole);
	harness_packet(&whole, (const uint8_t *)s, n);
	if (whole.n < min_segs)
		fail_msg("\"%s\": %zu segments whole, expected %zu at least", s, whole.n, min_segs);
	for (size_t k = 1; k < n; k++) {
		harness_init(&cut);
		harness_packet(&cut, (const uint8_t *)s, k);
		harness_packet(&cut, (const uint8_t *)s + k, n - k);
		if (cut.n != whole.n)
			fail_msg("\"%s\" cut at %zu: %zu segments, whole stream %zu", s, k, cut.n,
				 whole.n);
		for (size_t i = 0; i < whole.n; i++)
			if (cut.segs[i].off != whole.segs[i].off ||
			    cut.segs[i].data_len != whole.segs[i].data_len ||
			    memcmp(cut.segs[i].data, whole.segs[i].data, whole.segs[i].data_len))
				fail_msg("\"%s\" cut at %zu: segment %zu differs", s, k, i);
		harness_free(&cut);
	}
	harness_free(&whole);
}

/*
 * A terminator (or release character) that is a letter or digit, here an
 * X12 ISA whose ISA16 and terminator are 'X': a segment start whose tag
 * bytes hold it must be judged at that byte, or a cut inside the tag
 * carries the terminator past the packet boundary (fuzz_scan, cuts of 1 to
 * 8 bytes: "ISA*00***************XXXF0*"). Every two-packet cut and random
 * small-piece cuts give the whole stream's segments.
 */
static void test_alnum_terminator_cuts(void **state)
{
	static const char *const streams[] = {
		"ISA*00***************XXXF0*",
		"ISA*00***************XXXF0*ST*1*2XAXN1*SH*AXABC*1XSE*3*1X",
		"UNA:+.A 'UNB+UNOA:2+S+R+200101:1200+1'UNH+1+X:D:95B:UN'"
		"ABC+1'XAB+2'UNT+4+1'UNZ+1+1'",
	};
	uint64_t rng = 0x9e3779b97f4a7c15ULL;

	(void)state;
	for (size_t t = 0; t < sizeof(streams) / sizeof(streams[0]); t++) {
		const char *s = streams[t];
		size_t n = strlen(s);

		every_cut_same(s, 1);
		for (int round = 0; round < 200; round++) {
			struct harness whole, cut;

			harness_init(&whole);
			harness_init(&cut);
			harness_packet(&whole, (const uint8_t *)s, n);
			feed_random_pieces(&cut, (const uint8_t *)s, n, 8, &rng);
			if (cut.n != whole.n)
				fail_msg("\"%s\" small cuts round %d: %zu segments, whole %zu", s, round,
					 cut.n, whole.n);
			for (size_t i = 0; i < whole.n; i++)
				if (cut.segs[i].off != whole.segs[i].off ||
				    cut.segs[i].data_len != whole.segs[i].data_len ||
				    memcmp(cut.segs[i].data, whole.segs[i].data, whole.segs[i].data_len))
					fail_msg("\"%s\" small cuts round %d: segment %zu differs", s,
						 round, i);
			harness_free(&whole);
			harness_free(&cut);
		}
	}
}

/*
 * UNH checks (S009 read for the message's own separators) inside an
 * interchange and in seek mode, and bare ST checks, malformed and well
 * formed: the same shape as the UNB check above (fuzz_scan found the UNH
 * one: "UNH+638+COPRUN'" then a line feed, the terminator taken for S009's
 * component separator while the check waited for more).
 */
static void test_unh_st_every_cut(void **state)
{
	(void)state;
	/* inside an interchange (segment start) */
	every_cut_same("UNB+UNOA:2+S+R+200101:1200+1'UNH+1+X:D:95B:UN'"
		       "UNH+638+COPRUN'\nBGM+4+1'UNT+3+1'", 5);
	every_cut_same("UNB+UNOA:2+S+R+200101:1200+1'UNH+1+X:D:95B:UN'"
		       "UNH'MOA+23'UNT+3+1'", 5);
	every_cut_same("UNB+UNOA:2+S+R+200101:1200+1'UNH+1+X:D:95B:UN'"
		       "UNH+1+CUSCAR'MOA+23'UNT+3+1'", 5);
	every_cut_same("UNB+UNOA:2+S+R+200101:1200+1'UNH+1+X:D:95B:UN'"
		       "UNH+1+CUSCAR:D:95B'MOA+23'UNT+3+1'", 5);
	every_cut_same("UNB+UNOA:2+S+R+200101:1200+1'UNH+1+X:D:95B:UN'"
		       "UNH+2+INVOIC:D:96A:UN'BGM+380+1'UNT+3+2'", 5);
	/* seek mode: bare messages */
	every_cut_same("junk UNH+638+COPRUN'\nBGM+4+1'UNT+3+638'", 2);
	every_cut_same("junk UNH+1+CUSCAR:D:95B:UN'BGM+85+1'UNT+3+1'", 3);
	every_cut_same("junk UNH*1*CUSCAR:D:95B:UN~BGM*85*1~UNT*3*1~", 3);
	/* bare ST (X12 without ISA), well formed and not */
	every_cut_same("junk ST*315*1883403~B4*1*2~SE*3*1883403~", 3);
	every_cut_same("junk ST*~B4*1*2~ST*315*0001~SE*2*0001~", 2);
	every_cut_same("junk ST*31~ST*315*0001~N1*SH*A~SE*3*0001~", 3);
	every_cut_same("junk ST*315*~ST*315*0001~N1*SH*A~SE*3*0001~", 3);
	/* ST inside an X12 interchange */
	every_cut_same("ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
		       "*230525*2048*U*00401*000002910*0*P*>~GS*SO*S*R*1*2*3*X*004010~"
		       "ST*~ST*315*0001~N1*SH*A~SE*3*0001~GE*1*1~IEA*1*000002910~", 8);
}

/*
 * Headers straddling the chunk boundary inside one large packet (the scanner
 * sees ES_SCAN_CHUNK bytes at a time): the last byte's header letter is a
 * candidate whose second letter is in the next chunk.
 */
static void test_header_across_chunks(void **state)
{
	static const char *const starts[] = {
		"UNB+UNOA:2+S+R+200101:1200+1'UNZ+0+1'",
		"UNA:+.? 'UNB+UNOA:2+S+R+200101:1200+1'UNZ+0+1'",
		"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
		"*230525*2048*U*00401*000002910*0*P*>~GS*SO*S*R*1*2*3*X*004010~IEA*1*000002910~",
		"UNH+1+CUSCAR:D:95B:UN'UNT+2+1'",
		"ST*315*1883403~SE*2*1883403~",
	};
	static char buf[3 * ES_SCAN_CHUNK];

	(void)state;
	for (size_t t = 0; t < sizeof(starts) / sizeof(starts[0]); t++) {
		for (size_t lead = ES_SCAN_CHUNK - 12; lead <= ES_SCAN_CHUNK + 2; lead++) {
			size_t n = strlen(starts[t]);
			struct rlist ref = { 0 };
			struct harness h;
			char what[64];

			/* junk full of near misses: header letters, but no pairs */
			for (size_t i = 0; i < lead; i++)
				buf[i] = "xU IxS-GzS.N T"[i % 14];
			memcpy(buf + lead, starts[t], n);
			if (starts[t][0] == 'S') {
				/* bare ST: the reference splitter knows no X12 without ISA */
				rpush(&ref, 0, 15);
				rpush(&ref, 15, 13);
			} else {
				reference_split((uint8_t *)buf + lead, n, &ref);
			}
			for (size_t k = 0; k < ref.n; k++)
				ref.v[k].off += lead;
			harness_init(&h);
			harness_packet(&h, (uint8_t *)buf, lead + n);
			snprintf(what, sizeof(what), "header %zu after %zu junk bytes", t, lead);
			assert_same_segments(&h, (uint8_t *)buf, &ref, what);
			harness_free(&h);
			free(ref.v);
		}
	}
}

/* ---- samples -------------------------------------------------------------- */

struct sample {
	char name[256];
	uint8_t *data;
	size_t n;
	struct rlist ref;
};

static struct sample samples[64];
static size_t n_samples;
static int samples_missing;

static int load_samples(void **state)
{
	const char *root = getenv("ROOT");
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *d;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/../shared/samples", root ? root : ".");
	d = opendir(dir);
	if (!d) {
		samples_missing = 1;
		return 0;
	}
	while ((de = readdir(d)) && n_samples < 64) {
		struct sample *s = &samples[n_samples];
		char path[PATH_MAX + 256];
		size_t l = strlen(de->d_name);

		if (l < 4 || (strcmp(de->d_name + l - 4, ".edi") && strcmp(de->d_name + l - 4, ".x12")))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		snprintf(s->name, sizeof(s->name), "%s", de->d_name);
		s->data = read_file(path, &s->n);
		if (!s->data)
			continue;
		reference_split(s->data, s->n, &s->ref);
		n_samples++;
	}
	closedir(d);
	return 0;
}

static int free_samples(void **state)
{
	(void)state;
	for (size_t i = 0; i < n_samples; i++) {
		free(samples[i].data);
		free(samples[i].ref.v);
	}
	return 0;
}

#define NEED_SAMPLES() do { \
	if (samples_missing || n_samples == 0) { \
		print_message("SKIPPED: ../shared/samples not found (set ROOT to the repository root)\n"); \
		skip(); \
	} \
} while (0)

static void test_samples_whole(void **state)
{
	(void)state;
	NEED_SAMPLES();
	for (size_t i = 0; i < n_samples; i++) {
		struct sample *s = &samples[i];
		struct harness h;

		assert_true(s->ref.n > 5);
		harness_init(&h);
		harness_packet(&h, s->data, s->n);
		assert_same_segments(&h, s->data, &s->ref, s->name);
		assert_int_equal(h.n_garbage, 0);
		harness_free(&h);
	}
	print_message("%zu samples scanned\n", n_samples);
}

/* Every two-packet cut of every sample gives the same segments. */
static void test_samples_every_cut(void **state)
{
	(void)state;
	NEED_SAMPLES();
	for (size_t i = 0; i < n_samples; i++) {
		struct sample *s = &samples[i];

		for (size_t cut = 1; cut < s->n; cut++) {
			struct harness h;
			char what[320];

			harness_init(&h);
			harness_packet(&h, s->data, cut);
			harness_packet(&h, s->data + cut, s->n - cut);
			snprintf(what, sizeof(what), "%.200s cut at %zu", s->name, cut);
			assert_same_segments(&h, s->data, &s->ref, what);
			harness_free(&h);
		}
	}
}

/* Random multi-packet cuts, small and large pieces. */
static void test_samples_random_cuts(void **state)
{
	uint64_t rng = 0x9e3779b97f4a7c15ULL;

	(void)state;
	NEED_SAMPLES();
	for (size_t i = 0; i < n_samples; i++) {
		struct sample *s = &samples[i];

		for (int round = 0; round < 60; round++) {
			size_t maxpiece = round % 3 == 0 ? 4 : round % 3 == 1 ? 64 : 3000;
			struct harness h;
			char what[320];

			harness_init(&h);
			feed_random_pieces(&h, s->data, s->n, maxpiece, &rng);
			snprintf(what, sizeof(what), "%.200s random round %d", s->name, round);
			assert_same_segments(&h, s->data, &s->ref, what);
			harness_free(&h);
		}
	}
}

/* All samples back to back on one connection, with junk between them. */
static void test_samples_concatenated(void **state)
{
	static const char junk[] = "\r\n250 OK transfer complete\r\n";
	struct rlist ref = { 0 };
	struct harness h;
	uint8_t *all;
	size_t total = 0, at = 0;

	(void)state;
	NEED_SAMPLES();
	for (size_t i = 0; i < n_samples; i++)
		total += sizeof(junk) - 1 + samples[i].n;
	all = malloc(total);
	assert_non_null(all);
	for (size_t i = 0; i < n_samples; i++) {
		struct sample *s = &samples[i];

		memcpy(all + at, junk, sizeof(junk) - 1);
		at += sizeof(junk) - 1;
		memcpy(all + at, s->data, s->n);
		for (size_t k = 0; k < s->ref.n; k++)
			rpush(&ref, at + s->ref.v[k].off, s->ref.v[k].len);
		at += s->n;
	}
	harness_init(&h);
	for (at = 0; at < total; at += 1448)
		harness_packet(&h, all + at, total - at < 1448 ? total - at : 1448);
	assert_same_segments(&h, all, &ref, "all samples concatenated");
	harness_free(&h);
	free(ref.v);
	free(all);
}

/*
 * es_run_tag() and its class (the fast path's tag and decision, no loop)
 * answer as es_parse_tag() on eight bytes: every combination of telling
 * bytes in the five a tag may take, under the separators the fast path
 * takes (no letters or digits; NUL, CR and no release character too);
 * bytes 5..7 vary too (neither may look at them). Where the class is
 * not ES_TAGT_BREAK, es_parse_tag() gives the same tag; where
 * es_parse_tag() gives a tag of two or three bytes that is no header or
 * interchange end, the class is not ES_TAGT_BREAK.
 */
static void test_run_tag_equals_parse(void **state)
{
	static const uint8_t bytes[] = { 'A', 'Z', 'N', '0', '9', 'a', '@', '[', '/', ':',
					 '+', '\'', '?', '*', '~', ' ', '\r', 0, 0xC1, 0x80 };
	static const struct es_seps seps[] = {
		{ .component = ':', .element = '+', .release = '?', .terminator = '\'' },
		{ .component = ':', .element = '+', .release = 0, .terminator = '\'' },
		{ .component = '>', .element = '*', .release = 0, .terminator = '~' },
		{ .component = ':', .element = 0, .release = '?', .terminator = '+' },
		{ .component = ':', .element = '+', .release = '@', .terminator = 0 },
		{ .component = ':', .element = '\r', .release = ':', .terminator = '[' },
	};
	const size_t nb = sizeof(bytes);
	size_t checked = 0, tags = 0, fast = 0;

	(void)state;
	for (size_t s = 0; s < sizeof(seps) / sizeof(seps[0]); s++) {
		const struct es_seps *sp = &seps[s];

		for (size_t i = 0; i < nb * nb * nb * nb * nb; i++) {
			size_t k = i;
			__u64 w = 0;
			__u32 tag = 0, got, cls;
			int r;

			for (int b = 0; b < 5; b++, k /= nb)
				w |= (__u64)bytes[k % nb] << (8 * b);
			w |= (__u64)bytes[i % 7] << 40 | (__u64)bytes[i % 11] << 48 |
			     (__u64)bytes[i % 13] << 56;
			r = es_parse_tag(w, 8, sp, &tag);
			got = es_run_tag(w, sp->element, sp->terminator);
			cls = es_tagt_class(got, 0);
			if (cls != ES_TAGT_BREAK && (r != ES_CL_SEG || got != tag))
				fail_msg("seps %zu word %016llx: es_parse_tag %d tag %08x, "
					 "es_run_tag %08x class %u", s, (unsigned long long)w, r,
					 tag, got, cls);
			if (r == ES_CL_SEG && es_tagt_class(tag, 0) != ES_TAGT_BREAK &&
			    cls == ES_TAGT_BREAK)
				fail_msg("seps %zu word %016llx: es_parse_tag tag %08x, es_run_tag "
					 "%08x breaks", s, (unsigned long long)w, tag, got);
			tags += r == ES_CL_SEG;
			fast += cls != ES_TAGT_BREAK;
			checked++;
		}
	}
	assert_true(tags > 1000 && fast > 1000 && tags < checked);
}

/*
 * The fast path (es_scan_run(), a run of ordinary segments per call) must
 * give exactly what the general step alone gives: segments with every
 * field, counters, the final state. Streams with what makes it stop or
 * count steps: release characters (also in the chunk's last bytes), CR LF
 * and other blanks, long and truncated segments, tags not forwarded,
 * UNZ/IEA and a new interchange, chunks of tiny segments. Cut whole, in
 * 1448- and 700-byte packets and in small random pieces.
 */
static void fast_vs_steps(const uint8_t *p, size_t n, int want_all, const char *what)
{
	static const char *const some[] = { "NAD", "FTX", "N1", NULL };
	uint64_t rng = 0x2545f4914f6cdd1dULL ^ n;

	for (int mode = 0; mode < 4; mode++) {
		struct harness fast, ref;
		size_t at = 0;

		harness_init(&fast);
		if (!want_all) {
			fast.want_all = 0;
			fast.tags = some;
		}
		ref = fast;
		ref.step_by_step = 1;
		while (at < n) {
			size_t k = mode == 0 ? n - at : mode == 1 ? 1448 : mode == 2 ? 700 : 0;

			if (mode == 3)
				k = random_piece(&rng, 40);
			if (k > n - at)
				k = n - at;
			harness_packet(&fast, p + at, k);
			harness_packet(&ref, p + at, k);
			at += k;
		}
		if (!harness_same(&fast, &ref))
			fail_msg("%s (cut mode %d, want_all %d): fast path %zu segments, "
				 "general step %zu", what, mode, want_all, fast.n, ref.n);
		harness_free(&fast);
		harness_free(&ref);
	}
}

static void test_fast_path_equals_steps(void **state)
{
	static char buf[64 * 1024];
	size_t n = 0;

	(void)state;
	n += (size_t)snprintf(buf + n, sizeof(buf) - n,
			      "UNA:+.? 'UNB+UNOC:3+S:ZZZ+R:ZZZ+240101:1200+1'\r\n");
	for (unsigned m = 1; m <= 30; m++) {
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
				      "UNH+%u+CUSCAR:D:95B:UN'\r\nBGM+85+MAN%u+9'\r\n"
				      "FTX+AAA+++RELEASED ?' AND ?? AND ?+ ?:%u'\r\n"
				      "NAD+CZ+++SHIPPER %u'  \r\n\tLOC+5+NLRTM'LOC+6+X'"
				      "FTX+AAA+++?'?'?'?'?'?'?'%u'\r\n\r\n\r\n\r\n   \r\nCNT+16:%u'",
				      m, m, m, m, m, m);
		if (m % 7 == 0) {
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "FTX+AAA+++");
			for (unsigned i = 0; i < 700; i++)
				buf[n++] = (char)('A' + i % 26);   /* truncated at ES_SEG_MAX */
			buf[n++] = '\'';
		}
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "UNT+9+%u'\r\n", m);
	}
	n += (size_t)snprintf(buf + n, sizeof(buf) - n,
			      "UNZ+30+1'\r\nUNB+UNOA:2+S+R+200101:1200+2'UNH+1+X:D:95B:UN'"
			      "AB'CD'EF+1'UNT+4+1'UNZ+1+2'"
			      "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
			      "*230525*2048*U*00401*000002910*0*P*>~GS*SO*S*R*1*2*3*X*004010~"
			      "ST*315*0001~N1*SH*A~N1*CN*B~SE*4*0001~GE*1*1~IEA*1*000002910~"
			      "UNB+UNOA:2+S+R+200101:1200+3'UNH+1+X:D:95B:UN'");
	/* chunks of tiny segments */
	for (unsigned i = 0; i < 1500 && n + 8 < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "A%u'", i % 10);
	assert_true(n < sizeof(buf) - 16);
	fast_vs_steps((const uint8_t *)buf, n, 1, "synthetic stream");
	fast_vs_steps((const uint8_t *)buf, n, 0, "synthetic stream");
	/* seek steps of two bytes each (most of a chunk's step budget), then
	 * an interchange whose segments with release characters reach the
	 * chunk's end */
	for (size_t lead = 1700; lead < 1960; lead += 37) {
		n = 0;
		for (size_t i = 0; i < lead / 2; i++) {
			buf[n++] = 'U';
			buf[n++] = 'N';
		}
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "UNB+UNOA:2+S+R+200101:1200+1'");
		for (unsigned i = 0; i < 300; i++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "AB+?'%u?''", i % 10);
		fast_vs_steps((const uint8_t *)buf, n, 1, "step budget");
	}
	for (size_t i = 0; i < n_samples; i++) {
		fast_vs_steps(samples[i].data, samples[i].n, 1, samples[i].name);
		fast_vs_steps(samples[i].data, samples[i].n, 0, samples[i].name);
	}
	if (!n_samples)
		print_message("SKIPPED (in part): ../shared/samples not found, synthetic stream only\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edifact_defaults),
		cmocka_unit_test(test_una_separators),
		cmocka_unit_test(test_release_across_packets),
		cmocka_unit_test(test_bom_http_banner),
		cmocka_unit_test(test_isa_repetition_and_nonfixed),
		cmocka_unit_test(test_garbage_and_truncation),
		cmocka_unit_test(test_bare_messages),
		cmocka_unit_test(test_tag_filter),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_resync_after_gap),
		cmocka_unit_test(test_resync_learns_unh_separators),
		cmocka_unit_test(test_resync_unh_other_seps_default_release),
		cmocka_unit_test(test_unb_without_una_defaults),
		cmocka_unit_test(test_bare_after_truncated),
		cmocka_unit_test(test_wrong_guess_after_gap_bounded),
		cmocka_unit_test(test_resync_st_learns_terminator),
		cmocka_unit_test(test_wrong_guess_limit_within_packet),
		cmocka_unit_test(test_header_across_chunks),
		cmocka_unit_test(test_unh_st_every_cut),
		cmocka_unit_test(test_alnum_terminator_cuts),
		cmocka_unit_test(test_samples_whole),
		cmocka_unit_test(test_malformed_unb_every_cut),
		cmocka_unit_test(test_samples_every_cut),
		cmocka_unit_test(test_samples_random_cuts),
		cmocka_unit_test(test_samples_concatenated),
		cmocka_unit_test(test_run_tag_equals_parse),
		cmocka_unit_test(test_fast_path_equals_steps),
	};

	return cmocka_run_group_tests(tests, load_samples, free_samples);
}
