/* Fuzz target: everything after the ring buffer, fed arbitrary event
 * sequences: ring buffer outputs (one or more events each, as the XDP
 * program batches them into records, tests/lib/ring_writer.h) -> pipeline
 * (record reader, assembler, element decoder,
 * extractor, indicator matching, JSON output to /dev/null). The same events
 * also go to a bare assembler whose every message must survive a protobuf
 * pack/unpack/pack round trip unchanged.
 *
 * Input: a sequence of operations, each
 *   op (1 byte): bits 0-1 kind (0 segment, 1 segment in a record whose
 *                chunk holds its bytes: an item referring to them, as the
 *                kernel writes them, 2 gap or flow end, 3 raw
 *                bytes after the batch's records), bits 2-3 flow, bit 4
 *                X12, bit 5 seg_len beyond the data (truncated), bits 6-7
 *                events batched in the output (one capture time)
 *   len (2 bytes, little endian, taken modulo ES_SEG_MAX + 1)
 *   data (len bytes: the segment, or the raw record)
 * Four flows with fixed addresses; stream offsets advance per flow. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "assembler.h"
#include "config.h"
#include "edisensor.pb-c.h"
#include "pipeline.h"
#include "../lib/ring_writer.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Indicators the seed messages contain, so matching and hits run too. */
static const char feed[] =
	"#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\n"
	"ACME\tEDI::PARTY_NAME\tfuzz\tname\n"
	"950300\tEDI::HS_CODE\tfuzz\ths\n"
	"MSCU1234565\tEDI::CONTAINER\tfuzz\tbox\n"
	"SENDER\tEDI::PARTY_ID\tfuzz\tid\n"
	"toys\tEDI::KEYWORD\tfuzz\tword\n"
	"192.0.2.0/24\tIntel::SUBNET\tfuzz\tnet\n";
static char feed_path[64];
static struct config cfg;
/* One pipeline for the whole run: building one per input would cost more
 * than the input (closing the feeds' inotify descriptor waits for RCU).
 * pipeline_flush() at the end of each input ends every flow, so no state
 * but counters and record numbers carries over. */
static struct pipeline *pipe_line;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd = memfd_create("fuzz.intel", 0);

	(void)argc;
	(void)argv;
	if (fd < 0 || write(fd, feed, sizeof(feed) - 1) != (ssize_t)(sizeof(feed) - 1))
		abort();
	snprintf(feed_path, sizeof(feed_path), "/proc/self/fd/%d", fd);
	config_defaults(&cfg);
	cfg.replay_path = "fuzz";
	cfg.feeds[cfg.n_feeds++] = feed_path;
	cfg.outputs[cfg.n_outputs++] = "json:/dev/null";
	cfg.all_messages = true;
	return 0;
}

static struct pipeline *the_pipeline(void)
{
	char errbuf[256];

	if (!pipe_line && pipeline_new(&pipe_line, &cfg, errbuf, sizeof(errbuf))) {
		fprintf(stderr, "fuzz_assembler: %s\n", errbuf);
		abort();
	}
	return pipe_line;
}

/* Every message must pack, unpack and pack again to the same bytes. */
static void check_message(void *ctx, const Edisensor__V1__Message *msg)
{
	size_t n = edisensor__v1__message__get_packed_size(msg), m;
	uint8_t *a = malloc(n + 1), *b;
	Edisensor__V1__Message *back;

	(void)ctx;
	if (!a || edisensor__v1__message__pack(msg, a) != n)
		abort();
	back = edisensor__v1__message__unpack(NULL, n, a);
	if (!back)
		abort();
	m = edisensor__v1__message__get_packed_size(back);
	b = malloc(m + 1);
	if (!b || m != n || edisensor__v1__message__pack(back, b) != m || memcmp(a, b, n))
		abort();
	edisensor__v1__message__free_unpacked(back, NULL);
	free(a);
	free(b);
}

struct flow_pos {
	uint64_t off;
};

static void fill_event(struct es_event *ev, uint8_t op, const uint8_t *d, size_t n,
		       struct flow_pos *flows, uint64_t ts)
{
	unsigned fl = (op >> 2) & 3;
	int x12 = op & 0x10;

	memset(ev, 0, ES_EVENT_HDR_LEN);
	ev->ts_ns = ts;
	ev->flow.family = 4;
	ev->flow.saddr[0] = 192; ev->flow.saddr[2] = 2; ev->flow.saddr[3] = (uint8_t)(1 + fl);
	ev->flow.daddr[0] = 198; ev->flow.daddr[1] = 51; ev->flow.daddr[2] = 100; ev->flow.daddr[3] = 7;
	ev->flow.sport = (uint16_t)(40000 + fl);
	ev->flow.dport = 3305;
	ev->dir = ES_DIR_TO_SERVER;
	ev->syntax = x12 ? ES_SYNTAX_X12 : ES_SYNTAX_EDIFACT;
	if (x12)
		ev->seps = (struct es_seps){ .component = '>', .element = '*', .terminator = '~',
					      .repetition = '^' };
	else
		ev->seps = (struct es_seps){ .component = ':', .element = '+', .decimal = '.',
					      .release = '?', .repetition = ' ', .terminator = '\'' };
	switch (op & 3) {
	case 0:
	case 1:
		ev->type = ES_EV_SEGMENT;
		ev->data_len = (uint16_t)n;
		ev->seg_len = (uint32_t)n + ((op & 0x20) ? 1000 : 0);
		if (op & 0x20)
			ev->flags |= ES_SEGF_TRUNCATED;
		ev->stream_off = flows[fl].off;
		flows[fl].off += ev->seg_len;
		memcpy(ev->data, d, n);
		break;
	default:
		if (op & 0x20) {
			ev->type = ES_EV_FLOW_END;
			ev->aux = (op & 0x40) ? ES_END_RST : ES_END_FIN;
		} else {
			ev->type = ES_EV_GAP;
			ev->aux = 1460;
			flows[fl].off += 1460;
		}
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* four events with a record header and a chunk each, or three and raw
	 * bytes */
	static uint64_t rec[4 * (sizeof(struct es_event) + sizeof(struct es_rec_hdr) +
				 ES_SEG_MAX + 16) / 8];
	static struct es_event ev;
	static uint8_t chunk[ES_SEG_MAX];
	struct flow_pos flows[4] = { { 0 } };
	struct pipeline *p = the_pipeline();
	struct assembler *a;
	uint64_t clock = 1700000000000000000ull;
	size_t at = 0;

	a = assembler_new(NULL, check_message, NULL);
	if (!a)
		abort();
	while (at + 3 <= size) {
		uint8_t op = data[at];
		unsigned batch = 1 + (op >> 6);
		struct ring_writer w;
		size_t len = 0;

		ring_writer_init(&w, rec, sizeof(rec));
		clock += 1000;
		for (unsigned i = 0; i < batch && at + 3 <= size; i++) {
			size_t n = (data[at + 1] | (size_t)data[at + 2] << 8) % (ES_SEG_MAX + 1);

			op = data[at];
			at += 3;
			if (n > size - at)
				n = size - at;
			if ((op & 3) == 3) {   /* raw bytes: whatever follows */
				len = ring_writer_finish(&w);
				memcpy((uint8_t *)rec + len, data + at, n);
				len += n;
				at += n;
				break;   /* raw bytes end the output */
			}
			fill_event(&ev, op, data + at, n, flows, clock);
			if ((op & 3) == 1) {
				memcpy(chunk, ev.data, ev.data_len);
				ring_writer_chunk(&w, chunk, ev.data_len, ev.stream_off);
			}
			if (ring_writer_add(&w, &ev))
				abort();   /* rec holds four of the largest */
			assembler_feed(a, &ev, ES_EVENT_HDR_LEN + ev.data_len);
			at += n;
		}
		if (!len)
			len = ring_writer_finish(&w);
		pipeline_event(p, rec, len);
	}
	pipeline_flush(p, 0);
	assembler_flush(a);
	assembler_free(a);
	return 0;
}
