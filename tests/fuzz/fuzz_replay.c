/* Fuzz target: the userspace half of replay: libpcap reading an arbitrary
 * pcap/pcapng file (pcap_fopen_offline over fmemopen) and replay.c turning
 * each record into the Ethernet frame BPF_PROG_TEST_RUN would get. The BPF
 * run itself needs root and is covered by tests/bpf/test_fail_open.c.
 * Invariants: a converted frame fits the buffer, is at most FRAME_MAX plus
 * a synthesised Ethernet header, and carries the record's bytes after its
 * link header unchanged. */
#include "../../userspace/replay.c"
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bytes of link header a record of this type starts with (the oracle). */
static size_t link_header_len(int dlt)
{
	switch (dlt) {
	case DLT_LINUX_SLL: return 16;
	case DLT_LINUX_SLL2: return 20;
	case DLT_NULL: case DLT_LOOP: return 4;
	default: return 0;
	}
}

static void check_frame(int dlt, const unsigned char *pkt, size_t caplen, const struct frame *f)
{
	size_t hdr = link_header_len(dlt);
	size_t eth = dlt == DLT_EN10MB ? 0 : ETH_HLEN_;

	if (f->len > sizeof(f->buf) || f->len > FRAME_MAX + ETH_HLEN_ ||
	    f->len < eth || f->len - eth > caplen - hdr)
		abort();
	if (memcmp(f->buf + eth, pkt + hdr, f->len - eth))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct frame f;
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const unsigned char *pkt;
	FILE *fp;
	pcap_t *pc;
	int dlt;

	if (!size)
		return 0;
	fp = fmemopen((void *)data, size, "r");
	if (!fp)
		return 0;
	pc = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, err);
	if (!pc) {
		fclose(fp);
		return 0;
	}
	dlt = pcap_datalink(pc);
	(void)supported_dlt(dlt);
	while (pcap_next_ex(pc, &h, &pkt) == 1) {
		f.len = 0;
		if (!to_frame(dlt, pkt, h->caplen, &f))
			check_frame(dlt, pkt, h->caplen, &f);
	}
	pcap_close(pc);   /* closes fp */
	return 0;
}
