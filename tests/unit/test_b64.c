/*
 * Base64 bodies in userspace: the streaming decoder (b64_decode.c) and the
 * decode-and-scan path (b64_body.c) that turns ES_EV_B64 items into the
 * segment events the kernel would have sent for the plaintext. Also the
 * host build of the kernel's base64 seek (bpf/edi_scan.h, ES_MODE_B64)
 * through the scanner harness. Uses ../shared/samples when present (that
 * part skipped loudly otherwise).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <cmocka.h>
#include "b64_body.h"
#include "b64_decode.h"
#include "sample_events.h"
#include "../lib/b64_text.h"

static uint32_t rng_state = 12345;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* Stream offset (from the text's start) of the alphabet character number
 * ch of text: the reference b64_dec_raw_of() must give. */
static size_t char_pos(const char *text, size_t n, uint64_t ch)
{
	for (size_t i = 0; i < n; i++) {
		char c = text[i];

		if (c == '\r' || c == '\n' || c == '=')
			continue;
		if (ch-- == 0)
			return i;
	}
	return SIZE_MAX;
}

/* Decodes text in pieces cut at the cuts (ascending, last = n), at stream
 * offset base; returns the bytes, checks every offset. */
static size_t decode_cut(const char *text, size_t n, const size_t *cuts, size_t ncuts,
			 uint8_t *out, uint64_t base)
{
	static struct b64_dec d;
	size_t w = 0, at = 0;

	b64_dec_init(&d);
	for (size_t i = 0; i < ncuts; i++) {
		w += b64_dec_feed(&d, base + at, (const uint8_t *)text + at, cuts[i] - at, out + w);
		at = cuts[i];
	}
	w += b64_dec_finish(&d, out + w);
	assert_int_equal(d.invalid, 0);
	for (uint64_t k = 0; k < w; k++)
		assert_int_equal(b64_dec_raw_of(&d, k), base + char_pos(text, n, k / 3 * 4 + k % 3));
	assert_int_equal(d.map_misses, 0);
	return w;
}

/* Random bytes of every length 0..200, lines of 76 / 64 / one line, cut in
 * two at every place and at random places: the bytes back, each byte's
 * offset that of its first character. */
static void test_decode_round_trip(void **state)
{
	static const unsigned lines[] = { 76, 64, 0 };
	uint8_t src[200], out[400];
	char text[B64_TEXT_MAX(200)];

	(void)state;
	for (size_t len = 0; len <= 200; len += (len < 12 ? 1 : 17)) {
		for (size_t i = 0; i < len; i++)
			src[i] = (uint8_t)rnd();
		for (size_t l = 0; l < 3; l++) {
			size_t tn = b64_text(src, len, text, lines[l]);

			for (size_t c = 0; c <= tn; c++) {
				size_t cuts[2] = { c, tn };

				assert_int_equal(decode_cut(text, tn, cuts, 2, out, 1000), len);
				assert_memory_equal(out, src, len);
			}
			for (int r = 0; r < 20; r++) {
				size_t cuts[8], nc = 0, at = 0;

				while (nc < 7 && at < tn) {
					at += 1 + rnd() % 40;
					cuts[nc++] = at < tn ? at : tn;
				}
				if (!nc || cuts[nc - 1] != tn)
					cuts[nc++] = tn;
				assert_int_equal(decode_cut(text, tn, cuts, nc, out, 7), len);
				assert_memory_equal(out, src, len);
			}
		}
	}
}

/* Hostile text: bytes outside the alphabet are counted and skipped, after
 * '=' everything is, a lone last character is invalid; nothing crashes. */
static void test_decode_invalid(void **state)
{
	struct b64_dec *d = malloc(sizeof(*d));
	uint8_t out[B64_DEC_ROOM(4096) + 2], junk[4096];
	size_t n;

	(void)state;
	assert_non_null(d);
	b64_dec_init(d);
	n = b64_dec_feed(d, 0, (const uint8_t *)"VU5!CQ\x80==VU5C", 13, out);
	assert_int_equal(n, 3);           /* "VU5C" (the '!' skipped): "UNB" */
	/* '!', 0x80, the lone Q the '=' ends, VU5C after the '=' */
	assert_int_equal(d->invalid, 1 + 1 + 1 + 4);
	b64_dec_init(d);
	n = b64_dec_feed(d, 0, (const uint8_t *)"VU5BQ", 5, out);
	n += b64_dec_finish(d, out + n);
	assert_int_equal(n, 3);
	assert_int_equal(d->invalid, 1);  /* the lone Q */
	/* random bytes of every value, in random pieces */
	for (int r = 0; r < 50; r++) {
		size_t at = 0, w = 0;

		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (uint8_t)rnd();
		b64_dec_init(d);
		while (at < sizeof(junk)) {
			size_t k = 1 + rnd() % 600;

			if (k > sizeof(junk) - at)
				k = sizeof(junk) - at;
			w += b64_dec_feed(d, at * 3, junk + at, k, out + w);
			at += k;
		}
		w += b64_dec_finish(d, out + w);
		assert_true(w <= B64_DEC_ROOM(sizeof(junk)));
		for (uint64_t k = 0; k < w; k += 97)
			(void)b64_dec_raw_of(d, k);
	}
	free(d);
}

/* ---- the kernel's seek, host build ----------------------------------- */

#define STREAM B64_TEST_STREAM
#define STREAM_LEN B64_TEST_STREAM_LEN
static const char HEAD[] = "POST /as2 HTTP/1.1\r\nContent-Transfer-Encoding: base64\r\n\r\n";

/* HEAD, src as base64 (76-character lines), tail. */
static size_t make_body_msg(const uint8_t *src, size_t n, const char *tail, char *out,
			    size_t *text_len)
{
	size_t h = strlen(HEAD), t;

	memcpy(out, HEAD, h);
	t = b64_text(src, n, out + h, 76);
	memcpy(out + h + t, tail, strlen(tail));
	*text_len = t;
	return h + t + strlen(tail);
}

/* Every cut into three packets around the start: one body, its text
 * exactly, nothing else. */
static void test_seek_every_cut(void **state)
{
	static char m[4096];
	size_t tl, ml = make_body_msg((const uint8_t *)STREAM, STREAM_LEN, "--b--\r\n", m, &tl);
	size_t h = strlen(HEAD);

	(void)state;
	for (size_t a = h - 3; a < h + 14; a++)
		for (size_t b = a; b < h + 20; b++) {
			struct harness hs;

			harness_init(&hs);
			harness_packet(&hs, (const uint8_t *)m, a);
			harness_packet(&hs, (const uint8_t *)m + a, b - a);
			harness_packet(&hs, (const uint8_t *)m + b, ml - b);
			assert_int_equal(hs.b64_bodies, 1);
			assert_int_equal(hs.b64_end_text, 1);
			assert_int_equal(hs.b64_discontig, 0);
			assert_int_equal(hs.b64_first_off, h);
			assert_int_equal(hs.b64_n, tl);
			assert_memory_equal(hs.b64, m + h, tl);
			assert_int_equal(hs.n, 0);
			harness_free(&hs);
		}
}

/* "VU5B"/"SVNB" that start no body: mid-line, or not decoding to a
 * header; the same letters as an EDIFACT value inside an interchange. */
static void test_seek_no_misfire(void **state)
{
	static const char *const texts[] = {
		"X-Token: VU5BOisuPyAnVU5CK1VOT0M6\r\n",
		"\r\nVU5BAAAAAAAA\r\n",            /* UNA + NUL separators */
		"\r\nVU5CK1VOT0M6NCtIQVBB\r\n"    /* UNB+UNOC:4+HAPA: a body */,
		"\r\nSVNBKjBYKjAw\r\n",            /* ISA*0X*00: ISA01 not digits */
		"\r\nVU5BOis\r\n",                 /* cut short by a line end */
		"\r\nVU5IKzEyMytDVVND\r\n",         /* UNH+123+CUSC: a bare message */
		"\r\nVU5IKysrKysr\r\n",             /* UNH++++++: no reference */
	};
	static const int bodies[] = { 0, 0, 1, 0, 0, 1, 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct harness hs;

		harness_init(&hs);
		harness_packet(&hs, (const uint8_t *)texts[i], strlen(texts[i]));
		if ((int)hs.b64_bodies != bodies[i])
			fail_msg("'%s': %u bodies, want %d", texts[i], hs.b64_bodies, bodies[i]);
		harness_free(&hs);
	}
}

/* V after LF or '/' that starts no body, cut at every place into two
 * packets: no body, and the plaintext interchange after it found whole,
 * as without them. */
static void test_seek_v_candidates(void **state)
{
	static const char pre[] = "GET / HTTP/1.1\r\nVary: *\r\nVU\r\n/V\r\n\r\nV";
	static char m[1024];
	size_t pl = sizeof(pre) - 1, ml = pl + STREAM_LEN;
	struct harness ref;

	(void)state;
	memcpy(m, pre, pl);
	memcpy(m + pl, STREAM, STREAM_LEN);
	harness_init(&ref);
	harness_packet(&ref, (const uint8_t *)STREAM, STREAM_LEN);
	for (size_t c = 0; c <= ml; c++) {
		struct harness hs;

		harness_init(&hs);
		harness_packet(&hs, (const uint8_t *)m, c);
		harness_packet(&hs, (const uint8_t *)m + c, ml - c);
		assert_int_equal(hs.b64_bodies, 0);
		assert_int_equal(hs.n, ref.n);
		for (size_t i = 0; i < ref.n; i++) {
			assert_int_equal(hs.segs[i].off, ref.segs[i].off + pl);
			assert_memory_equal(hs.segs[i].data, ref.segs[i].data, ref.segs[i].data_len);
		}
		harness_free(&hs);
	}
	harness_free(&ref);
}

/* ---- decode and scan: b64_body.c -------------------------------------- */

static void collect(void *ctx, const struct es_event *ev, size_t len)
{
	struct ev_list *l = ctx;
	struct es_event *e = ev_push(l);

	assert_true(len >= ES_EVENT_HDR_LEN && len <= sizeof(*e));
	memcpy(e, ev, len);
}

/* ES_EV_B64 items of the text (stream offset base), cut every step bytes
 * (at most ES_SEG_MAX), a start and an end item, as the kernel sends them. */
static void feed_items(struct b64_bodies *b, const struct es_flow_key *k, const char *text,
		       size_t n, uint64_t base, size_t step)
{
	static struct es_event ev;

	for (size_t at = 0; at <= n; at += step) {
		size_t k2 = n - at < step ? n - at : step;

		memset(&ev, 0, ES_EVENT_HDR_LEN);
		ev.type = ES_EV_B64;
		ev.flow = *k;
		ev.stream_off = base + at;
		ev.seg_len = (uint32_t)at;
		ev.aux = at == 0 ? ES_B64_START : ES_B64_MORE;
		ev.data_len = (uint16_t)k2;
		memcpy(ev.data, text + at, k2);
		if (k2)
			b64_bodies_event(b, &ev);
		if (at + step > n)
			break;
	}
	memset(&ev, 0, ES_EVENT_HDR_LEN);
	ev.type = ES_EV_B64;
	ev.flow = *k;
	ev.stream_off = base + n;
	ev.aux = ES_B64_END_TEXT;
	b64_bodies_event(b, &ev);
}

static const char ALL[][4] = { "*" };
static const size_t N_ALL = 1;

/* src as a base64 body through b64_body.c gives the segments the scanner
 * finds in the plaintext, flagged base64, each at the offset of the first
 * character carrying its first byte. */
static void check_body(const uint8_t *src, size_t n, size_t step)
{
	static char text[B64_TEXT_MAX(1 << 20)];
	struct ev_list got = { 0 };
	struct harness plain;
	struct es_flow_key k;
	struct b64_bodies *b;
	size_t tn;

	assert_true(n < (1 << 20));
	tn = b64_text(src, n, text, 76);
	harness_init(&plain);
	harness_packet(&plain, src, n);
	test_flow_key(&k, 9, 4711);
	b = b64_bodies_new(4, ALL, &N_ALL, collect, &got);
	assert_non_null(b);
	feed_items(b, &k, text, tn, 5000, step);
	assert_int_equal(got.n, plain.n);
	for (size_t i = 0; i < plain.n; i++) {
		const struct hseg *s = &plain.segs[i];
		const struct es_event *e = &got.ev[i];

		assert_int_equal(e->type, ES_EV_SEGMENT);
		assert_int_equal(e->stream_off,
				 5000 + char_pos(text, tn, s->off / 3 * 4 + s->off % 3));
		assert_int_equal(e->seg_len, s->seg_len);
		assert_int_equal(e->flags, s->flags | ES_SEGF_BASE64);
		assert_int_equal(e->syntax, s->syntax);
		assert_memory_equal(&e->seps, &s->seps, sizeof(s->seps));
		assert_int_equal(e->data_len, s->data_len);
		assert_memory_equal(e->data, s->data, s->data_len);
	}
	assert_int_equal(b64_bodies_stats(b)->bodies, 1);
	assert_int_equal(b64_bodies_stats(b)->ended_text, 1);
	assert_int_equal(b64_bodies_stats(b)->invalid_chars, 0);
	assert_int_equal(b64_bodies_stats(b)->decoded_bytes, n);
	assert_int_equal(b64_bodies_stats(b)->offset_misses, 0);
	b64_bodies_free(b);
	harness_free(&plain);
	free(got.ev);
}

/* A body whose last segments are not forwarded (tag not asked for) and
 * whose last one the body's end cuts: one end event counts them, as a
 * GAP or FLOW_END carries the kernel's. */
static void test_body_end_counts(void **state)
{
	static const char src[] = "UNB+UNOA:1+S+R+240101:1200+1'UNH+1+CUSCAR:D:95B:UN'"
				  "BGM+85+M+9'FTX+AAA+++X'FTX+AAA+++Y'NAD+CZ+++CU";
	static const char tags[][4] = { "NAD" };
	static const size_t n_tags = 1;
	static char text[B64_TEXT_MAX(sizeof(src))];
	struct ev_list got = { 0 };
	struct es_flow_key k;
	struct b64_bodies *b;
	size_t tn = b64_text((const uint8_t *)src, sizeof(src) - 1, text, 76);
	const struct es_event *e;

	(void)state;
	test_flow_key(&k, 9, 4712);
	b = b64_bodies_new(4, tags, &n_tags, collect, &got);
	assert_non_null(b);
	feed_items(b, &k, text, tn, 100, 40);
	/* UNB, UNH forwarded (service segments); BGM, FTX, FTX skipped; NAD cut */
	assert_int_equal(got.n, 3);
	e = &got.ev[2];
	assert_int_equal(e->type, ES_EV_B64);
	assert_int_equal(e->flags & ES_SEGF_BASE64, ES_SEGF_BASE64);
	assert_int_equal(e->data_len, 0);
	assert_int_equal(e->seg_len, 3 + 1);
	b64_bodies_free(b);
	free(got.ev);
}

static void test_body_segments(void **state)
{
	(void)state;
	for (size_t step = 1; step <= ES_SEG_MAX; step = step * 3 + 1)
		check_body((const uint8_t *)STREAM, STREAM_LEN, step);
}

/* Every sample as a base64 body: the same segments as its plaintext. */
static void test_body_samples(void **state)
{
	const char *dir = samples_dir();
	struct dirent *de;
	DIR *d;
	int n = 0;

	(void)state;
	if (!dir) {
		print_message("SKIPPED: ../shared/samples not found (EDI_SAMPLES / ROOT)\n");
		skip();
	}
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		char path[4400];
		uint8_t *buf;
		size_t len = 0;

		if (!strstr(de->d_name, ".edi") && !strstr(de->d_name, ".x12"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		buf = read_file(path, &len);
		assert_non_null(buf);
		check_body(buf, len, ES_SEG_MAX);
		check_body(buf, len, 77);
		free(buf);
		n++;
	}
	closedir(d);
	assert_true(n > 0);
}

/* Items that do not fit: orphans, holes, GAP and FLOW_END, a restart, more
 * bodies than room, garbage text: counted by why, no crash, no segment out
 * of garbage. */
static void test_body_hostile(void **state)
{
	static struct es_event ev;
	struct ev_list got = { 0 };
	struct es_flow_key k[6];
	struct b64_bodies *b = b64_bodies_new(4, ALL, &N_ALL, collect, &got);
	const struct b64_body_stats *st;

	(void)state;
	assert_non_null(b);
	st = b64_bodies_stats(b);
	for (int i = 0; i < 6; i++)
		test_flow_key(&k[i], (uint8_t)(20 + i), (uint16_t)(1000 + i));
	memset(&ev, 0, sizeof(ev));
	ev.type = ES_EV_B64;
	ev.flow = k[0];
	ev.aux = ES_B64_MORE;
	ev.data_len = 8;
	memcpy(ev.data, "QUJDREVG", 8);
	b64_bodies_event(b, &ev);                  /* no start: orphan */
	assert_int_equal(st->orphan_items, 1);
	for (int i = 0; i < 6; i++) {              /* six starts, room for four */
		ev.flow = k[i];
		ev.aux = ES_B64_START;
		ev.stream_off = 100;
		b64_bodies_event(b, &ev);
	}
	assert_int_equal(st->bodies, 6);
	assert_int_equal(st->ended_evicted, 2);
	ev.flow = k[5];
	ev.aux = ES_B64_MORE;
	ev.stream_off = 200;                       /* a hole: lost */
	b64_bodies_event(b, &ev);
	assert_int_equal(st->ended_lost, 1);
	ev.type = ES_EV_GAP;
	ev.flow = k[4];
	b64_bodies_event(b, &ev);
	ev.type = ES_EV_FLOW_END;
	ev.flow = k[3];
	b64_bodies_event(b, &ev);
	assert_int_equal(st->ended_gap, 1);
	assert_int_equal(st->ended_flow, 1);
	/* garbage text of every byte value into an open body */
	ev.type = ES_EV_B64;
	ev.flow = k[2];
	ev.stream_off = 108;
	for (int r = 0; r < 200; r++) {
		ev.data_len = (uint16_t)(rnd() % (ES_SEG_MAX + 1));
		for (unsigned i = 0; i < ev.data_len; i++)
			ev.data[i] = (uint8_t)rnd();
		b64_bodies_event(b, &ev);
		ev.stream_off += ev.data_len;
	}
	assert_true(st->invalid_chars == 0);       /* counted when the body ends */
	b64_bodies_flush(b);
	assert_true(st->invalid_chars > 0);
	assert_int_equal(st->ended_flush, 1);      /* k[2]: the others ended above */
	b64_bodies_free(b);
	free(got.ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_round_trip),
		cmocka_unit_test(test_decode_invalid),
		cmocka_unit_test(test_seek_every_cut),
		cmocka_unit_test(test_seek_no_misfire),
		cmocka_unit_test(test_seek_v_candidates),
		cmocka_unit_test(test_body_segments),
		cmocka_unit_test(test_body_end_counts),
		cmocka_unit_test(test_body_samples),
		cmocka_unit_test(test_body_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
