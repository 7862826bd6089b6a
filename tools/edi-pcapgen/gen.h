/* The generator: settings, the run context, TCP connections and the
 * scheduler that interleaves them into one capture and one manifest. */
#ifndef PCAPGEN_GEN_H
#define PCAPGEN_GEN_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ebuf.h"
#include "frame.h"
#include "interchange.h"
#include "pcapw.h"
#include "rng.h"

#define GEN_MAX_PORTS 64
#define GEN_MAX_CONCURRENCY 4096

enum transport_mode { TM_AUTO, TM_RAW, TM_HTTP, TM_FTP, TM_HTTP_B64 };

struct gen_cfg {
	uint64_t seed;
	uint64_t packets;            /* stop starting new work after this many frames */
	uint64_t connections;        /* ... or after this many EDI connections (0 = no limit) */
	unsigned concurrency;        /* EDI connections open at once */
	unsigned mss;
	double cut_share;            /* share of segments cut at a random length */
	double ipv6_share, vlan_share, qinq_share, rst_share;
	double server_edi_share;     /* raw connections where the server also sends EDI */
	double x12_share;            /* share of interchanges that are X12 */
	unsigned ichg_min, ichg_max; /* interchanges per connection */
	double background;           /* share of frames that are background traffic */
	double p_retransmit, p_reorder, p_gap, p_duplicate, p_midstream, p_truncate, p_garbage;
	enum transport_mode transport;
	uint16_t ports[GEN_MAX_PORTS];
	unsigned nports;
	uint64_t start_us;           /* timestamp of the first frame */
	struct ichg_cfg ichg;
};

/* Pathology bits recorded per message and interchange. */
enum {
	PB_RETRANSMIT = 1 << 0,
	PB_DUPLICATE = 1 << 1,
	PB_REORDER = 1 << 2,
	PB_GAP = 1 << 3,
	PB_TRUNCATED = 1 << 4,
	PB_MIDSTREAM = 1 << 5,
	PB_GARBAGE = 1 << 6,
	PB_BARE = 1 << 7,
};

/* A message or interchange waiting for its bytes to be sent before its
 * manifest line (which ends with its pathologies) can be written. */
struct span {
	uint64_t start, end;
	uint64_t ichg_start;   /* start of the enclosing interchange (its envelope) */
	uint8_t patho;
	char *json;      /* the line up to (excluding) ,"streamOffset" */
};
#define SPAN_RING 256

enum content_kind {
	CK_NONE,
	CK_EDI,          /* raw interchanges, optional garbage before */
	CK_EDI_HTTP,     /* each interchange as an HTTP POST body */
	CK_EDI_HTTP_B64, /* ... base64-encoded (AS2: Content-Transfer-Encoding: base64) */
	CK_EDI_FTP,      /* "STOR name" line then the interchange */
	CK_HTTP_RESP,    /* answers to POSTs, one per finished client chunk */
	CK_FTP_SERVER,   /* banner, then a reply per finished client chunk */
	CK_BG_HTTP_REQ, CK_BG_HTTP_RESP, CK_BG_TLS_CLIENT, CK_BG_TLS_SERVER,
};

/* One direction of a TCP connection. */
struct tdir {
	struct frame_addr a;
	char flow_json[320];
	uint32_t isn;
	uint16_t ip_id;
	enum content_kind content;
	unsigned chunks_left, chunks_done;
	struct ebuf buf;       /* unsent stream bytes; data[0] is stream offset buf_base */
	uint64_t buf_base;
	uint64_t sent;         /* stream offset of the next byte to cut */
	uint64_t chunk_end[8]; /* stream end offsets of produced, unfinished chunks */
	unsigned nchunk_end;
	uint64_t fnv;
	struct span ring[SPAN_RING];
	unsigned rhead, rcount;
	bool held;             /* a reordered segment waits to go after its successor */
	uint64_t held_off;
	uint32_t held_len;
	uint8_t *held_data;
	unsigned unacked;
	bool fin;
	/* Stream offset the manifest counts from: 0, or for a mid-stream
	 * connection the first payload byte of the first data frame written
	 * (what a sensor that starts there can know); manifest lines wait
	 * until it is known. */
	bool origin_wait;
	uint64_t origin;
	uint64_t packets, retransmits, duplicates, reorders, lost_segments, lost_bytes;
};

struct conn {
	struct tdir d[2];      /* 0: client to server, 1: server to client */
	bool background, midstream, rst, edi;
	const char *transport;
	int state;
	int closer;
	uint16_t mss;
};

struct gen {
	struct gen_cfg cfg;
	struct rng rng;
	struct pcapw pcap;
	FILE *manifest;
	uint64_t now_us;
	uint64_t conn_index;
	uint64_t edi_connections, bg_connections;
	uint64_t messages, interchanges;
	uint64_t bg_packets, udp_packets, udp_bytes;
	bool winding;
	int err;
	struct ebuf tmp, line;
	uint8_t frame[FRAME_MAX];
	uint32_t last_frame_len;
};

int gen_run(struct gen *g);

/* conn.c */
struct conn *conn_new(struct gen *g, bool background);
/* Emits the connection's next frame(s); returns 1 when it has finished
 * (then conn_free it), 0 otherwise, -errno on failure. */
int conn_step(struct gen *g, struct conn *c);
void conn_free(struct conn *c);
/* Write one TCP frame of direction d and count it. */
int conn_emit(struct gen *g, struct conn *c, int d, uint32_t seq, uint8_t flags,
	      const uint8_t *p, uint32_t len);

/* content.c: append the next chunk of direction d to its buffer. */
int content_produce(struct gen *g, struct conn *c, int d);
/* Queue a manifest span; json is taken over (freed after writing). */
void span_push(struct tdir *t, uint64_t start, uint64_t end, uint8_t patho, char *json);
/* Write the spans whose bytes are all sent (all of them with force). */
void span_flush(struct gen *g, struct tdir *t, bool force);
void span_mark(struct tdir *t, uint64_t start, uint64_t end, uint8_t bits);

/* manifest.c */
/* Writes json + ,"streamOffset":offset,"pathologies":[...]} and a newline. */
void manifest_line(struct gen *g, const char *json, size_t len, int64_t offset, uint8_t patho);
void manifest_connection(struct gen *g, const struct conn *c, int d);
void manifest_summary(struct gen *g);
uint64_t fnv1a64(uint64_t h, const uint8_t *p, size_t n);
#define FNV1A64_INIT 0xcbf29ce484222325ULL

#endif
