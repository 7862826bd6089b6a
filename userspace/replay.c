#define PCAP_DONT_INCLUDE_PCAP_BPF_H
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <pcap/pcap.h>
#include <pcap/dlt.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "replay.h"
#include "sensor_bpf.h"

#define ETH_HLEN_ 14
#define FRAME_MAX 65535u
/* BPF_PROG_TEST_RUN for XDP wants at least an Ethernet header. */
#define FRAME_MIN ETH_HLEN_

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

struct frame {
	unsigned char buf[FRAME_MAX + ETH_HLEN_];
	size_t len;
};

/* Writes an Ethernet header with zero MACs and the given EtherType
 * (network byte order bytes hi/lo) in front of len bytes of L3 data. */
static void frame_from_l3(struct frame *f, const unsigned char *l3, size_t len,
			  unsigned char type_hi, unsigned char type_lo)
{
	if (len > FRAME_MAX)
		len = FRAME_MAX;
	memset(f->buf, 0, 12);
	f->buf[12] = type_hi;
	f->buf[13] = type_lo;
	memcpy(f->buf + ETH_HLEN_, l3, len);
	f->len = len + ETH_HLEN_;
}

static void frame_from_ip(struct frame *f, const unsigned char *p, size_t len)
{
	unsigned char v = len ? p[0] >> 4 : 0;

	frame_from_l3(f, p, len, v == 6 ? 0x86 : 0x08, v == 6 ? 0xdd : 0x00);
}

/* Turns one capture record into an Ethernet frame; -1 for an unknown or
 * too-short link header. */
static int to_frame(int dlt, const unsigned char *p, size_t len, struct frame *f)
{
	switch (dlt) {
	case DLT_EN10MB:
		if (len > FRAME_MAX)
			len = FRAME_MAX;
		memcpy(f->buf, p, len);
		f->len = len;
		return 0;
	case DLT_LINUX_SLL:       /* 16-byte header, protocol in the last two */
		if (len < 16)
			return -1;
		frame_from_l3(f, p + 16, len - 16, p[14], p[15]);
		return 0;
	case DLT_LINUX_SLL2:      /* 20-byte header, protocol first */
		if (len < 20)
			return -1;
		frame_from_l3(f, p + 20, len - 20, p[0], p[1]);
		return 0;
	case DLT_RAW:
	case 101:                 /* LINKTYPE_RAW */
	case 228:                 /* LINKTYPE_IPV4 */
	case 229:                 /* LINKTYPE_IPV6 */
		frame_from_ip(f, p, len);
		return 0;
	case DLT_NULL:
	case DLT_LOOP:            /* 4-byte address family, then IP */
		if (len < 4)
			return -1;
		frame_from_ip(f, p + 4, len - 4);
		return 0;
	default:
		return -1;
	}
}

static int supported_dlt(int dlt)
{
	return dlt == DLT_EN10MB || dlt == DLT_LINUX_SLL || dlt == DLT_LINUX_SLL2 ||
	       dlt == DLT_RAW || dlt == 101 || dlt == 228 || dlt == 229 ||
	       dlt == DLT_NULL || dlt == DLT_LOOP;
}

static int run_frame(struct sensor_bpf *s, const struct frame *f, struct replay_stats *st)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = f->buf,
		.data_size_in = (__u32)f->len,
		.repeat = 1,
	);
	int err;

	if (f->len < FRAME_MIN) {
		st->runts++;
		return 0;
	}
	err = bpf_prog_test_run_opts(sensor_bpf_prog_fd(s), &opts);
	if (err) {
		/* Frames beyond what the kernel lets a test run carry are
		 * counted, not fatal: the capture goes on. */
		if (errno == EINVAL && f->len > 4096) {
			st->oversize++;
			return 0;
		}
		st->run_errors++;
		return -errno;
	}
	st->runs++;
	return 0;
}

int replay_pcap(struct sensor_bpf *s, struct ring_buffer *rb, const char *path,
		struct replay_stats *st, char *errbuf, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	static struct frame f;   /* 64 KiB: off the stack */
	struct pcap_pkthdr *h;
	const unsigned char *data;
	pcap_t *pc;
	int r, err = 0;

	memset(st, 0, sizeof(*st));
	pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, perr);
	if (!pc) {
		snprintf(errbuf, errlen, "%s: %s", path, perr);
		return -EINVAL;
	}
	st->linktype = pcap_datalink(pc);
	if (!supported_dlt(st->linktype)) {
		snprintf(errbuf, errlen, "%s: link type %s (%d) is not supported "
			 "(Ethernet, Linux cooked v1/v2, raw IP, BSD loopback are)",
			 path, pcap_datalink_val_to_name(st->linktype) ?: "?", st->linktype);
		pcap_close(pc);
		return -ENOTSUP;
	}
	while ((r = pcap_next_ex(pc, &h, &data)) == 1) {
		st->packets++;
		st->bytes += h->caplen;
		if (to_frame(st->linktype, data, h->caplen, &f)) {
			st->runts++;
			continue;
		}
		sensor_bpf_set_clock(s, (uint64_t)h->ts.tv_sec * 1000000000ull +
					(uint64_t)h->ts.tv_usec);   /* usec field holds ns */
		err = run_frame(s, &f, st);
		if (err) {
			snprintf(errbuf, errlen, "%s: packet %llu: BPF_PROG_TEST_RUN: %s",
				 path, (unsigned long long)st->packets, strerror(-err));
			break;
		}
		if (rb)
			ring_buffer__consume(rb);
	}
	if (r == -1 && !err) {
		/* A cut-off last record: what came before still counts. */
		st->truncated = 1;
		snprintf(errbuf, errlen, "%s: after packet %llu: %s",
			 path, (unsigned long long)st->packets, pcap_geterr(pc));
	}
	pcap_close(pc);
	return err;
}
