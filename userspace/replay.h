/* Replay: run every packet of a pcap/pcapng capture through the very same
 * XDP program with BPF_PROG_TEST_RUN, draining the ring buffer after each
 * packet so events keep capture order and capture time. */
#ifndef EDISENSOR_REPLAY_H
#define EDISENSOR_REPLAY_H
#include <stddef.h>
#include <stdint.h>

struct sensor_bpf;
struct ring_buffer;

struct replay_stats {
	uint64_t packets;        /* records read from the capture */
	uint64_t runs;           /* packets run through the XDP program */
	uint64_t runts;          /* shorter than an Ethernet header: malformed, not run */
	uint64_t oversize;       /* larger than the program accepts: not run */
	uint64_t run_errors;     /* BPF_PROG_TEST_RUN failed */
	uint64_t bytes;
	int linktype;
	int truncated;           /* the capture ended inside a record (errbuf says where) */
};

/* Runs the capture at path. rb (may be NULL) is consumed after each packet.
 * Returns 0 or a negative errno; on error errbuf says what went wrong. */
int replay_pcap(struct sensor_bpf *s, struct ring_buffer *rb, const char *path,
		struct replay_stats *st, char *errbuf, size_t errlen);

#endif
