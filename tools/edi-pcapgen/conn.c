/* TCP connections: handshake, data cut at the MSS and at random points,
 * delayed ACKs, FIN or RST close, and the transport pathologies
 * (retransmit, duplicate, reorder, gap, mid-stream start). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

#define WINDOW 64240

enum { ST_SYN, ST_SYNACK, ST_ACK, ST_DATA, ST_CLOSE1, ST_CLOSE2, ST_CLOSE3, ST_DONE };

static void flow_json(struct tdir *t, int dir)
{
	char src[64], dst[64];

	frame_addr_str(t->a.ipv, t->a.src, src, sizeof(src));
	frame_addr_str(t->a.ipv, t->a.dst, dst, sizeof(dst));
	snprintf(t->flow_json, sizeof(t->flow_json),
		 "{\"srcIp\":\"%s\",\"dstIp\":\"%s\",\"srcPort\":%u,\"dstPort\":%u,"
		 "\"ipVersion\":%u,\"direction\":\"%s\"}",
		 src, dst, t->a.sport, t->a.dport, t->a.ipv,
		 dir == 0 ? "DIRECTION_TO_SERVER" : "DIRECTION_TO_CLIENT");
}

static void mac_from_ip(uint8_t *mac, const uint8_t *ip, uint8_t ipv)
{
	const uint8_t *tail = ipv == 6 ? ip + 12 : ip;

	mac[0] = 0x02;  /* locally administered */
	mac[1] = 0x00;
	memcpy(mac + 2, tail, 4);
}

/* Addresses: clients in 192.0.2.0/24 / 2001:db8:2::/64, servers in
 * 198.51.100.0/24 / 2001:db8:1::/64 (documentation ranges). The client port
 * and address follow the connection index so 4-tuples do not repeat. */
static void pick_addresses(struct gen *g, struct conn *c, uint16_t server_port)
{
	struct frame_addr *a = &c->d[0].a;
	uint64_t i = g->conn_index++;
	uint32_t client = 1 + (uint32_t)((i / 28000) % 250);
	uint32_t server = 1 + rng_below(&g->rng, 20);

	memset(a, 0, sizeof(*a));
	a->ipv = rng_chance(&g->rng, g->cfg.ipv6_share) ? 6 : 4;
	if (a->ipv == 4) {
		uint8_t cs[4] = { 192, 0, 2, (uint8_t)client }, ss[4] = { 198, 51, 100, (uint8_t)server };

		memcpy(a->src, cs, 4);
		memcpy(a->dst, ss, 4);
	} else {
		uint8_t cs[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2 }, ss[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1 };

		cs[15] = (uint8_t)client;
		ss[15] = (uint8_t)server;
		memcpy(a->src, cs, 16);
		memcpy(a->dst, ss, 16);
	}
	mac_from_ip(a->src_mac, a->src, a->ipv);
	mac_from_ip(a->dst_mac, a->dst, a->ipv);
	a->sport = (uint16_t)(32768 + i % 28000);
	a->dport = server_port;
	if (rng_chance(&g->rng, g->cfg.vlan_share)) {
		a->nvlan = rng_chance(&g->rng, g->cfg.qinq_share) ? 2 : 1;
		a->vlan[0] = (uint16_t)rng_range(&g->rng, 2, 4094);
		a->vlan[1] = (uint16_t)rng_range(&g->rng, 2, 4094);
	}
	frame_addr_reverse(a, &c->d[1].a);
}

static void setup_edi(struct gen *g, struct conn *c)
{
	uint16_t port = g->cfg.ports[rng_below(&g->rng, g->cfg.nports)];
	enum transport_mode tm = g->cfg.transport;

	pick_addresses(g, c, port);
	if (tm == TM_AUTO)
		tm = port == 80 || port == 8080 ? TM_HTTP :
		     port == 21 ? TM_FTP : TM_RAW;
	c->edi = true;
	c->d[0].chunks_left = rng_range(&g->rng, g->cfg.ichg_min, g->cfg.ichg_max);
	switch (tm) {
	case TM_HTTP:
	case TM_HTTP_B64:
		c->transport = tm == TM_HTTP ? "http" : "http-base64";
		c->d[0].content = tm == TM_HTTP ? CK_EDI_HTTP : CK_EDI_HTTP_B64;
		c->d[1].content = CK_HTTP_RESP;
		c->d[1].chunks_left = c->d[0].chunks_left;
		break;
	case TM_FTP:
		c->transport = "ftp";
		c->d[0].content = CK_EDI_FTP;
		c->d[1].content = CK_FTP_SERVER;
		c->d[1].chunks_left = c->d[0].chunks_left + 1;
		break;
	default:
		c->transport = "raw";
		c->d[0].content = CK_EDI;
		if (rng_chance(&g->rng, g->cfg.server_edi_share)) {
			c->d[1].content = CK_EDI;
			c->d[1].chunks_left = rng_range(&g->rng, 1, 2);
		}
		break;
	}
}

static void setup_background(struct gen *g, struct conn *c)
{
	static const uint16_t http_ports[] = { 80, 8080, 8081, 3128 };
	static const uint16_t tls_ports[] = { 443, 9000, 8443, 4080 };
	bool tls = rng_chance(&g->rng, 0.5);
	uint16_t port = tls ? tls_ports[rng_below(&g->rng, 4)] : http_ports[rng_below(&g->rng, 4)];

	pick_addresses(g, c, port);
	c->background = true;
	c->transport = tls ? "tls" : "http";
	c->d[0].content = tls ? CK_BG_TLS_CLIENT : CK_BG_HTTP_REQ;
	c->d[1].content = tls ? CK_BG_TLS_SERVER : CK_BG_HTTP_RESP;
	c->d[0].chunks_left = rng_range(&g->rng, 1, 3);
	c->d[1].chunks_left = c->d[0].chunks_left;
}

struct conn *conn_new(struct gen *g, bool background)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	for (int d = 0; d < 2; d++) {
		ebuf_init(&c->d[d].buf);
		c->d[d].fnv = FNV1A64_INIT;
		c->d[d].held_data = malloc(FRAME_MAX);
		if (!c->d[d].held_data) {
			conn_free(c);
			return NULL;
		}
	}
	if (background)
		setup_background(g, c);
	else
		setup_edi(g, c);
	c->mss = (uint16_t)g->cfg.mss;
	c->rst = rng_chance(&g->rng, g->cfg.rst_share);
	c->midstream = !background && rng_chance(&g->rng, g->cfg.p_midstream);
	c->state = c->midstream ? ST_DATA : ST_SYN;
	c->d[0].origin_wait = c->d[1].origin_wait = c->midstream;
	c->closer = rng_chance(&g->rng, 0.7) ? 0 : 1;
	for (int d = 0; d < 2; d++) {
		c->d[d].isn = (uint32_t)rng_next(&g->rng);
		c->d[d].ip_id = (uint16_t)rng_next(&g->rng);
		flow_json(&c->d[d], d);
	}
	return c;
}

void conn_free(struct conn *c)
{
	if (!c)
		return;
	for (int d = 0; d < 2; d++) {
		struct tdir *t = &c->d[d];

		while (t->rcount) {
			free(t->ring[t->rhead].json);
			t->rhead = (t->rhead + 1) % SPAN_RING;
			t->rcount--;
		}
		ebuf_free(&t->buf);
		free(t->held_data);
	}
	free(c);
}

/* What d acknowledges: everything the peer sent, but not past a reordered
 * segment still in flight (a receiver cannot ack across its hole). Bytes
 * lost from the capture were received, so they are acknowledged. */
static uint32_t next_ack(const struct conn *c, int d)
{
	const struct tdir *peer = &c->d[!d];
	uint64_t upto = peer->held ? peer->held_off : peer->sent;

	return peer->isn + 1 + (uint32_t)upto + (peer->fin ? 1 : 0);
}

int conn_emit(struct gen *g, struct conn *c, int d, uint32_t seq, uint8_t flags,
	      const uint8_t *p, uint32_t len)
{
	struct tdir *t = &c->d[d];
	int n = frame_tcp(g->frame, &t->a, seq, next_ack(c, d), flags, WINDOW, c->mss,
			  t->ip_id++, p, len);

	if (n < 0)
		return n;
	if (len && t->origin_wait) {
		/* the first data frame of a mid-stream direction: offset 0 */
		t->origin = (uint32_t)(seq - t->isn - 1);
		t->origin_wait = false;
	}
	g->now_us += rng_range(&g->rng, 1, 1500);
	g->last_frame_len = (uint32_t)n;
	t->packets++;
	if (c->background)
		g->bg_packets++;
	return pcapw_write(&g->pcap, g->now_us, g->frame, (uint32_t)n);
}

static uint64_t unsent(const struct tdir *t)
{
	return t->buf_base + t->buf.len - t->sent;
}

/* Whether direction d may append its next chunk now. Answers (HTTP
 * responses, FTP replies) follow the peer's finished chunks one for one; the
 * FTP client speaks after the banner. */
static bool can_produce(const struct conn *c, int d)
{
	const struct tdir *t = &c->d[d], *peer = &c->d[!d];
	unsigned produced = t->chunks_done + t->nchunk_end;

	if (t->chunks_left == 0 || t->nchunk_end >= 8)
		return false;
	switch (t->content) {
	case CK_EDI_FTP:
		return peer->chunks_done >= 1;
	case CK_FTP_SERVER:
		return produced == 0 || peer->chunks_done > produced - 1;
	case CK_HTTP_RESP:
	case CK_BG_HTTP_RESP:
	case CK_BG_TLS_SERVER:
		return peer->chunks_done > produced;
	default:
		return true;
	}
}

static int refill(struct gen *g, struct conn *c, int d)
{
	struct tdir *t = &c->d[d];

	while (unsent(t) < c->mss && can_produce(c, d)) {
		int err = content_produce(g, c, d);

		if (err)
			return err;
	}
	return 0;
}

static bool has_data(const struct conn *c, int d)
{
	return unsent(&c->d[d]) > 0 || c->d[d].held;
}

static void chunk_progress(struct tdir *t)
{
	while (t->nchunk_end && t->sent >= t->chunk_end[0]) {
		memmove(t->chunk_end, t->chunk_end + 1, --t->nchunk_end * sizeof(t->chunk_end[0]));
		t->chunks_done++;
	}
}

static int send_held(struct gen *g, struct conn *c, int d)
{
	struct tdir *t = &c->d[d];

	t->held = false;
	return conn_emit(g, c, d, t->isn + 1 + (uint32_t)t->held_off, TCPF_ACK | TCPF_PSH,
			 t->held_data, t->held_len);
}

/* Cut the next segment of direction d and send it, applying pathologies. */
static int send_segment(struct gen *g, struct conn *c, int d)
{
	struct tdir *t = &c->d[d];
	const struct gen_cfg *cfg = &g->cfg;
	uint64_t left = unsent(t);
	uint32_t len = (uint32_t)(left < c->mss ? left : c->mss);
	uint64_t off = t->sent;
	const uint8_t *p;
	uint32_t seq;
	int err = 0;

	if (len == 0)
		return t->held ? send_held(g, c, d) : 0;
	if (len > 1 && rng_chance(&g->rng, cfg->cut_share))
		len = rng_range(&g->rng, 1, len);
	p = t->buf.data + (off - t->buf_base);
	seq = t->isn + 1 + (uint32_t)off;
	t->sent += len;
	chunk_progress(t);

	if (!t->held && rng_chance(&g->rng, cfg->p_gap)) {
		t->lost_segments++;
		t->lost_bytes += len;
		span_mark(t, off, off + len, PB_GAP);
		return 0;
	}
	if (!t->held && unsent(t) > 0 && rng_chance(&g->rng, cfg->p_reorder)) {
		memcpy(t->held_data, p, len);
		t->held = true;
		t->held_off = off;
		t->held_len = len;
		t->reorders++;
		span_mark(t, off, off + len, PB_REORDER);
		return 0;
	}
	err = conn_emit(g, c, d, seq, TCPF_ACK | TCPF_PSH, p, len);
	/* A 1-byte resend just below the next sequence is what a keep-alive
	 * looks like, so only longer segments are resent or duplicated: then
	 * tshark's retransmission count equals retransmits + duplicates. */
	if (!err && len > 1 && rng_chance(&g->rng, cfg->p_duplicate)) {
		/* The very same frame again, as a mirror port duplicates it. */
		g->now_us += rng_range(&g->rng, 1, 50);
		t->packets++;
		t->duplicates++;
		if (c->background)
			g->bg_packets++;
		err = pcapw_write(&g->pcap, g->now_us, g->frame, g->last_frame_len);
		span_mark(t, off, off + len, PB_DUPLICATE);
	}
	if (!err && len > 1 && rng_chance(&g->rng, cfg->p_retransmit)) {
		t->retransmits++;
		err = conn_emit(g, c, d, seq, TCPF_ACK | TCPF_PSH, p, len);
		span_mark(t, off, off + len, PB_RETRANSMIT);
	}
	if (!err && t->held)
		err = send_held(g, c, d);
	t->unacked++;
	return err;
}

static int step_close(struct gen *g, struct conn *c);

static int step_data(struct gen *g, struct conn *c)
{
	int err, d;

	for (d = 0; d < 2; d++) {
		err = refill(g, c, d);
		if (err)
			return err;
	}
	if (!has_data(c, 0) && !has_data(c, 1)) {
		/* refill produced nothing: what is left waits for progress that
		 * can no longer happen, so the connection ends. */
		c->state = ST_CLOSE1;
		return step_close(g, c);
	}
	if (has_data(c, 0) && has_data(c, 1))
		d = rng_chance(&g->rng, 0.5) ? 0 : 1;
	else
		d = has_data(c, 0) ? 0 : 1;
	err = send_segment(g, c, d);
	if (err)
		return err;
	span_flush(g, &c->d[d], false);
	/* Delayed ACK from a peer that has nothing to say. */
	if (c->d[d].unacked >= 2 && !has_data(c, !d)) {
		c->d[d].unacked = 0;
		err = conn_emit(g, c, !d, c->d[!d].isn + 1 + (uint32_t)c->d[!d].sent, TCPF_ACK,
				NULL, 0);
	}
	return err;
}

static int step_close(struct gen *g, struct conn *c)
{
	int a = c->closer, b = !a;
	struct tdir *ta = &c->d[a], *tb = &c->d[b];
	int err = 0;

	if (c->rst) {
		err = conn_emit(g, c, a, ta->isn + 1 + (uint32_t)ta->sent, TCPF_RST | TCPF_ACK, NULL, 0);
		c->state = ST_DONE;
		return err;
	}
	switch (c->state) {
	case ST_CLOSE1:
		err = conn_emit(g, c, a, ta->isn + 1 + (uint32_t)ta->sent, TCPF_FIN | TCPF_ACK, NULL, 0);
		ta->fin = true;
		c->state = ST_CLOSE2;
		break;
	case ST_CLOSE2:
		err = conn_emit(g, c, b, tb->isn + 1 + (uint32_t)tb->sent, TCPF_FIN | TCPF_ACK, NULL, 0);
		tb->fin = true;
		c->state = ST_CLOSE3;
		break;
	default:
		err = conn_emit(g, c, a, ta->isn + 2 + (uint32_t)ta->sent, TCPF_ACK, NULL, 0);
		c->state = ST_DONE;
		break;
	}
	return err;
}

int conn_step(struct gen *g, struct conn *c)
{
	int err = 0;

	switch (c->state) {
	case ST_SYN:
		err = conn_emit(g, c, 0, c->d[0].isn, TCPF_SYN, NULL, 0);
		c->state = ST_SYNACK;
		break;
	case ST_SYNACK:
		/* The SYN-ACK acknowledges the SYN: peer->sent is 0, so ack = isn+1. */
		err = conn_emit(g, c, 1, c->d[1].isn, TCPF_SYN | TCPF_ACK, NULL, 0);
		c->state = ST_ACK;
		break;
	case ST_ACK:
		err = conn_emit(g, c, 0, c->d[0].isn + 1, TCPF_ACK, NULL, 0);
		c->state = ST_DATA;
		break;
	case ST_DATA:
		err = step_data(g, c);
		break;
	case ST_DONE:
		break;
	default:
		err = step_close(g, c);
		break;
	}
	if (err)
		return err;
	if (c->state == ST_DONE) {
		span_flush(g, &c->d[0], true);
		span_flush(g, &c->d[1], true);
		manifest_connection(g, c, 0);
		manifest_connection(g, c, 1);
		return 1;
	}
	return 0;
}
