#include "frame.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t sum16(uint32_t sum, const uint8_t *p, uint32_t len)
{
	while (len > 1) {
		sum += (uint32_t)(p[0] << 8 | p[1]);
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)(p[0] << 8);
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Ethernet + VLAN tags; returns the offset of the IP header. */
static uint32_t put_l2(uint8_t *out, const struct frame_addr *a)
{
	uint32_t o = 12;

	memcpy(out, a->dst_mac, 6);
	memcpy(out + 6, a->src_mac, 6);
	for (int i = 0; i < a->nvlan && i < 2; i++) {
		put16(out + o, a->nvlan == 2 && i == 0 ? 0x88a8 : 0x8100);
		put16(out + o + 2, a->vlan[i] & 0x0fff);
		o += 4;
	}
	put16(out + o, a->ipv == 6 ? 0x86dd : 0x0800);
	return o + 2;
}

/* IP header for an L4 of l4len bytes; returns the L4 offset. */
static uint32_t put_l3(uint8_t *out, uint32_t o, const struct frame_addr *a, uint8_t proto,
		       uint32_t l4len, uint16_t ip_id)
{
	uint8_t *ip = out + o;

	if (a->ipv == 6) {
		put32(ip, 0x60000000);
		put16(ip + 4, (uint16_t)l4len);
		ip[6] = proto;
		ip[7] = 64;
		memcpy(ip + 8, a->src, 16);
		memcpy(ip + 24, a->dst, 16);
		return o + 40;
	}
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint16_t)(20 + l4len));
	put16(ip + 4, ip_id);
	put16(ip + 6, 0x4000);  /* DF */
	ip[8] = 64;
	ip[9] = proto;
	put16(ip + 10, 0);
	memcpy(ip + 12, a->src, 4);
	memcpy(ip + 16, a->dst, 4);
	put16(ip + 10, fold(sum16(0, ip, 20)));
	return o + 20;
}

static uint16_t l4_checksum(const struct frame_addr *a, uint8_t proto, const uint8_t *l4,
			    uint32_t len)
{
	uint32_t sum = 0;
	uint8_t tail[4];

	if (a->ipv == 6) {
		sum = sum16(sum, a->src, 16);
		sum = sum16(sum, a->dst, 16);
		put32(tail, len);
		sum = sum16(sum, tail, 4);
	} else {
		sum = sum16(sum, a->src, 4);
		sum = sum16(sum, a->dst, 4);
		sum += len;
	}
	sum += proto;
	return fold(sum16(sum, l4, len));
}

int frame_tcp(uint8_t *out, const struct frame_addr *a, uint32_t seq, uint32_t ack,
	      uint8_t flags, uint16_t window, uint16_t mss, uint16_t ip_id,
	      const uint8_t *payload, uint32_t len)
{
	uint32_t hl = (flags & TCPF_SYN) ? 24 : 20;
	uint32_t o = put_l2(out, a), l4;
	uint8_t *t;
	uint16_t c;

	if (o + 40 + hl + len > FRAME_MAX)
		return -EMSGSIZE;
	l4 = put_l3(out, o, a, 6, hl + len, ip_id);
	t = out + l4;
	put16(t, a->sport);
	put16(t + 2, a->dport);
	put32(t + 4, seq);
	put32(t + 8, (flags & TCPF_ACK) ? ack : 0);
	t[12] = (uint8_t)((hl / 4) << 4);
	t[13] = flags;
	put16(t + 14, window);
	put16(t + 16, 0);
	put16(t + 18, 0);
	if (hl == 24) {
		t[20] = 2;  /* MSS option */
		t[21] = 4;
		put16(t + 22, mss);
	}
	if (len)
		memcpy(t + hl, payload, len);
	c = l4_checksum(a, 6, t, hl + len);
	put16(t + 16, c);
	return (int)(l4 + hl + len);
}

int frame_udp(uint8_t *out, const struct frame_addr *a, uint16_t ip_id,
	      const uint8_t *payload, uint32_t len)
{
	uint32_t o = put_l2(out, a), l4;
	uint8_t *u;
	uint16_t c;

	if (o + 40 + 8 + len > FRAME_MAX)
		return -EMSGSIZE;
	l4 = put_l3(out, o, a, 17, 8 + len, ip_id);
	u = out + l4;
	put16(u, a->sport);
	put16(u + 2, a->dport);
	put16(u + 4, (uint16_t)(8 + len));
	put16(u + 6, 0);
	memcpy(u + 8, payload, len);
	c = l4_checksum(a, 17, u, 8 + len);
	put16(u + 6, c ? c : 0xffff);  /* 0 means "no checksum" in UDP */
	return (int)(l4 + 8 + len);
}

void frame_addr_str(uint8_t ipv, const uint8_t *addr, char *out, unsigned cap)
{
	if (!inet_ntop(ipv == 6 ? AF_INET6 : AF_INET, addr, out, cap) && cap)
		out[0] = '\0';
}

void frame_addr_reverse(const struct frame_addr *in, struct frame_addr *out)
{
	*out = *in;
	memcpy(out->src, in->dst, 16);
	memcpy(out->dst, in->src, 16);
	memcpy(out->src_mac, in->dst_mac, 6);
	memcpy(out->dst_mac, in->src_mac, 6);
	out->sport = in->dport;
	out->dport = in->sport;
}
