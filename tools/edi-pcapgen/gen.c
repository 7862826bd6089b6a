/* The scheduler: keeps --concurrency EDI connections open, interleaves their
 * frames at random, mixes in background TCP and UDP at the asked ratio, and
 * winds down once the frame budget is spent. Memory is bounded by the number
 * of open connections, not by the length of the run. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

/* A DNS query and its answer, as background UDP. */
static int emit_dns(struct gen *g)
{
	static const char *const names[] = { "www.example.test", "mail.example.test",
					     "ntp.example.test", "cdn.example.test" };
	const char *name = RNG_PICK(&g->rng, names);
	struct frame_addr a, r;
	uint8_t q[300];
	size_t n = 12, qlen;
	uint16_t id = (uint16_t)rng_next(&g->rng);
	int len, err;

	memset(&a, 0, sizeof(a));
	a.ipv = 4;
	memcpy(a.src, (uint8_t[4]){ 192, 0, 2, (uint8_t)rng_range(&g->rng, 1, 250) }, 4);
	memcpy(a.dst, (uint8_t[4]){ 198, 51, 100, 53 }, 4);
	memcpy(a.src_mac, (uint8_t[6]){ 2, 0, 192, 0, 2, a.src[3] }, 6);
	memcpy(a.dst_mac, (uint8_t[6]){ 2, 0, 198, 51, 100, 53 }, 6);
	a.sport = (uint16_t)rng_range(&g->rng, 1024, 65535);
	a.dport = 53;
	memset(q, 0, 12);
	q[0] = (uint8_t)(id >> 8);
	q[1] = (uint8_t)id;
	q[2] = 0x01;  /* RD */
	q[5] = 1;     /* QDCOUNT */
	for (const char *p = name; *p;) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		q[n++] = (uint8_t)l;
		memcpy(q + n, p, l);
		n += l;
		p += l + (dot ? 1 : 0);
	}
	q[n++] = 0;
	memcpy(q + n, (uint8_t[4]){ 0, 1, 0, 1 }, 4);  /* A, IN */
	n += 4;
	qlen = n;
	len = frame_udp(g->frame, &a, (uint16_t)rng_next(&g->rng), q, (uint32_t)n);
	if (len < 0)
		return len;
	g->now_us += rng_range(&g->rng, 1, 1500);
	err = pcapw_write(&g->pcap, g->now_us, g->frame, (uint32_t)len);
	if (err)
		return err;
	/* Answer: same question, one A record via a name pointer. */
	q[2] = 0x81;
	q[3] = 0x80;
	q[7] = 1;     /* ANCOUNT */
	memcpy(q + n, (uint8_t[12]){ 0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 0x2c, 0, 4 }, 12);
	n += 12;
	memcpy(q + n, (uint8_t[4]){ 203, 0, 113, (uint8_t)rng_range(&g->rng, 1, 254) }, 4);
	n += 4;
	frame_addr_reverse(&a, &r);
	len = frame_udp(g->frame, &r, (uint16_t)rng_next(&g->rng), q, (uint32_t)n);
	if (len < 0)
		return len;
	g->now_us += rng_range(&g->rng, 100, 30000);
	g->udp_packets += 2;
	g->bg_packets += 2;
	g->udp_bytes += qlen + n;
	return pcapw_write(&g->pcap, g->now_us, g->frame, (uint32_t)len);
}

static bool budget_spent(const struct gen *g)
{
	if (g->cfg.packets && g->pcap.frames >= g->cfg.packets)
		return true;
	return g->cfg.connections && g->edi_connections >= g->cfg.connections;
}

static int finish(struct conn **slot, int rc, unsigned *active)
{
	if (rc < 0)
		return rc;
	if (rc == 1) {
		conn_free(*slot);
		*slot = NULL;
		(*active)--;
	}
	return 0;
}

int gen_run(struct gen *g)
{
	unsigned n = g->cfg.concurrency, active = 0, bg_active = 0;
	struct conn **conns = calloc(n, sizeof(*conns));
	struct conn *bg = NULL;
	int err = 0;

	if (!conns)
		return -ENOMEM;
	g->now_us = g->cfg.start_us;
	for (;;) {
		uint64_t total = g->pcap.frames;

		if (!g->winding && budget_spent(g))
			g->winding = true;
		/* Background first when it is behind its share of frames. */
		if (g->cfg.background > 0 && (!g->winding || bg) &&
		    (double)g->bg_packets < g->cfg.background * (double)(total + 1)) {
			if (rng_chance(&g->rng, 0.25)) {
				err = emit_dns(g);
			} else {
				if (!bg) {
					bg = conn_new(g, true);
					if (!bg) {
						err = -ENOMEM;
						break;
					}
					bg_active = 1;
					g->bg_connections++;
				}
				err = finish(&bg, conn_step(g, bg), &bg_active);
			}
			if (err)
				break;
			continue;
		}
		/* Open connections up to the concurrency. */
		if (!g->winding) {
			for (unsigned i = 0; i < n && active < n; i++) {
				if (conns[i])
					continue;
				conns[i] = conn_new(g, false);
				if (!conns[i]) {
					err = -ENOMEM;
					goto out;
				}
				active++;
				g->edi_connections++;
				if (budget_spent(g))
					break;
			}
		}
		if (active == 0) {
			if (!bg)
				break;
			err = finish(&bg, conn_step(g, bg), &bg_active);
			if (err)
				break;
			continue;
		}
		{
			unsigned pick = rng_below(&g->rng, active), i;

			for (i = 0; i < n; i++)
				if (conns[i] && pick-- == 0)
					break;
			err = finish(&conns[i], conn_step(g, conns[i]), &active);
			if (err)
				break;
		}
	}
out:
	for (unsigned i = 0; i < n; i++)
		conn_free(conns[i]);
	conn_free(bg);
	free(conns);
	return err;
}
