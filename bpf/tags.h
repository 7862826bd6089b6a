/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Segment tags: the service segments, and the table of tag classes from
 * which the scanner's fast path decides a segment with one load. Shared
 * by the scanner (BPF and host builds) and userspace, which fills the
 * table (sensor_bpf_set_tags(), tag_table.c).
 */
#ifndef EDISENSOR_TAGS_H
#define EDISENSOR_TAGS_H

#include <linux/types.h>

#ifdef __bpf__
#define ES_TAGS_FN static __always_inline
#else
#define ES_TAGS_FN static inline
#endif

/* Tags as little-endian words of their bytes. */
#define ES_TAG2(a, b)    ((__u32)(a) | (__u32)(b) << 8)
#define ES_TAG3(a, b, c) (ES_TAG2(a, b) | (__u32)(c) << 16)

/* The segments always forwarded: envelopes, groups and messages. */
ES_TAGS_FN int es_is_service_tag(__u32 t)
{
	switch (t) {
	case ES_TAG3('U', 'N', 'A'): case ES_TAG3('U', 'N', 'B'):
	case ES_TAG3('U', 'N', 'G'): case ES_TAG3('U', 'N', 'H'):
	case ES_TAG3('U', 'N', 'T'): case ES_TAG3('U', 'N', 'E'):
	case ES_TAG3('U', 'N', 'Z'): case ES_TAG3('I', 'S', 'A'):
	case ES_TAG2('G', 'S'): case ES_TAG2('S', 'T'): case ES_TAG2('S', 'E'):
	case ES_TAG2('G', 'E'): case ES_TAG3('I', 'E', 'A'):
		return 1;
	}
	return 0;
}

/*
 * Tag classes: 2 bits for every word of two or three 7-bit bytes (the tag
 * in memory order, zero padded), indexed by its bytes' 7 bits each, 512
 * KiB in all, of which a frame touches a cache line per distinct tag.
 * ES_TAGT_BREAK is every word that is no tag (not an upper-case letter,
 * then letters or digits) and the tags after which the scanner's state
 * changes (UNA UNB UNH ISA: headers; UNZ IEA: interchange ends): the
 * general step takes those. The others are forwarded or skipped.
 */
#define ES_TAGT_BREAK 0u
#define ES_TAGT_SKIP  1u
#define ES_TAGT_FWD   3u
#define ES_TAGT_INDEX_BITS 21
#define ES_TAGT_WORDS (1u << (ES_TAGT_INDEX_BITS - 5))   /* 32 classes per __u64 */

/* The table index of a word of at most three bytes below 0x80. */
ES_TAGS_FN __u32 es_tagt_index(__u32 t)
{
	return (t & 0x7f) | (t >> 1 & 0x3f80) | (t >> 2 & 0x1fc000);
}

/* The bytes of a tag (also the scanner's: bpf/edi_scan.h). */
ES_TAGS_FN int es_is_upper(__u8 c) { return c >= 'A' && c <= 'Z'; }
ES_TAGS_FN int es_is_digit(__u8 c) { return c >= '0' && c <= '9'; }
ES_TAGS_FN int es_is_alnum(__u8 c) { return es_is_upper(c) || es_is_digit(c); }

/*
 * The class of word t, want saying whether the tag is asked for (the
 * service tags always are): the table's entry for it.
 */
ES_TAGS_FN __u32 es_tagt_class(__u32 t, int want)
{
	__u8 b0 = (__u8)t, b1 = (__u8)(t >> 8), b2 = (__u8)(t >> 16);

	if (t >> 24 || !es_is_upper(b0) || !es_is_alnum(b1) || (b2 && !es_is_alnum(b2)))
		return ES_TAGT_BREAK;
	switch (t) {
	case ES_TAG3('U', 'N', 'A'): case ES_TAG3('U', 'N', 'B'):
	case ES_TAG3('U', 'N', 'H'): case ES_TAG3('I', 'S', 'A'):
	case ES_TAG3('U', 'N', 'Z'): case ES_TAG3('I', 'E', 'A'):
		return ES_TAGT_BREAK;
	}
	return want || es_is_service_tag(t) ? ES_TAGT_FWD : ES_TAGT_SKIP;
}

/* The class at index i of table tbl (ES_TAGT_WORDS words). */
ES_TAGS_FN __u32 es_tagt_get(const __u64 *tbl, __u32 i)
{
	return (__u32)(tbl[(i >> 5) & (ES_TAGT_WORDS - 1)] >> ((i & 31) * 2)) & 3;
}

#endif /* EDISENSOR_TAGS_H */
