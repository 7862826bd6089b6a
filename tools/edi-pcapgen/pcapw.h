/* Minimal pcap file writer (microsecond timestamps, Ethernet link type),
 * buffered so millions of frames stream to disk in constant memory. */
#ifndef PCAPGEN_PCAPW_H
#define PCAPGEN_PCAPW_H
#include <stdint.h>
#include <stdio.h>

struct pcapw {
	FILE *f;
	uint64_t frames;
	uint64_t bytes;
};

/* Opens path ("-" = stdout) and writes the file header. Returns 0 or -errno. */
int pcapw_open(struct pcapw *w, const char *path, uint32_t snaplen);
int pcapw_write(struct pcapw *w, uint64_t ts_us, const void *frame, uint32_t len);
/* Flushes and closes; returns 0 or -errno (a failed write shows up here). */
int pcapw_close(struct pcapw *w);

#endif
