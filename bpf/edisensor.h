/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The kernel/user ABI of edisensor: everything the BPF programs and the
 * userspace daemon both see. Fixed-width types, explicit padding, no libc.
 * Changing a layout here is an ABI change: rebuild both sides.
 */
#ifndef EDISENSOR_H
#define EDISENSOR_H

#ifdef __bpf__
#include <linux/types.h>
#else
#include <linux/types.h>
#endif

/* Limits a build may override (-DES_SEG_MAX=...). */
#ifndef ES_SEG_MAX
#define ES_SEG_MAX 512          /* segment bytes copied into one event */
#endif
#ifndef ES_MAX_FLOWS
#define ES_MAX_FLOWS 65536      /* default LRU flow table size (per direction) */
#endif
#ifndef ES_MAX_PORTS
#define ES_MAX_PORTS 256
#endif
#ifndef ES_MAX_TAGS
#define ES_MAX_TAGS 256
#endif
#ifndef ES_MAX_CIDRS
#define ES_MAX_CIDRS 1024
#endif
#ifndef ES_REORDER_SLOTS
#define ES_REORDER_SLOTS 4096   /* default: directions that may hold an early segment at once */
#endif
#ifndef ES_HOLD_BYTES
#define ES_HOLD_BYTES 2048      /* payload bytes of one held early segment (a scanner chunk) */
#endif
#ifndef ES_B64_DEPTH
#define ES_B64_DEPTH (4u << 20) /* base64 text bytes forwarded per body at most */
#endif
#ifndef ES_RINGBUF_BYTES
#define ES_RINGBUF_BYTES (8u << 20)
#endif

/*
 * Per-CPU counters. The OUTCOME counters partition the packets: every packet
 * the program sees ends in exactly one of them. ES_CNT_PACKETS is their sum:
 * the programs leave its slot at zero (one increment per packet, not two)
 * and userspace fills it in when it reads the map (counters_read()). The
 * others count events inside monitored traffic.
 */
enum es_counter {
	ES_CNT_PACKETS = 0,         /* derived by userspace: sum of the outcomes */
	/* outcomes */
	ES_CNT_NON_IP,
	ES_CNT_NON_TCP,
	ES_CNT_NOT_MONITORED,
	ES_CNT_MONITORED,
	ES_CNT_MALFORMED_ETH,
	ES_CNT_MALFORMED_VLAN,
	ES_CNT_MALFORMED_IPV4,
	ES_CNT_MALFORMED_IPV6,
	ES_CNT_MALFORMED_TCP,
	ES_CNT_FRAGMENT,
	/* inside monitored traffic */
	ES_CNT_PAYLOAD_EMPTY,       /* monitored, no TCP payload */
	ES_CNT_PAYLOAD_BYTES,       /* TCP payload bytes of monitored packets */
	ES_CNT_FLOW_NEW,
	ES_CNT_FLOW_MIDSTREAM,      /* flow first seen without SYN */
	ES_CNT_FLOW_NOT_TRACKED,    /* flow table update failed */
	ES_CNT_FLOW_END,
	ES_CNT_RETRANS,             /* packets whose bytes were all seen before */
	ES_CNT_OVERLAP,             /* packets partially seen before */
	ES_CNT_GAP,
	ES_CNT_INTERCHANGES,        /* UNA/UNB/ISA (or UNH/ST without envelope) seen */
	ES_CNT_SEGMENTS,            /* segments forwarded as events */
	ES_CNT_SEGMENTS_SKIPPED,    /* segments not forwarded (tag not asked for) */
	ES_CNT_SEG_TRUNCATED,       /* forwarded with ES_SEGF_TRUNCATED */
	ES_CNT_EVENTS,              /* events written to the ring buffer (record items) */
	ES_CNT_RINGBUF_FULL,        /* events lost: their ring buffer output failed */
	ES_CNT_FRAGS_READ,          /* multi-buffer frames read with bpf_xdp_load_bytes */
	ES_CNT_SCAN_LIMIT,          /* per-packet scan budget exhausted: rest skipped */
	ES_CNT_SCAN_RESYNC,         /* "segment" that was none (garbage): scanner back to seek */
	ES_CNT_SEEK_GIVEUP,         /* directions past the seek depth: no longer scanned */
	ES_CNT_SEEK_SKIPPED_BYTES,  /* new payload bytes of those directions, not scanned */
	ES_CNT_REORDER_HELD,        /* early segments held until their predecessor came */
	ES_CNT_REORDER_RELEASED,    /* held segments scanned in order: the hole filled */
	ES_CNT_REORDER_ABANDONED,   /* held segments given up: GAP, then scanned after it
				       (or dropped: SYN, entry evicted, seek depth) */
	ES_CNT_B64_BODIES,          /* base64 bodies found (ES_EV_B64 start items) */
	ES_CNT_B64_BYTES,           /* base64 text bytes forwarded in ES_EV_B64 items */
	ES_CNT_B64_CAPPED,          /* bodies cut at ES_B64_DEPTH: the rest sought, not forwarded */
	ES_CNT_MAX,
};

#define ES_CNT_OUTCOME_FIRST ES_CNT_NON_IP
#define ES_CNT_OUTCOME_LAST  ES_CNT_FRAGMENT

/* Flow key: one direction of a TCP connection, as seen on the wire. */
struct es_flow_key {
	__u8  saddr[16];   /* IPv4 in the first 4 bytes, rest zero */
	__u8  daddr[16];
	__u16 sport;       /* host byte order */
	__u16 dport;       /* host byte order */
	__u8  family;      /* 4 or 6 */
	__u8  pad[3];
};

enum es_event_type {
	ES_EV_SEGMENT  = 1,   /* one EDI segment (data[] holds its bytes) */
	ES_EV_GAP      = 2,   /* sequence gap: aux = missing bytes (capped) */
	ES_EV_FLOW_END = 3,   /* FIN or RST: aux = ES_END_FIN/ES_END_RST */
	ES_EV_B64      = 4,   /* base64 text of a body that starts with an interchange
				 (AS2/MIME: Content-Transfer-Encoding: base64), raw,
				 CR/LF included, up to ES_SEG_MAX bytes per item, in
				 stream order; seg_len = text bytes of the body before
				 the item; aux = enum es_b64_aux. Userspace decodes and
				 scans it (userspace/b64_body.c) */
};

/* ES_EV_B64 aux: a body's first item, its middle items, and the data-less
 * item that ends it (the first byte outside the base64 alphabet and CR/LF,
 * or ES_B64_DEPTH text bytes). A GAP or FLOW_END ends it too. */
enum es_b64_aux {
	ES_B64_MORE     = 0,
	ES_B64_START    = 1,
	ES_B64_END_TEXT = 2,
	ES_B64_END_CAP  = 3,
};
/* GAP and FLOW_END carry in seg_len the segments of the direction not
 * forwarded (tag not asked for) since its last forwarded one: no forwarded
 * segment of the same message will report them any more (a SEGMENT reports
 * them in aux), so a message cut by a gap or by the end of the connection
 * is counted whole up to there. */

enum es_syntax {
	ES_SYNTAX_NONE    = 0,
	ES_SYNTAX_EDIFACT = 1,
	ES_SYNTAX_X12     = 2,
};

enum es_dir {
	ES_DIR_UNKNOWN   = 0,
	ES_DIR_TO_SERVER = 1,  /* destination port is a monitored port */
	ES_DIR_TO_CLIENT = 2,  /* source port is a monitored port */
};

enum es_end_reason {
	ES_END_FIN = 1,
	ES_END_RST = 2,
};

/* Segment event flags. */
#define ES_SEGF_TRUNCATED  (1u << 0)  /* segment longer than ES_SEG_MAX */
#define ES_SEGF_MIDSTREAM  (1u << 1)  /* flow first seen without SYN */
#define ES_SEGF_AFTER_GAP  (1u << 2)  /* first segment after a resync */
#define ES_SEGF_ISA_NONFIXED (1u << 3) /* X12 ISA not 106 bytes: separators found by element count */
#define ES_SEGF_EVENTS_LOST (1u << 4) /* on any event type: events of this direction
					 before it were lost (a ring buffer output
					 failed); userspace treats it as a gap of
					 the flow. The rest of the stream is scanned
					 as before (no resync) */

/* Separators in force for a segment. */
struct es_seps {
	__u8 component;
	__u8 element;
	__u8 decimal;
	__u8 release;      /* 0 = none (X12) */
	__u8 repetition;   /* 0 = none */
	__u8 terminator;
	__u8 pad[2];
};

/* Where the event came from. */
enum es_hook {
	ES_HOOK_XDP        = 0,
	ES_HOOK_TC_INGRESS = 1,
	ES_HOOK_TC_EGRESS  = 2,
};

/* Index of a tc hook's first counter in the tc_counters map (per-CPU,
 * 2 * ES_CNT_MAX entries); the counters map is XDP's alone. */
#define ES_TC_CNT_BASE(hook) ((hook) == ES_HOOK_TC_EGRESS ? (__u32)ES_CNT_MAX : 0u)

/*
 * The ring buffer. Each bpf_ringbuf_output() carries one or more records
 * back to back. A record is one struct es_rec_hdr with what its items share
 * (time, flow, interface, direction, hook, the syntax and separators of its
 * segments, the stream offset its items count from), then, when chunk_len
 * is not 0, chunk_len bytes of the stream (the payload chunk the scanner
 * read, from stream offset base_off + chunk_off on), padded to a multiple
 * of 8, then hdr.n_items items: a struct es_rec_item, then data_len bytes
 * of segment data padded to a multiple of 8; an item flagged
 * ES_ITEMF_CHUNK has no data after it: its data_len bytes are the record's
 * chunk bytes from off - chunk_off on; one flagged ES_ITEMF_SHORT too is
 * the item's first 8 bytes alone (a whole segment of the chunk with no
 * skipped segment before it: seg_len = data_len, aux = 0). hdr.len covers
 * the header, the chunk and all items, padding included, so it is a
 * multiple of 8.
 *
 * The writer (bpf/flow.h) puts the events of a chunk's scan into one
 * record, and attaches the chunk when a forwarded segment lies in it
 * (segments begun in an earlier packet carry their data: the carry), unless
 * the direction forwards less than 3/4 of its chunks' bytes (then its
 * segments carry their data: ES_FLOWF_SPARSE); seek-mode bytes and chunks
 * without a referring segment are never sent.
 * Other events (GAP, FLOW_END) go into records without a chunk. A record
 * ends at the chunk's end, when a segment's syntax or separators differ
 * from the record's (an interchange with other separators later in the
 * same chunk: the next record attaches the chunk again), when an item's
 * offset is not within 4 GiB after the record's base_off, and when the
 * record is full. The reader (userspace/ring_record.c) checks every length
 * and offset against the bytes it has and expands the items into struct
 * es_event.
 *
 * Why this shape: a segment event is ~37 bytes of data; with the shared
 * fields in every event (84 bytes) the bytes written to the ring per frame
 * were most of the cost of writing them; and copying each forwarded
 * segment's bytes out of the chunk one at a time was ~6% of a frame where
 * the chunk goes out whole in the output that happens anyway; 8-byte items
 * for the common segment, ~14% of the bytes of a frame, ~4% of its time
 * (docs/ARCHITECTURE.md, Cost).
 */
#define ES_REC_VERSION 4

struct es_rec_hdr {
	__u8  version;          /* ES_REC_VERSION */
	__u8  syntax;           /* enum es_syntax of the record's SEGMENT items */
	__u8  dir;              /* enum es_dir */
	__u8  hook;             /* enum es_hook */
	__u16 n_items;          /* at least 1 */
	__u16 flags;            /* ES_SEGF_MIDSTREAM: on every item of the record */
	__u32 len;              /* bytes of the record, this header included */
	__u32 ifindex;
	__u64 ts_ns;            /* capture time: replay clock, else bpf_ktime_get_ns() */
	__u64 base_off;         /* stream offset of the first item; the others' count from it */
	struct es_flow_key flow;
	struct es_seps seps;    /* separators in force for the SEGMENT items */
	__u32 chunk_len;        /* stream bytes after this header (0: none) ... */
	__u32 chunk_off;        /* ... the first at stream offset base_off + chunk_off */
};

struct es_rec_item {
	/* the first 8 bytes: all of an ES_ITEMF_SHORT item */
	__u8  type;             /* enum es_event_type */
	__u8  flags;            /* ES_SEGF_* of the item (the record's are added),
				   ES_ITEMF_CHUNK, ES_ITEMF_SHORT */
	__u16 data_len;         /* bytes of data (at most ES_SEG_MAX): after this
				   item, or in the record's chunk (ES_ITEMF_CHUNK) */
	__u32 off;              /* stream offset (struct es_event) minus hdr.base_off */
	/* not in an ES_ITEMF_SHORT item */
	__u32 seg_len;          /* SEGMENT: its length; GAP, FLOW_END: skipped count */
	__u32 aux;
};

/* Item flags, not event flags. ES_ITEMF_CHUNK: the item's data are the
 * record's chunk bytes at its offset (off - chunk_off), none follow the
 * item. ES_ITEMF_SHORT (only with ES_ITEMF_CHUNK): the item is its first
 * ES_REC_ITEM_SHORT bytes; seg_len is data_len, aux 0. */
#define ES_ITEMF_CHUNK (1u << 7)
#define ES_ITEMF_SHORT (1u << 6)
#define ES_REC_ITEM_SHORT 8u

#define ES_REC_ITEM_SPAN(data_len) \
	((((__u32)sizeof(struct es_rec_item) + (__u32)(data_len)) + 7u) & ~7u)

/* Userspace only (struct es_event.flags, never in a ring item): the segment
 * was decoded from a base64 body (ES_EV_B64); its stream_off is the offset
 * of the first base64 character carrying bits of its first byte. On an
 * ES_EV_B64 event (userspace/b64_body.c, at a decoded body's end): seg_len
 * = the body's segments not forwarded since its last forwarded one, as a
 * GAP or FLOW_END carries them. */
#define ES_SEGF_BASE64 (1u << 8)

#define ES_SEGF_ALL (ES_SEGF_TRUNCATED | ES_SEGF_MIDSTREAM | ES_SEGF_AFTER_GAP | \
		     ES_SEGF_ISA_NONFIXED | ES_SEGF_EVENTS_LOST)

_Static_assert(ES_SEGF_ALL <= 0xFF && !(ES_SEGF_ALL & (ES_ITEMF_CHUNK | ES_ITEMF_SHORT)),
	       "item flags are one byte, ES_ITEMF_* none of the event's");
_Static_assert(__builtin_offsetof(struct es_rec_item, seg_len) == ES_REC_ITEM_SHORT,
	       "a short item is the fields before seg_len");
_Static_assert(sizeof(struct es_rec_hdr) == 88 && sizeof(struct es_rec_item) == 16,
	       "record layout (docs/ARCHITECTURE.md)");
_Static_assert(sizeof(struct es_rec_hdr) % 8 == 0, "record header keeps items 8-aligned");
_Static_assert(sizeof(struct es_rec_item) % 8 == 0, "item keeps its data 8-aligned");

#ifndef __bpf__
/*
 * One event as userspace handles it: a ring record item with its record's
 * shared fields filled in (userspace/ring_record.c makes them). GAP and
 * FLOW_END events have syntax 0 and zero separators.
 */
struct es_event {
	__u64 ts_ns;            /* capture time: replay clock, else bpf_ktime_get_ns() */
	__u64 stream_off;       /* offset of the segment's first byte in this direction's
				   stream: 0 = the first byte after the SYN; for a flow
				   first seen without SYN (ES_SEGF_MIDSTREAM), 0 = the
				   first payload byte of the first packet seen with
				   payload (docs/MANIFEST.md, streamOffset) */
	struct es_flow_key flow;
	__u32 ifindex;
	__u32 seg_len;          /* full segment length (terminator included); GAP,
				   FLOW_END: segments not forwarded before it */
	__u32 aux;              /* GAP: missing bytes; FLOW_END: reason; SEGMENT:
				   segments of this direction not forwarded (tag not
				   asked for) since the previous forwarded one */
	__u16 data_len;         /* bytes in data[] */
	__u16 flags;            /* ES_SEGF_* */
	__u8  type;             /* enum es_event_type */
	__u8  syntax;           /* enum es_syntax */
	__u8  dir;              /* enum es_dir */
	__u8  hook;             /* enum es_hook */
	struct es_seps seps;
	__u8  data[ES_SEG_MAX];
};

/* Bytes of an event before its data: an event of n data bytes is handed
 * around (assembler_feed(), event_print()) as ES_EVENT_HDR_LEN + n bytes. */
#define ES_EVENT_HDR_LEN ((unsigned)__builtin_offsetof(struct es_event, data))
#endif

/* Key of the forwarded-tag map: the tag's bytes, zero padded ("NAD", "N1"). */
struct es_tag_key {
	__u8 tag[4];
};

/* Key of the monitored-CIDR LPM trie. */
struct es_cidr_key {
	__u32 prefixlen;        /* bits, over family byte + address */
	__u8  family;           /* 4 or 6 */
	__u8  addr[16];
};

/* Default monitored TCP ports: FTP data/control, AS2 over HTTP, OFTP, EDI translators. */
#define ES_DEFAULT_PORTS 20, 21, 80, 3305, 4080, 5080, 8080, 9000

#endif /* EDISENSOR_H */
