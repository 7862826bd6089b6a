/* Test frames built byte by byte: Ethernet, VLAN tags, IPv4 (options,
 * fragments), IPv6 (extension headers), TCP (options) and UDP. Header-only
 * so every test binary can include it. Checksums are left zero: the XDP
 * program does not verify them. */
#ifndef EDISENSOR_TEST_FRAMES_H
#define EDISENSOR_TEST_FRAMES_H
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#define FRAME_BUF 16384

struct frame_spec {
	int ipv6;                 /* 0: IPv4, 1: IPv6 */
	uint16_t vlan_tpid[2];    /* 0x8100 / 0x88a8 per tag, 0 = none */
	uint8_t ip_opts_len;      /* IPv4 option bytes (multiple of 4) */
	uint16_t frag_off;        /* IPv4 flags+offset field, host order */
	uint8_t ext[4];           /* IPv6 extension header types, 0 ends */
	uint16_t ext_frag_off;    /* IPv6 fragment header offset/M field */
	uint8_t l4;               /* 6 TCP (default when 0), 17 UDP */
	uint16_t sport, dport;
	uint32_t seq;
	uint8_t tcp_flags;
	uint8_t tcp_opts_len;     /* multiple of 4 */
	int reverse;              /* addresses swapped: a packet of the other side */
	const void *payload;
	size_t payload_len;
};

static inline void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }
static inline void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v & 0xffff); }

static inline size_t build_l4(const struct frame_spec *s, uint8_t *p)
{
	size_t n;

	if (s->l4 == 17) {
		put16(p, s->sport);
		put16(p + 2, s->dport);
		put16(p + 4, (uint16_t)(8 + s->payload_len));
		put16(p + 6, 0);
		n = 8;
	} else {
		size_t hl = 20 + s->tcp_opts_len;

		memset(p, 0, hl);
		put16(p, s->sport);
		put16(p + 2, s->dport);
		put32(p + 4, s->seq);
		put32(p + 8, 1);
		p[12] = (uint8_t)((hl / 4) << 4);
		p[13] = s->tcp_flags ? s->tcp_flags : 0x18;   /* PSH|ACK */
		put16(p + 14, 65535);
		for (size_t i = 20; i < hl; i++)
			p[i] = 1;                                  /* NOP options */
		n = hl;
	}
	if (s->payload_len)
		memcpy(p + n, s->payload, s->payload_len);
	return n + s->payload_len;
}

/* Writes the frame into buf (FRAME_BUF bytes) and returns its length. */
static inline size_t frame_build(const struct frame_spec *s, uint8_t *buf)
{
	uint8_t *p = buf;
	uint8_t l4 = s->l4 ? s->l4 : 6;
	size_t l4len;

	memset(p, 0, 12);
	p[0] = 0x02; p[6] = 0x02; p[11] = 1;               /* local MACs */
	p += 12;
	for (int i = 0; i < 2 && s->vlan_tpid[i]; i++) {
		put16(p, s->vlan_tpid[i]);
		put16(p + 2, (uint16_t)(100 + i));
		p += 4;
	}
	put16(p, s->ipv6 ? 0x86dd : 0x0800);
	p += 2;
	if (!s->ipv6) {
		size_t hl = 20 + s->ip_opts_len;
		uint8_t *ip = p;

		memset(ip, 0, hl);
		ip[0] = (uint8_t)(0x40 | (hl / 4));
		put16(ip + 6, s->frag_off);
		ip[8] = 64;
		ip[9] = l4;
		put32(ip + 12, s->reverse ? 0xc0000202 : 0xc0000201);   /* 192.0.2.1 */
		put32(ip + 16, s->reverse ? 0xc0000201 : 0xc0000202);   /* 192.0.2.2 */
		for (size_t i = 20; i < hl; i++)
			ip[i] = 1;                  /* NOP options */
		l4len = build_l4(s, ip + hl);
		put16(ip + 2, (uint16_t)(hl + l4len));
		return (size_t)(ip + hl + l4len - buf);
	} else {
		uint8_t *ip6 = p, *q = p + 40;
		uint8_t *nh = ip6 + 6;

		memset(ip6, 0, 40);
		ip6[0] = 0x60;
		ip6[7] = 64;
		ip6[8] = 0x20; ip6[9] = 0x01; ip6[10] = 0x0d; ip6[11] = 0xb8; ip6[23] = s->reverse ? 2 : 1;
		ip6[24] = 0x20; ip6[25] = 0x01; ip6[26] = 0x0d; ip6[27] = 0xb8; ip6[39] = s->reverse ? 1 : 2;
		for (int i = 0; i < 4 && s->ext[i]; i++) {
			*nh = s->ext[i];
			memset(q, 0, 8);
			if (s->ext[i] == 44)
				put16(q + 2, s->ext_frag_off);
			nh = q;         /* next-header byte is the first of each ext header */
			q += 8;         /* hdrlen 0: 8 bytes */
		}
		*nh = l4;
		l4len = build_l4(s, q);
		put16(ip6 + 4, (uint16_t)(q - (ip6 + 40) + l4len));
		return (size_t)(q + l4len - buf);
	}
}

#endif
