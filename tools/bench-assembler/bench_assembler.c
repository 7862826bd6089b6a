/* bench-assembler: segments and messages per second through the assembler
 * (decode, evidence, extraction tables, integrity) on one core, without
 * the kernel or outputs, against a baseline of decoding the same segments
 * only. Prints `bench:` lines (tools/bench/bench_assembler.sh). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assembler.h"
#include "edi_decode.h"

/* One CUSCAR interchange body; %c fields vary per message. */
static const char *const message_tpl[] = {
	"UNH+%u+CUSCAR:D:95B:UN'", "BGM+85+DOC%u+9'", "DTM+137:202601011200:203'",
	"RFF+AFB:MAN%u'", "TDT+20+%uW+1++MSCU:172:20+++9283186:146:11:MONTE CERVANTES'",
	"LOC+9+NLRTM:139:6'", "LOC+11+USNYC:139:6'", "NAD+CA+MSCU::ZZZ++MSC'",
	"CNI+1+BL%u'", "RFF+BM:BL%u'", "NAD+CZ+DE%u::9++SHIPPER %u GMBH+HAFENSTRASSE 12+HAMBURG++20457+DE'",
	"NAD+CN+US%u::9++CONSIGNEE %u INC+MAIN STREET 400+NEWARK++07105+US'",
	"GID+1+12:PK'", "FTX+AAA+++LEATHER HANDBAGS %u'", "CST++420221'",
	"EQD+CN+MSCU1234565+45G1'", "SEL+SL%u+CA'",
	"GID+2+40:PK'", "FTX+AAA+++TOYS AND GAMES %u'", "CST++950300'",
	"EQD+CN+TGHU7602434+22G1'", "SEL+SL%u+CA'", "UNT+23+%u'",
};
#define TPL_N (sizeof(message_tpl) / sizeof(message_tpl[0]))

/* Events packed back to back (header + data, 8-byte aligned) as in the
 * ring buffer, so a large run stays small in memory. */
static unsigned char *pool;
static size_t pool_len, pool_cap, n_events;
static size_t messages;

static void push(const struct es_flow_key *k, const char *seg, uint64_t *off)
{
	static const struct es_seps seps = { ':', '+', '.', '?', 0, '\'', { 0, 0 } };
	size_t n = strlen(seg), need = (ES_EVENT_HDR_LEN + n + 7) & ~(size_t)7;

	if (pool_len + need > pool_cap) {
		pool_cap = pool_cap ? 2 * pool_cap : 1 << 20;
		pool = realloc(pool, pool_cap);
		if (!pool) {
			perror("realloc");
			exit(1);
		}
	}
	struct es_event *e = (struct es_event *)(pool + pool_len);
	memset(e, 0, ES_EVENT_HDR_LEN);
	e->type = ES_EV_SEGMENT;
	e->flow = *k;
	e->stream_off = *off;
	e->seg_len = e->data_len = (uint16_t)n;
	e->syntax = ES_SYNTAX_EDIFACT;
	e->dir = ES_DIR_TO_SERVER;
	e->seps = seps;
	memcpy(e->data, seg, n);
	*off += n;
	pool_len += need;
	n_events++;
}

/* Walks the pool: e is each event in turn. */
#define FOR_EACH_EVENT(e) \
	for (size_t o_ = 0; o_ < pool_len; \
	     o_ += (ES_EVENT_HDR_LEN + ((struct es_event *)(pool + o_))->data_len + 7) & ~(size_t)7) \
		for (const struct es_event *e = (const struct es_event *)(pool + o_); e; e = NULL)

/* Interchanges of msgs_per messages each, spread over flows flows. */
static void build(size_t total_msgs, unsigned msgs_per, unsigned flows)
{
	uint64_t offs[256] = { 0 };
	char seg[ES_SEG_MAX];

	for (size_t m = 0; m < total_msgs;) {
		unsigned f = (unsigned)(m / msgs_per) % flows;
		struct es_flow_key k = { .family = 4, .sport = (uint16_t)(40000 + f), .dport = 3305 };
		k.saddr[0] = 10, k.saddr[3] = (uint8_t)f, k.daddr[0] = 10, k.daddr[3] = 1;
		snprintf(seg, sizeof(seg), "UNB+UNOC:3+SENDER+RECEIVER+260101:1200+%zu'", m);
		push(&k, seg, &offs[f]);
		for (unsigned i = 0; i < msgs_per; i++, m++)
			for (size_t t = 0; t < TPL_N; t++) {
				snprintf(seg, sizeof(seg), message_tpl[t], (unsigned)m, (unsigned)m);
				push(&k, seg, &offs[f]);
			}
		snprintf(seg, sizeof(seg), "UNZ+%u+%zu'", msgs_per, m - msgs_per);
		push(&k, seg, &offs[f]);
	}
}

static void on_message(void *ctx, const Edisensor__V1__Message *m)
{
	(void)ctx;
	messages += m->n_parties > 0;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	size_t total = 50000;
	int c;

	while ((c = getopt(argc, argv, "m:h")) != -1) {
		char *end;
		switch (c) {
		case 'm':
			total = strtoul(optarg, &end, 10);
			if (*end || total == 0 || total > 10000000) {
				fprintf(stderr, "bench-assembler: -m takes 1..10000000\n");
				return 2;
			}
			break;
		default:
			printf("usage: bench-assembler [-m MESSAGES]\n"
			       "Feeds MESSAGES synthetic CUSCAR messages (%zu segments each, 4 per\n"
			       "interchange, 64 flows) through the assembler and prints bench lines.\n",
			       TPL_N);
			return c == 'h' ? 0 : 2;
		}
	}
	/* A pool of distinct messages, fed as often as needed. */
	size_t pool_msgs = total < 4096 ? total : 4096, rounds = (total + pool_msgs - 1) / pool_msgs;
	total = pool_msgs * rounds;
	build(pool_msgs, 4, 64);

	/* Baseline: decoding every segment, nothing else. */
	static struct edi_segment seg;
	struct edi_syntax syn = { .seps = ((struct es_event *)pool)->seps, .cs = CHARSET_LATIN1 };
	double t0 = now();
	size_t tags = 0;
	for (size_t r = 0; r < rounds; r++)
		FOR_EACH_EVENT(e)
			if (edi_decode_segment(e->data, e->data_len, &syn, &seg) == 0)
				tags += seg.tag[0] == 'N';
	double t_decode = now() - t0;

	struct assembler *a = assembler_new(NULL, on_message, NULL);
	if (!a) {
		fprintf(stderr, "bench-assembler: out of memory\n");
		return 1;
	}
	t0 = now();
	for (size_t r = 0; r < rounds; r++)
		FOR_EACH_EVENT(e)
			assembler_feed(a, e, ES_EVENT_HDR_LEN + e->data_len);
	assembler_flush(a);
	double t_asm = now() - t0;
	if (messages != total || tags == 0) {
		fprintf(stderr, "bench-assembler: %zu of %zu messages\n", messages, total);
		return 1;
	}
	printf("bench: assembler_segments_per_s %.0f seg/s\n", (double)(n_events * rounds) / t_asm);
	printf("bench: assembler_messages_per_s %.0f msg/s\n", (double)total / t_asm);
	printf("bench: assembler_vs_decode_only_ratio %.3f\n", t_decode / t_asm);
	assembler_free(a);
	free(pool);
	return 0;
}
