/* Ethernet (+ up to two VLAN tags) / IPv4 or IPv6 / TCP or UDP frames with
 * correct IP, TCP and UDP checksums. */
#ifndef PCAPGEN_FRAME_H
#define PCAPGEN_FRAME_H
#include <stdint.h>

#define FRAME_MAX 9216

/* One direction's addressing: everything but the transport header. */
struct frame_addr {
	uint8_t ipv;             /* 4 or 6 */
	uint8_t src[16], dst[16];
	uint8_t src_mac[6], dst_mac[6];
	uint8_t nvlan;           /* 0, 1 (802.1Q) or 2 (802.1ad outer + 802.1Q) */
	uint16_t vlan[2];        /* outer first */
	uint16_t sport, dport;
};

#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_PSH 0x08
#define TCPF_ACK 0x10

/* Builds a TCP frame into out (FRAME_MAX bytes); returns its length or
 * -EMSGSIZE. ip_id is used for IPv4 only. SYN frames carry an MSS option. */
int frame_tcp(uint8_t *out, const struct frame_addr *a, uint32_t seq, uint32_t ack,
	      uint8_t flags, uint16_t window, uint16_t mss, uint16_t ip_id,
	      const uint8_t *payload, uint32_t len);
int frame_udp(uint8_t *out, const struct frame_addr *a, uint16_t ip_id,
	      const uint8_t *payload, uint32_t len);
/* Text form of an address ("192.0.2.1", "2001:db8::1"). */
void frame_addr_str(uint8_t ipv, const uint8_t *addr, char *out, unsigned cap);
/* Swap source and destination. */
void frame_addr_reverse(const struct frame_addr *in, struct frame_addr *out);

#endif
