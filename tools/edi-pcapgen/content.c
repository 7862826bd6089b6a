/* What each direction of a connection says: EDI interchanges (raw, as HTTP
 * POST bodies, after an FTP-like banner), the answers, and background
 * HTTP/TLS talk. Also the manifest spans of the messages and interchanges. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

void span_push(struct tdir *t, uint64_t start, uint64_t end, uint8_t patho, char *json)
{
	struct span *s;

	if (t->rcount == SPAN_RING) {
		/* Never expected (chunks are bounded); keep memory bounded anyway. */
		free(t->ring[t->rhead].json);
		t->rhead = (t->rhead + 1) % SPAN_RING;
		t->rcount--;
	}
	s = &t->ring[(t->rhead + t->rcount) % SPAN_RING];
	s->start = start;
	s->end = end;
	s->ichg_start = start;
	s->patho = patho;
	s->json = json;
	t->rcount++;
}

/* A gap also counts for a message when it fell earlier in the message's
 * interchange: the envelope (UNB/UNG, ISA/GS) or the parser's footing may be
 * what was lost. Other pathologies count only on the message's own bytes. */
void span_mark(struct tdir *t, uint64_t start, uint64_t end, uint8_t bits)
{
	for (unsigned i = 0; i < t->rcount; i++) {
		struct span *s = &t->ring[(t->rhead + i) % SPAN_RING];
		uint64_t from = (bits & PB_GAP) ? s->ichg_start : s->start;

		if (from < end && start < s->end)
			s->patho |= bits;
	}
}

void span_flush(struct gen *g, struct tdir *t, bool force)
{
	while (t->rcount) {
		struct span *s = &t->ring[t->rhead];

		if (!force && (s->end > t->sent || (t->held && t->held_off < s->end) ||
			       t->origin_wait))
			break;
		if (s->json)
			manifest_line(g, s->json, strlen(s->json),
				      (int64_t)s->start - (int64_t)t->origin, s->patho);
		free(s->json);
		s->json = NULL;
		t->rhead = (t->rhead + 1) % SPAN_RING;
		t->rcount--;
	}
}

static char *dup_ebuf(struct ebuf *b)
{
	char *s;

	if (b->err)
		return NULL;
	s = malloc(b->len + 1);
	if (!s)
		return NULL;
	memcpy(s, b->data, b->len);
	s[b->len] = '\0';
	return s;
}

struct msg_ctx {
	struct gen *g;
	struct conn *c;
	int d;
	uint64_t base;   /* stream offset of the builder buffer's first byte */
	uint8_t patho;
};

static void on_message(void *ctx, const struct msg_meta *m)
{
	struct msg_ctx *mc = ctx;
	struct tdir *t = &mc->c->d[mc->d];
	struct ebuf *l = &mc->g->line;
	uint8_t patho = mc->patho | (m->truncated ? PB_TRUNCATED : 0);

	ebuf_reset(l);
	ebuf_printf(l, "{\"kind\":\"message\",\"syntax\":\"%s\",\"flow\":",
		    m->syntax == META_X12 ? "SYNTAX_X12" : "SYNTAX_EDIFACT");
	ebuf_puts(l, t->flow_json);
	ebuf_puts(l, ",\"envelope\":");
	meta_envelope_json(l, &m->env);
	meta_values_json(l, m);
	span_push(t, mc->base + m->offset, mc->base + m->end, patho, dup_ebuf(l));
	mc->g->messages++;
}

static void interchange_json(struct conn *c, int d, const struct ichg_info *in,
			     uint32_t garbage, struct ebuf *l)
{
	const struct edi_seps *s = &in->seps;
	char seps[6][3];
	const char vals[6] = { s->component, s->element, s->decimal, s->release, s->repetition,
			       s->terminator };

	for (int i = 0; i < 6; i++) {
		seps[i][0] = vals[i];
		seps[i][1] = '\0';
	}
	ebuf_reset(l);
	ebuf_printf(l, "{\"kind\":\"interchange\",\"syntax\":\"%s\",\"flow\":",
		    in->syntax == META_X12 ? "SYNTAX_X12" : "SYNTAX_EDIFACT");
	ebuf_puts(l, c->d[d].flow_json);
	ebuf_puts(l, ",\"envelope\":");
	meta_envelope_json(l, &in->env);
	ebuf_printf(l, ",\"una\":%s,\"separators\":{\"component\":", in->una ? "true" : "false");
	json_str(l, seps[0]);
	ebuf_puts(l, ",\"element\":");
	json_str(l, seps[1]);
	ebuf_puts(l, ",\"decimal\":");
	json_str(l, seps[2]);
	if (in->syntax == META_EDIFACT) {
		ebuf_puts(l, ",\"release\":");
		json_str(l, seps[3]);
		ebuf_puts(l, ",\"repetition\":");
		json_str(l, seps[4]);
	}
	ebuf_puts(l, ",\"terminator\":");
	json_str(l, seps[5]);
	ebuf_printf(l, "},\"layout\":\"%s\",\"messages\":%u,\"groups\":%u,\"transport\":\"%s\","
		       "\"garbageBefore\":%u,\"truncated\":%s,\"bare\":%s",
		    in->layout, in->messages, in->groups, c->transport, garbage,
		    in->truncated ? "true" : "false", in->bare ? "true" : "false");
	if (in->syntax == META_X12)
		ebuf_printf(l, ",\"isaFixed\":%s", in->isa_nonfixed ? "false" : "true");
}

/* Garbage between interchanges: no upper-case letters, so it can never
 * spell UNA/UNB/UNH/ISA/ST by accident. */
static void put_garbage(struct gen *g, struct ebuf *b, uint32_t n)
{
	static const char text[] = "abcdefghijklmnopqrstuvwxyz0123456789 .,-_/#%&()\r\n";

	for (uint32_t i = 0; i < n; i++) {
		if (rng_chance(&g->rng, 0.7)) {
			ebuf_putc(b, (uint8_t)text[rng_below(&g->rng, sizeof(text) - 1)]);
		} else {
			uint8_t c = (uint8_t)rng_below(&g->rng, 256);

			ebuf_putc(b, (c >= 'A' && c <= 'Z') ? (uint8_t)(c | 0x20) : c);
		}
	}
}

/* Builds one interchange into g->tmp and queues its manifest spans, with
 * stream offsets as if g->tmp started at stream offset base. */
static int build_interchange(struct gen *g, struct conn *c, int d, uint64_t base,
			     uint32_t garbage, uint8_t patho)
{
	struct msg_ctx mc = { .g = g, .c = c, .d = d, .base = base, .patho = patho };
	bool truncate = rng_chance(&g->rng, g->cfg.p_truncate);
	bool x12 = g->cfg.ichg.edifact_types == 0 ||
		   (g->cfg.ichg.x12_types != 0 && rng_chance(&g->rng, g->cfg.x12_share));
	struct tdir *t = &c->d[d];
	unsigned first = t->rcount;
	struct ichg_info info;
	int err;

	err = x12 ? x12_build(&g->rng, &g->cfg.ichg, truncate, &g->tmp, &info, on_message, &mc)
		  : edifact_build(&g->rng, &g->cfg.ichg, truncate, &g->tmp, &info, on_message, &mc);
	if (err)
		return err;
	for (unsigned i = first; i < t->rcount; i++) {
		struct span *s = &t->ring[(t->rhead + i) % SPAN_RING];

		s->ichg_start = base + info.start;
		if (info.bare)
			s->patho |= PB_BARE;
	}
	if (info.bare)
		patho |= PB_BARE;
	interchange_json(c, d, &info, garbage, &g->line);
	span_push(t, base + info.start, base + g->tmp.len,
		  (uint8_t)(patho | (truncate ? PB_TRUNCATED : 0) | (garbage ? PB_GARBAGE : 0)),
		  dup_ebuf(&g->line));
	g->interchanges++;
	return 0;
}

/* The tail of an interchange whose start the capture missed. */
static void put_midstream_tail(struct gen *g, struct ebuf *b)
{
	static const char *const tails[] = {
		"00:203'\r\nCNT+7:12000:KGM'\r\nUNT+23+1907'\r\nUNZ+1+1865'\r\n",
		"ER WEIGHT: 14.404~\nSE*21*0001~\nGE*1*2910~\nIEA*1*000002910~\n",
		"2+1'UNT+9+77'UNZ+1+4711'",
	};
	const char *t = RNG_PICK(&g->rng, tails);

	ebuf_puts(b, t + rng_below(&g->rng, (uint32_t)strlen(t) / 2));
}

static void put_random_text(struct gen *g, struct ebuf *b, uint32_t n)
{
	static const char words[][8] = { "the ", "port ", "<div> ", "data ", "json ", "css ", "\n" };

	while (n > 0) {
		const char *w = words[rng_below(&g->rng, 7)];
		uint32_t k = (uint32_t)strlen(w);

		if (k > n)
			k = n;
		ebuf_put(b, w, k);
		n -= k;
	}
}

/* TLS-like record: type, version, length, random body without the letters
 * that start EDI envelopes. */
static void put_tls_record(struct gen *g, struct ebuf *b, uint8_t type, uint32_t n)
{
	uint8_t hdr[5] = { type, 3, 3, (uint8_t)(n >> 8), (uint8_t)n };

	ebuf_put(b, hdr, 5);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)rng_below(&g->rng, 256);

		if (c == 'U' || c == 'I' || c == 'S')
			c++;
		ebuf_putc(b, c);
	}
}

static int produce_edi(struct gen *g, struct conn *c, int d)
{
	struct tdir *t = &c->d[d];
	uint32_t garbage = 0;
	struct ebuf *b = &t->buf;
	int err;

	if (c->midstream && t->chunks_done == 0 && t->nchunk_end == 0)
		put_midstream_tail(g, b);
	if (t->content == CK_EDI && rng_chance(&g->rng, g->cfg.p_garbage)) {
		garbage = rng_range(&g->rng, 1, 200);
		put_garbage(g, b, garbage);
	}
	if (t->content == CK_EDI_FTP)
		ebuf_printf(b, "STOR MANIFEST%04u.EDI\r\n", rng_below(&g->rng, 10000));
	ebuf_reset(&g->tmp);
	err = build_interchange(g, c, d, t->buf_base + b->len, garbage,
				c->midstream ? PB_MIDSTREAM : 0);
	if (err)
		return err;
	return ebuf_put(b, g->tmp.data, g->tmp.len);
}

/* An interchange as the body of an AS2-like HTTP POST. The header carries
 * the body length, known only once the body is built: the body's spans are
 * queued as if it started where the header starts, then shifted. */
static int produce_edi_http(struct gen *g, struct conn *c, int d)
{
	struct tdir *t = &c->d[d];
	struct ebuf *b = &t->buf;
	unsigned first = t->rcount;
	char hdr[256];
	int n, err;

	ebuf_reset(&g->tmp);
	err = build_interchange(g, c, d, t->buf_base + b->len, 0, c->midstream ? PB_MIDSTREAM : 0);
	if (err)
		return err;
	n = snprintf(hdr, sizeof(hdr),
		     "POST /as2/inbound HTTP/1.1\r\nHost: edi.example.test\r\n"
		     "Content-Type: application/EDIFACT\r\nAS2-Version: 1.2\r\n"
		     "Content-Length: %zu\r\n\r\n", g->tmp.len);
	for (unsigned i = first; i < t->rcount; i++) {
		struct span *s = &t->ring[(t->rhead + i) % SPAN_RING];

		s->start += (uint64_t)n;
		s->end += (uint64_t)n;
		s->ichg_start += (uint64_t)n;
	}
	ebuf_put(b, hdr, (size_t)n);
	return ebuf_put(b, g->tmp.data, g->tmp.len);
}

/* Stream offset, from the body's start, of base64 character j when lines
 * are B64_LINE characters and CRLF. */
#define B64_LINE 76
static uint64_t b64_char_off(uint64_t j)
{
	return j + 2 * (j / B64_LINE);
}

/* The body offset of the first character carrying bits of decoded byte k
 * (what the sensor reports for a segment starting there: MANIFEST.md). */
static uint64_t b64_byte_off(uint64_t k)
{
	return b64_char_off(k / 3 * 4 + k % 3);
}

/* src as base64, CRLF after every B64_LINE characters and at the end. */
static int put_base64(struct ebuf *b, const uint8_t *src, size_t n)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint64_t j = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t q = (uint32_t)src[i] << 16 | (i + 1 < n ? (uint32_t)src[i + 1] << 8 : 0) |
			     (i + 2 < n ? src[i + 2] : 0);
		char out[4] = { abc[q >> 18], abc[q >> 12 & 63], i + 1 < n ? abc[q >> 6 & 63] : '=',
				i + 2 < n ? abc[q & 63] : '=' };

		for (int k = 0; k < 4; k++) {
			ebuf_putc(b, (uint8_t)out[k]);
			if (++j % B64_LINE == 0)
				ebuf_puts(b, "\r\n");
		}
	}
	if (j % B64_LINE)
		ebuf_puts(b, "\r\n");
	return b->err;
}

/*
 * An interchange as the base64 body of an AS2-like HTTP POST: the POST
 * itself says Content-Transfer-Encoding: base64, or (every other one, by
 * chance) the body is a MIME multipart whose part says so and ends with
 * its boundary. Spans move to the stream offset of the first base64
 * character carrying bits of their first byte.
 */
static int produce_edi_http_b64(struct gen *g, struct conn *c, int d)
{
	struct tdir *t = &c->d[d];
	struct ebuf *b = &t->buf;
	uint64_t base = t->buf_base + b->len;
	unsigned first = t->rcount;
	bool mime = rng_chance(&g->rng, 0.5);
	static const char part[] = "--edisensor-b64\r\nContent-Type: application/EDIFACT\r\n"
				   "Content-Transfer-Encoding: base64\r\n\r\n";
	static const char close[] = "--edisensor-b64--\r\n";
	size_t np = mime ? sizeof(part) - 1 : 0;
	struct ebuf body;
	char hdr[512];
	int n, err;

	ebuf_init(&body);
	ebuf_reset(&g->tmp);
	err = build_interchange(g, c, d, base, 0, c->midstream ? PB_MIDSTREAM : 0);
	if (!err)
		err = put_base64(&body, g->tmp.data, g->tmp.len);
	if (!err) {
		size_t len = body.len + (mime ? np + sizeof(close) - 1 : 0);

		n = snprintf(hdr, sizeof(hdr),
			     "POST /as2/inbound HTTP/1.1\r\nHost: edi.example.test\r\n"
			     "AS2-Version: 1.2\r\n%s"
			     "Content-Length: %zu\r\n\r\n",
			     mime ? "Content-Type: multipart/mixed; boundary=\"edisensor-b64\"\r\n"
				  : "Content-Type: application/EDIFACT\r\n"
				    "Content-Transfer-Encoding: base64\r\n", len);
		for (unsigned i = first; i < t->rcount; i++) {
			struct span *s = &t->ring[(t->rhead + i) % SPAN_RING];
			uint64_t at = (uint64_t)n + (uint64_t)np;

			s->ichg_start = base + at + b64_byte_off(s->ichg_start - base);
			s->start = base + at + b64_byte_off(s->start - base);
			/* past every character of the span's last byte */
			s->end = base + at + b64_byte_off(s->end - base) + 3;
		}
		ebuf_put(b, hdr, (size_t)n);
		if (mime)
			ebuf_put(b, part, (size_t)np);
		ebuf_put(b, body.data, body.len);
		if (mime)
			ebuf_puts(b, close);
		err = b->err;
	}
	ebuf_free(&body);
	return err;
}

int content_produce(struct gen *g, struct conn *c, int d)
{
	struct tdir *t = &c->d[d];
	struct ebuf *b = &t->buf;
	size_t before;
	int err = 0;

	/* Drop what is sent (a held segment keeps its own copy). */
	if (t->sent > t->buf_base) {
		ebuf_consume(b, (size_t)(t->sent - t->buf_base));
		t->buf_base = t->sent;
	}
	before = b->len;
	switch (t->content) {
	case CK_EDI:
	case CK_EDI_FTP:
		err = produce_edi(g, c, d);
		break;
	case CK_EDI_HTTP:
		err = produce_edi_http(g, c, d);
		break;
	case CK_EDI_HTTP_B64:
		err = produce_edi_http_b64(g, c, d);
		break;
	case CK_HTTP_RESP:
		err = ebuf_puts(b, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK");
		break;
	case CK_FTP_SERVER:
		err = ebuf_puts(b, t->chunks_done + t->nchunk_end == 0
				       ? "220 edi.example.test FTP server ready\r\n"
				       : "226 Transfer complete\r\n");
		break;
	case CK_BG_HTTP_REQ:
		err = ebuf_printf(b, "GET /static/%u.html HTTP/1.1\r\nHost: www.example.test\r\n"
				     "User-Agent: pcapgen\r\nAccept: */*\r\n\r\n",
				  rng_below(&g->rng, 100000));
		break;
	case CK_BG_HTTP_RESP: {
		uint32_t n = rng_range(&g->rng, 100, 6000);

		ebuf_printf(b, "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: %u\r\n\r\n", n);
		put_random_text(g, b, n);
		err = b->err;
		break;
	}
	case CK_BG_TLS_CLIENT:
		put_tls_record(g, b, t->chunks_done + t->nchunk_end == 0 ? 22 : 23,
			       rng_range(&g->rng, 200, 600));
		err = b->err;
		break;
	case CK_BG_TLS_SERVER:
		put_tls_record(g, b, t->chunks_done + t->nchunk_end == 0 ? 22 : 23,
			       rng_range(&g->rng, 300, 4000));
		err = b->err;
		break;
	default:
		break;
	}
	if (err)
		return err;
	t->fnv = fnv1a64(t->fnv, b->data + before, b->len - before);
	t->chunks_left--;
	t->chunk_end[t->nchunk_end++] = t->buf_base + b->len;
	return 0;
}
