/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The EDI stream scanner: a state machine that finds UN/EDIFACT and ANSI X12
 * interchanges anywhere in one direction of a TCP stream, learns their
 * separators and splits them into segments. It sees the stream one chunk at
 * a time (at most ES_SCAN_CHUNK bytes, copied into a padded buffer) and keeps
 * everything it needs between chunks in struct es_scan_state, including a
 * carry buffer with the segment in progress.
 *
 * The same code compiles for BPF (clang -target bpf, the XDP program) and for
 * the host (gcc: unit tests, fuzzing). The includer provides two functions
 * before including this header's users call es_scan_chunk():
 *
 *   static int  es_scan_want(void *env, __u32 tag);
 *       non-zero when a segment with this tag (bytes in memory order,
 *       zero padded, as struct es_tag_key) is to be forwarded (asked for
 *       tags that are not service tags: es_is_service_tag());
 *   static __u32 es_scan_tag_class(void *env, __u32 tag);   (BPF build)
 *       the fast path's decision for a word of two or three bytes below
 *       0x80: es_tagt_class() of it with es_scan_want()'s answer, from the
 *       table userspace fills (tags.h); the host build computes it;
 *   static void es_scan_emit(void *env, const struct es_scan_state *st,
 *                            const __u8 *buf, const struct es_seg_desc *d);
 *       one forwarded segment: st->carry[0..d->carry_n) followed by
 *       buf[d->buf_begin .. d->buf_begin + d->buf_n).
 *   static void es_scan_emit_b64(void *env, const struct es_scan_state *st,
 *                                __u64 off, __u32 span);
 *       base64 text of a body (ES_MODE_B64) at stream offset off:
 *       st->carry[0..ES_B64_SPAN_CN(span)) followed by
 *       buf[ES_B64_SPAN_BEGIN(span) ..] (ES_B64_SPAN_N(span) bytes);
 *       ES_B64_SPAN_AUX(span) = enum es_b64_aux (ES_B64_END_*: no bytes,
 *       off where it ended); st->seg_len = text bytes of the body before
 *       it, st->flags its ES_SEGF_* flags.
 *
 * With ES_HAS_EMIT_FAST defined, the fast path (es_scan_run()) offers each
 * forwarded segment to a cheaper hook first:
 *
 *   static int  es_scan_emit_fast(void *env, const struct es_scan_state *st,
 *                                 __u32 pos, __u32 n);
 *       buf[pos .. pos + n), a whole segment of the chunk, n <= ES_SEG_MAX:
 *       non-zero when the includer took it as es_scan_emit() would have
 *       (st->flags and st->skipped are its flags and skipped count, as
 *       there; the scanner then leaves both as they are), else 0 and
 *       es_scan_emit() gets it;
 *   static void es_scan_emit_fast_sync(void *env, const struct es_scan_state *st,
 *                                      __u64 base_off, __u32 len);
 *       at the start of a run and after each es_scan_emit() in it: what
 *       es_scan_emit_fast() may rely on until the next call (separators
 *       and syntax do not change within a run).
 *
 * Speed: the bytes inside a segment are searched eight at a time (the
 * terminator and the release character, with the exact has-zero-byte test),
 * so the per-byte cost is a few instructions per word; per segment the
 * scanner classifies the tag from one 8-byte load. In seek mode the same
 * trick finds the first letters of interchange and message headers.
 *
 * Verifier notes (BPF build):
 *  - every loop has a constant bound (ES_SCAN_CHUNK / 8 words, ES_PEEK bytes);
 *  - every index into the chunk buffer and the carry is masked with a power
 *    of two minus one right before use, even where the logic already keeps it
 *    in range, because the verifier cannot follow those invariants;
 *  - 8-byte loads at unaligned offsets of map values are allowed on x86-64
 *    and arm64 (efficient unaligned access); the buffers carry 8 bytes of
 *    padding so a word starting at the last valid byte stays in bounds.
 */
#ifndef EDI_SCAN_H
#define EDI_SCAN_H

#include "edisensor.h"
#include "tags.h"

/* The includer's hooks (see above). */
struct es_scan_state;
struct es_seg_desc;
static int es_scan_want(void *env, __u32 tag);
#ifdef __bpf__
static __u32 es_scan_tag_class(void *env, __u32 tag);
#endif
static void es_scan_emit(void *env, const struct es_scan_state *st, const __u8 *buf,
			 const struct es_seg_desc *d);
static void es_scan_emit_b64(void *env, const struct es_scan_state *st, __u64 off, __u32 span);
#ifdef ES_HAS_EMIT_FAST
static int es_scan_emit_fast(void *env, const struct es_scan_state *st, __u32 pos, __u32 n);
static void es_scan_emit_fast_sync(void *env, const struct es_scan_state *st, __u64 base_off,
				   __u32 len);
#endif

#ifdef __bpf__
#define ES_SCAN_FN static __always_inline
/* hides a value from the optimiser: stops clang turning a byte loop into a
 * memmove call, which BPF does not have */
#define ES_OPAQUE(x) asm volatile("" : "+r"(x))
/*
 * Verifier: a loop whose exit refines a value that stays live multiplies the
 * states of everything after it (one per exit iteration). The word loops
 * therefore live in global functions, which the verifier checks once on
 * their own, with unknown arguments; the caller sees an unknown result.
 */
#define ES_GLOBAL __attribute__((noinline))
/* a static subprogram: one copy, checked per call site with the callers'
 * pointer types (it may take them, unlike a global function) */
#define ES_SUBPROG static __attribute__((noinline))
/*
 * ES_CAN_LOOP: 1 until a loop has run "long enough", then 0: the may_goto
 * instruction (kernel 6.9+), written as bytes because clang 14 has no
 * mnemonic for it (the form of the kernel selftests' can_loop). At run
 * time a decrement of a counter in a hidden 8-byte stack slot of the
 * subprogram, set at its entry. Verifier: at that instruction a state
 * whose values all lie within those of an earlier pass of the same loop
 * is pruned, so a loop body whose state at the loop head is the same
 * every pass (pointers, values from memory, counters it widens) is walked
 * a few times instead of once per iteration of a counted loop. A loop it
 * ends must treat that as running out of budget, never as done.
 */
#define ES_CAN_LOOP ({ __label__ l_break, l_continue; int ret_ = 1;                   \
	asm volatile goto("1:.byte 0xe5; .byte 0; .long ((%l[l_break] - 1b - 8) / 8) & 0xffff; " \
			  ".short 0" :::: l_break);                                      \
	goto l_continue;                                                                \
l_break:                                                                                \
	ret_ = 0;                                                                       \
l_continue:;                                                                            \
	ret_; })
#else
#define ES_CAN_LOOP 1
#include <string.h>
#define ES_SCAN_FN static inline
#define ES_OPAQUE(x) ((void)0)
#define ES_GLOBAL static inline
#define ES_SUBPROG static inline
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "edi_scan.h: the word-at-a-time search assumes a little-endian target"
#endif

#ifndef ES_SCAN_CHUNK
#define ES_SCAN_CHUNK 2048          /* bytes per es_scan_chunk() call; power of two */
#endif
#define ES_SCAN_PAD    16           /* readable bytes after the chunk for word loads */
#define ES_SCAN_BUF    (ES_SCAN_CHUNK + ES_SCAN_PAD)
#define ES_CARRY_SIZE  (ES_SEG_MAX + 8) /* +8: whole-word copies may run 7 bytes over */
#define ES_PEEK        24           /* bytes a header check may look at */
#define ES_UNH_PEEK    48           /* bytes a UNH check may look at (S009 and terminator) */
#define ES_SEG_LIMIT   16384        /* a longer "segment" is garbage: back to seek */
/* ... and a longer header found by the seek, whose separators may be a
 * guess (the defaults, or those in force before a gap): a wrong one must
 * not hide the headers behind it */
#define ES_HDR_LIMIT   ES_SEG_MAX
#ifndef ES_SCAN_STEPS
#define ES_SCAN_STEPS  (ES_SCAN_CHUNK / 2) /* step budget per chunk (>= segments per chunk) */
#endif

#if (ES_SCAN_CHUNK & (ES_SCAN_CHUNK - 1)) || (ES_SEG_MAX & (ES_SEG_MAX - 1))
#error "ES_SCAN_CHUNK and ES_SEG_MAX must be powers of two"
#endif

/* Sized views for the global functions' pointer arguments. */
struct es_chunk {
	__u8 b[ES_SCAN_BUF];
};

struct es_span {
	__u8 b[ES_CARRY_SIZE];
};

/* Scanner modes. */
enum es_scan_mode {
	ES_MODE_SEEK     = 0, /* looking for UNA/UNB/UNH/ISA (and GS/ST) */
	ES_MODE_SEGSTART = 1, /* inside an interchange, at a segment boundary */
	ES_MODE_SEG      = 2, /* inside a segment whose tag is known */
	ES_MODE_ISA      = 3, /* collecting an X12 ISA to learn its separators */
	ES_MODE_B64      = 4, /* forwarding a base64 body (es_step_b64()): seg_start =
				 its first character's offset, seg_len = its text
				 bytes forwarded, carry = the candidate's bytes when it
				 straddled a chunk (forwarded first) */
};

/* Scanner state kept per flow direction between chunks (and packets). */
struct es_scan_state {
	__u64 seg_start;        /* stream offset of the segment (or candidate) in progress */
	__u32 seg_len;          /* its bytes seen in earlier chunks */
	__u32 tag;              /* its tag, bytes in memory order (SEG, ISA) */
	__u16 carry_len;        /* bytes of it held in carry[] */
	__u8  mode;             /* enum es_scan_mode */
	__u8  syntax;           /* enum es_syntax of the interchange in force */
	__u8  released;         /* last byte of the previous chunk was a release char */
	__u8  fwd;              /* segment in progress is forwarded (carry it) */
	__u8  flags;            /* ES_SEGF_* for the next forwarded segment */
	__u8  isa_elems;        /* ISA: element separators seen */
	__u8  isa_rep;          /* ISA: first byte of ISA11 */
	__u8  seps_known;       /* seps hold the separators of the current syntax */
	__u8  after_una;        /* the last segment was a UNA: its UNB keeps them */
	__u8  from_seek;        /* segment in progress is a header the seek found */
	__u16 isa_ver;          /* ISA: ISA12 as a number (00401 -> 401) */
	__u16 skipped;          /* segments not forwarded since the last forwarded one */
	struct es_seps seps;
	__u8  carry[ES_CARRY_SIZE];
};

/* One segment handed to es_scan_emit(). */
struct es_seg_desc {
	__u64 stream_off;       /* offset of the segment's first byte */
	__u32 seg_len;          /* full length, terminator included */
	__u32 buf_begin;        /* its bytes in this chunk start here ... */
	__u32 buf_n;            /* ... and this many are forwarded from the chunk */
	__u16 carry_n;          /* bytes forwarded from st->carry first */
	__u16 flags;            /* ES_SEGF_* */
	__u16 skipped;          /* segments not forwarded just before this one */
};

/* Per-chunk working set. */
struct es_scan_ctx {
	struct es_scan_state *st;
	const __u8 *buf;        /* ES_SCAN_BUF readable bytes, len of them valid */
	void *env;
	__u64 base_off;         /* stream offset of buf[0] */
	__u32 len;
	__u32 pos;              /* next byte to look at */
	__u32 seg_begin;        /* where the segment/candidate in progress starts in buf */
	__u32 n_inter;          /* interchanges (or bare messages) found */
	__u32 n_seg;            /* segments forwarded */
	__u32 n_skip;           /* segments not forwarded */
	__u32 n_trunc;          /* forwarded segments cut at ES_SEG_MAX */
	__u32 n_garbage;        /* resyncs because a segment did not look like one */
};

#define ES_ONES  0x0101010101010101ULL
#define ES_LOW7  0x7f7f7f7f7f7f7f7fULL

/* Classification results. */
enum {
	ES_CL_NO = 0,   /* not what we look for */
	ES_CL_MORE,     /* undecided: need more bytes */
	ES_CL_SEG,      /* a segment (SEGSTART) or message/group start (SEEK) */
	ES_CL_UNA,
	ES_CL_ISA,
	ES_CL_B64,      /* base64 of UNA/UNB/ISA at a body start (seek only) */
};

/* 8-byte little-endian load from any offset (see the verifier notes above). */
ES_SCAN_FN __u64 es_load64(const __u8 *p)
{
#ifdef __bpf__
	return *(const __u64 *)p;
#else
	__u64 v;

	memcpy(&v, p, sizeof(v));
	return v;
#endif
}

/*
 * 0x80 in every byte of v that is zero, exactly (no borrow between bytes,
 * unlike the shorter (v - 0x01..) & ~v form whose high bytes may be wrong).
 */
ES_SCAN_FN __u64 es_zero_bytes(__u64 v)
{
	return ~(((v & ES_LOW7) + ES_LOW7) | v | ES_LOW7);
}

/* Index of the lowest byte flagged in a non-zero es_zero_bytes() mask. */
ES_SCAN_FN __u32 es_first_flagged(__u64 m)
{
	__u64 low = m & (~m + 1);

	return (__u32)(((low >> 7) * 0x0001020304050607ULL) >> 56);
}

/*
 * base[idx & mask]. Verifier: the barrier hides what clang knows about
 * idx, so it can neither drop the mask as redundant nor turn the index into
 * a running pointer; the verifier sees the mask right at the access.
 */
ES_SCAN_FN __u8 es_at(const __u8 *base, __u32 idx, __u32 mask)
{
	ES_OPAQUE(idx);
	idx &= mask;
	return base[idx];
}

ES_SCAN_FN int es_is_space(__u8 c) { return c == ' ' || c == '\r' || c == '\n' || c == '\t'; }

/* Plausible separator: not a letter, digit or blank, not NUL. */
ES_SCAN_FN int es_is_sep(__u8 c)
{
	return c && !es_is_alnum(c) && !(c >= 'a' && c <= 'z') && c != ' ';
}

ES_SCAN_FN void es_seps_edifact_default(struct es_seps *s)
{
	s->component = ':';
	s->element = '+';
	s->decimal = '.';
	s->release = '?';
	s->repetition = 0;
	s->terminator = '\'';
}

/*
 * Byte i of the segment or candidate in progress: the carry first, then the
 * chunk from seg_begin. Returns -1 past the bytes seen so far.
 */
ES_SCAN_FN int es_peek(const struct es_scan_ctx *c, __u32 i)
{
	const struct es_scan_state *st = c->st;
	__u32 at;

	if (i < st->carry_len)
		return es_at(st->carry, i, ES_SEG_MAX - 1);
	at = c->seg_begin + i - st->carry_len;
	if (at >= c->len)
		return -1;
	return es_at(c->buf, at, ES_SCAN_CHUNK - 1);
}

/*
 * The first eight bytes of the segment in progress as a word, and how many
 * of them exist. One unaligned load in the common case (nothing carried).
 */
ES_SCAN_FN __u64 es_head_word(const struct es_scan_ctx *c, __u32 *avail)
{
	__u64 w = 0;
	__u32 i;

	if (c->st->carry_len == 0 && c->seg_begin + 8 <= c->len) {
		*avail = 8;
		return es_load64(c->buf + (c->seg_begin & (ES_SCAN_CHUNK - 1)));
	}
	for (i = 0; i < 8; i++) {
		int b = es_peek(c, i);

		if (b < 0)
			break;
		w |= (__u64)(__u8)b << (i * 8);
	}
	*avail = i;
	return w;
}

ES_SCAN_FN __u8 es_byte(__u64 w, __u32 i)
{
	return (__u8)(w >> ((i & 7) * 8));
}

/*
 * Tag of a segment in an interchange whose separators are known: one
 * upper-case letter, then one to three letters or digits, then the element
 * separator or the terminator. Sets *tag and returns ES_CL_SEG, or ES_CL_NO
 * (garbage), or ES_CL_MORE.
 */
ES_SCAN_FN int es_parse_tag(__u64 w, __u32 avail, const struct es_seps *s, __u32 *tag)
{
	__u32 i;
	__u8 b = es_byte(w, 0);

	if (avail < 1)
		return ES_CL_MORE;
	/* a terminator or release character that is a letter or digit (a
	 * garbage ISA or UNA may set one) is no tag byte: judged at that
	 * byte, so an undecided tag never carries it into the next packet,
	 * where the segment's search starts after the carry */
	if (!es_is_upper(b) || b == s->terminator || (s->release && b == s->release))
		return ES_CL_NO;
	for (i = 1; i < 5; i++) {
		if (i >= avail)
			return ES_CL_MORE;
		b = es_byte(w, i);
		if (i >= 2 && (b == s->element || b == s->terminator)) {
			*tag = (__u32)(w & ((1ULL << (i * 8)) - 1));
			return ES_CL_SEG;
		}
		if (!es_is_alnum(b) || b == s->terminator || (s->release && b == s->release))
			return ES_CL_NO;
	}
	return ES_CL_NO;
}

/*
 * 0x80 in every byte of x that is in [lo, hi] (ASCII: a byte with its top
 * bit set is in no range). Per byte, t + (0x80 - lo) cannot carry into the
 * next byte since t <= 0x7f.
 */
ES_SCAN_FN __u64 es_range_bytes(__u64 x, __u8 lo, __u8 hi)
{
	__u64 t = x & ES_LOW7;
	__u64 ge_lo = t + (__u64)(0x80 - lo) * ES_ONES;
	__u64 gt_hi = t + (__u64)(0x7f - hi) * ES_ONES;

	return ge_lo & ~gt_hi & ~x & (ES_ONES << 7);
}

/*
 * The fast path's tag from eight bytes at hand, without a loop: the word
 * of the two or three bytes before an element separator or terminator at
 * byte 2 or 3; 0 for anything else (a longer tag, no such end, a NUL
 * third byte, a byte from 0x80), whose class is ES_TAGT_BREAK. With
 * separators that are no letters or digits (the fast path's condition),
 * es_tagt_class() of it is ES_TAGT_BREAK unless es_parse_tag() gives the
 * same tag: test_scanner's test_run_tag_equals_parse.
 */
ES_SCAN_FN __u32 es_run_tag(__u64 w, __u32 elem, __u32 term)
{
	__u32 b = (__u32)(w >> 16) & 0xff, t;

	if (b == elem || b == term) {
		t = (__u32)w & 0xffff;
	} else {
		b = (__u32)(w >> 24) & 0xff;
		if (b != elem && b != term)
			return 0;
		t = (__u32)w & 0xffffff;
		if (t <= 0xffff)
			return 0;
	}
	return t & 0x808080 ? 0 : t;
}

#ifndef __bpf__
/* The host build's fast-path decision: computed, not from a table. */
ES_SCAN_FN __u32 es_scan_tag_class(void *env, __u32 tag)
{
	__u32 k = es_tagt_class(tag, 0);

	return k == ES_TAGT_SKIP && es_scan_want(env, tag) ? ES_TAGT_FWD : k;
}
#endif

/* UNA: the six service characters follow the tag directly. */
ES_SCAN_FN int es_check_una(struct es_scan_ctx *c)
{
	int b[6];
	__u32 i;

	for (i = 0; i < 6; i++) {
		b[i] = es_peek(c, 3 + i);
		if (b[i] < 0)
			return ES_CL_MORE;
	}
	/* component, element and terminator must be distinct separators */
	if (!es_is_sep(b[0]) || !es_is_sep(b[1]) || !es_is_sep(b[5]) ||
	    b[0] == b[1] || b[0] == b[5] || b[1] == b[5])
		return ES_CL_NO;
	return ES_CL_UNA;
}

/* ISA + element separator + two digits (ISA01) + element separator. */
ES_SCAN_FN int es_check_isa(struct es_scan_ctx *c)
{
	int e = es_peek(c, 3), d1 = es_peek(c, 4), d2 = es_peek(c, 5), e2 = es_peek(c, 6);

	if (e < 0 || d1 < 0 || d2 < 0 || e2 < 0)
		return (e >= 0 && !es_is_sep(e)) ? ES_CL_NO : ES_CL_MORE;
	if (!es_is_sep(e) || !es_is_digit(d1) || !es_is_digit(d2) || e2 != e)
		return ES_CL_NO;
	return ES_CL_ISA;
}

/*
 * EDIFACT element separator after UNB/UNH seen in seek mode: the one in
 * force (after a gap inside an interchange) or the default '+'.
 */
ES_SCAN_FN int es_edifact_elem_ok(struct es_scan_ctx *c, int e)
{
	struct es_scan_state *st = c->st;

	if (st->seps_known && st->syntax == ES_SYNTAX_EDIFACT && e == st->seps.element)
		return 1;
	if (e == '+') {
		es_seps_edifact_default(&st->seps);
		return 1;
	}
	return 0;
}

/*
 * UNB+ then a four-letter syntax identifier (UNOA, IATB) and a separator.
 * Each byte is judged as soon as it is there: an answer that waits for
 * bytes it does not need would carry a terminator among them into the next
 * packet, where the segment's terminator search starts after the carry and
 * misses it (found by fuzz_scan: "UNB+'" cut after a few bytes).
 */
ES_SCAN_FN int es_check_unb(struct es_scan_ctx *c)
{
	int b[6];
	__u32 i;

	for (i = 0; i < 6; i++) {
		b[i] = es_peek(c, 3 + i);
		if (b[i] < 0)
			return ES_CL_MORE;
		/* only a UNA changes the separators of the UNB right after it:
		 * any other UNB starts an interchange with the defaults,
		 * whatever a previous (truncated) interchange used */
		if (i == 0 && b[0] != '+')
			return ES_CL_NO;
		if (i >= 1 && i < 5 && !es_is_alnum(b[i]))
			return ES_CL_NO;
	}
	if (!es_is_sep(b[5]) || b[5] == b[0])
		return ES_CL_NO;
	es_seps_edifact_default(&c->st->seps);
	c->st->seps.component = b[5];
	return ES_CL_SEG;
}

/* es_unh_parse() results besides the separators it found. */
#define ES_UNH_UNKNOWN 0            /* well formed so far; S009 shows no terminator */
#define ES_UNH_MORE    0x10000
#define ES_UNH_BAD     0x20000
#define ES_UNH_STOP    0x40000      /* it met the stop byte (see es_unh_parse()) */
#define ES_UNH_NOSTOP  0x100        /* stop: none */

/*
 * Byte i of a candidate held in st->carry, then b->b from seg_begin on (as
 * es_peek(), for the global functions that get the pointers as arguments).
 * Returns -1 past the bytes seen so far.
 */
ES_SCAN_FN int es_peek_at(const struct es_scan_state *st, const struct es_chunk *b,
			  __u32 seg_begin, __u32 len, __u32 i)
{
	__u32 at;

	if (i < st->carry_len)
		return es_at(st->carry, i, ES_SEG_MAX - 1);
	at = seg_begin + i - st->carry_len;
	if (at >= len)
		return -1;
	return es_at(b->b, at, ES_SCAN_CHUNK - 1);
}

/*
 * UNH e ref e TYPE c version c release c agency [c association] t: the
 * message identifier S009 is letters and digits between component
 * separators, so the first other byte after it is the terminator (unless it
 * is the element separator: more elements follow). Returns component |
 * terminator << 8, or one of ES_UNH_*. The candidate is read as es_peek()
 * does. es: the element separator e | the stop byte << 8: the terminator
 * the UNH's segment ends at unless S009 shows its own (ES_UNH_NOSTOP: none).
 * Where the check would take the stop byte as part of the header and read
 * on, it answers ES_UNH_STOP instead: an answer that waits for more bytes
 * past it would carry that terminator into the next packet, where the
 * segment's terminator search starts after the carry and misses it (as
 * es_check_unb()).
 */
ES_GLOBAL int es_unh_parse(const struct es_scan_state *st, const struct es_chunk *b,
			   __u32 seg_begin, __u32 len, __u32 es)
{
	__u32 i, k, e = es & 0xff, stop = es >> 8;
	int v = 0, comp;

	if (!st || !b || len > ES_SCAN_CHUNK)
		return ES_UNH_UNKNOWN;
	for (i = 4; i < 4 + 15; i++) {   /* 0062 message reference: an..14 */
		v = es_peek_at(st, b, seg_begin, len, i);
		if (v < 0)
			return ES_UNH_MORE;
		if ((__u32)v == e)
			break;
		if (!es_is_alnum(v) && !(v >= 'a' && v <= 'z'))
			return ES_UNH_BAD;
		if ((__u32)v == stop)
			return ES_UNH_STOP;
	}
	if (i == 4 || i == 4 + 15)
		return ES_UNH_BAD;
	for (k = 0, i++; k < 6; k++, i++) {   /* 0065 message type: a6 */
		v = es_peek_at(st, b, seg_begin, len, i);
		if (v < 0)
			return ES_UNH_MORE;
		if (!es_is_upper(v))
			return ES_UNH_BAD;
		if ((__u32)v == stop)
			return ES_UNH_STOP;
	}
	comp = es_peek_at(st, b, seg_begin, len, i);
	if (comp < 0)
		return ES_UNH_MORE;
	if (!es_is_sep(comp) || (__u32)comp == e)
		return ES_UNH_BAD;
	if ((__u32)comp == stop)
		return ES_UNH_STOP;
	for (i++; i < ES_UNH_PEEK; i++) {
		v = es_peek_at(st, b, seg_begin, len, i);
		if (v < 0)
			return ES_UNH_MORE;
		if (!es_is_alnum(v) && v != comp)
			break;
		if ((__u32)v == stop)
			return ES_UNH_STOP;
	}
	if (i >= ES_UNH_PEEK || (__u32)v == e || !es_is_sep(v) || es_is_space(v))
		return ES_UNH_UNKNOWN;
	return comp | v << 8;
}

/*
 * The terminator a UNH found by the seek ends at when its S009 shows none
 * (es_edifact_elem_ok()): the one in force for the element separator in
 * force, the default for '+', else none.
 */
ES_SCAN_FN __u32 es_unh_seek_stop(const struct es_scan_state *st, int e)
{
	if (st->seps_known && st->syntax == ES_SYNTAX_EDIFACT && e == st->seps.element)
		return st->seps.terminator;
	return e == '+' ? '\'' : ES_UNH_NOSTOP;
}

/*
 * UNH e then a reference character. The separators in force may be another
 * interchange's (after a gap, or a bare message after a truncated
 * interchange): those of this message are read off its S009 when it shows
 * them. When it does not, seek mode takes the separators in force or the
 * defaults; segment mode (in_seek 0) answers ES_CL_NO, and the caller goes
 * on with the separators in force. Each byte is judged as soon as it is
 * there: the terminator the answer would use (segment mode: the one in
 * force) is never read past while the answer waits (es_unh_parse()).
 */
ES_SCAN_FN int es_check_unh(struct es_scan_ctx *c, int in_seek)
{
	struct es_scan_state *st = c->st;
	int e = es_peek(c, 3), r, v;
	__u32 stop;

	if (e < 0)
		return ES_CL_MORE;
	if (!es_is_sep(e))
		return ES_CL_NO;
	if (!in_seek && (__u32)e == st->seps.terminator)
		return ES_CL_NO;
	r = es_peek(c, 4);
	if (r < 0)
		return ES_CL_MORE;
	if (!es_is_alnum(r) && !(r >= 'a' && r <= 'z'))
		return ES_CL_NO;
	stop = in_seek ? es_unh_seek_stop(st, e) : st->seps.terminator;
	v = es_unh_parse(st, (const struct es_chunk *)c->buf, c->seg_begin, c->len,
			 (__u32)e | stop << 8);
	if (v & ES_UNH_MORE)
		return ES_CL_MORE;
	if (v & ES_UNH_BAD)
		return ES_CL_NO;
	if (v == ES_UNH_UNKNOWN || (v & ES_UNH_STOP))
		return in_seek && es_edifact_elem_ok(c, e) ? ES_CL_SEG : ES_CL_NO;
	/* other separators than those in force: another interchange, whose
	 * release character (not shown by S009) is the default, not the
	 * last interchange's */
	if (!st->seps_known || st->syntax != ES_SYNTAX_EDIFACT || st->seps.element != (__u8)e ||
	    st->seps.component != (__u8)(v & 0xff) || st->seps.terminator != (__u8)(v >> 8))
		es_seps_edifact_default(&st->seps);
	st->seps.element = (__u8)e;
	st->seps.component = (__u8)(v & 0xff);
	st->seps.terminator = (__u8)(v >> 8);
	if (st->seps.release == st->seps.element || st->seps.release == st->seps.component ||
	    st->seps.release == st->seps.terminator)
		st->seps.release = '?';
	return ES_CL_SEG;
}

/*
 * A transaction set header without an interchange envelope (or after a gap
 * before any ISA was seen): ST e ddd e control-number terminator. The
 * terminator is the first byte after the control number that is neither a
 * letter nor a digit nor the element separator. Returns ES_ST_MORE
 * (undecided), 0 (no such ST) or ES_ST_TERM | terminator.
 */
#define ES_ST_MORE (-1)
#define ES_ST_TERM 0x100
ES_SCAN_FN int es_bare_st_term(struct es_scan_ctx *c)
{
	int e = es_peek(c, 2), t = -1;
	__u32 i, n = 0;

	if (e < 0)
		return ES_ST_MORE;
	if (!es_is_sep(e))
		return 0;
	for (i = 3; i < 7; i++) {
		int b = es_peek(c, i);

		if (b < 0)
			return ES_ST_MORE;
		if (i < 6 ? !es_is_digit(b) : b != e)
			return 0;
	}
	for (i = 7; i < ES_PEEK; i++) {
		int b = es_peek(c, i);

		if (b < 0)
			return ES_ST_MORE;
		if (es_is_alnum(b) || (b >= 'a' && b <= 'z')) {
			n++;
			continue;
		}
		t = b;
		break;
	}
	if (t < 0 || n < 1 || n > 9 || t == e || t == ' ')
		return 0;
	return ES_ST_TERM | t;
}

/* Separators shown by a bare ST: element and terminator, nothing else. */
ES_SCAN_FN void es_bare_st_seps(struct es_scan_state *st, int e, int term)
{
	st->seps.element = (__u8)e;
	st->seps.terminator = (__u8)term;
	st->seps.component = 0;
	st->seps.decimal = 0;
	st->seps.release = 0;
	st->seps.repetition = 0;
}

/*
 * Seek mode: is the candidate at the start of the segment in progress an
 * interchange, group or message start? Sets syntax/separators/tag on success.
 */
/*
 * UNB / UNH (tag3) as the start of an EDIFACT interchange or message: its
 * check, then the syntax and tag when it is one. in_seek as for
 * es_check_unh().
 */
ES_SCAN_FN int es_edifact_header(struct es_scan_ctx *c, __u32 tag3, int in_seek)
{
	struct es_scan_state *st = c->st;
	int r = tag3 == ES_TAG3('U', 'N', 'B') ? es_check_unb(c) : es_check_unh(c, in_seek);

	if (r == ES_CL_SEG) {
		st->syntax = ES_SYNTAX_EDIFACT;
		st->seps_known = 1;
		st->tag = tag3;
	}
	return r;
}

/*
 * Base64 bodies (AS2 / MIME, Content-Transfer-Encoding: base64). An
 * interchange that starts a body starts a base64 quantum, so its first
 * three bytes are four characters: "VU5B" (UNA), "VU5C" (UNB), "SVNB"
 * (ISA), "VU5I" (UNH: a message without envelope). The seek takes the pairs VU and SV as candidates when the byte
 * before is LF (a body starts after CRLF CRLF, a MIME part's after its
 * blank line) or ends "77u/" (a UTF-8 BOM, one quantum of its own, before
 * it), or is not at hand (the candidate starts the chunk); the first
 * twelve characters must then decode to a header the plaintext seek would
 * take (es_b64_header_ok()). The body is then forwarded raw as ES_EV_B64
 * items up to its first byte outside the alphabet and CR/LF (a MIME
 * boundary's '-', the next request) or ES_B64_DEPTH bytes; userspace
 * decodes and scans it with this scanner (userspace/b64_body.c).
 */
#define ES_B64_PEEK 12              /* characters decoded by the check: 9 bytes */
/*
 * es_scan_emit_b64()'s span: where the bytes are and what the item is, in
 * one word (BPF: a global function takes five arguments, and a descriptor
 * on the step's stack pushed the call chain past the 512-byte limit).
 */
#define ES_B64_SPAN(begin, n, cn, aux) \
	((__u32)(begin) | (__u32)(n) << 12 | (__u32)(cn) << 22 | (__u32)(aux) << 28)
#define ES_B64_SPAN_BEGIN(s) ((s) & 0xfff)
#define ES_B64_SPAN_N(s)     (((s) >> 12) & 0x3ff)
#define ES_B64_SPAN_CN(s)    (((s) >> 22) & 0x3f)
#define ES_B64_SPAN_AUX(s)   ((s) >> 28)
_Static_assert(ES_SCAN_CHUNK <= 4096 && ES_SEG_MAX < 1024 && ES_PEEK < 64,
	       "ES_B64_SPAN fields");

/* Is the pair (a, b) the start of "VU5B"/"VU5C" or "SVNB"? */
ES_SCAN_FN int es_b64_pair(__u8 a, __u8 b)
{
	return (a == 'V' && b == 'U') || (a == 'S' && b == 'V');
}

/*
 * Context of a base64 candidate at p: the byte before is LF, or the four
 * before are "77u/" (a BOM's quantum; decoding starts after it), or they
 * are not in this chunk (unknown: taken, the decoded header decides).
 */
ES_SCAN_FN int es_b64_context(const __u8 *b, __u32 p)
{
	__u8 prev;

	if (p == 0)
		return 1;
	prev = es_at(b, p - 1, ES_SCAN_CHUNK - 1);
	if (prev == '\n')
		return 1;
	if (prev != '/')
		return 0;
	if (p < 4)
		return 1;
	return es_at(b, p - 2, ES_SCAN_CHUNK - 1) == 'u' &&
	       es_at(b, p - 3, ES_SCAN_CHUNK - 1) == '7' &&
	       es_at(b, p - 4, ES_SCAN_CHUNK - 1) == '7';
}

/* Value of a base64 character, -1 for any other byte (or -1: none at hand). */
ES_SCAN_FN int es_b64_val(int b)
{
	if (b >= 'A' && b <= 'Z')
		return b - 'A';
	if (b >= 'a' && b <= 'z')
		return b - 'a' + 26;
	if (b >= '0' && b <= '9')
		return b - '0' + 52;
	if (b == '+')
		return 62;
	if (b == '/')
		return 63;
	return -1;
}

/* The nine decoded bytes (d, little-endian, byte 8 in d8) as a header the
 * plaintext seek would take: UNA with distinct separators, UNB+ with a
 * four-letter syntax identifier, ISA with ISA01's two digits, UNH with a
 * separator and a reference. */
ES_SCAN_FN int es_b64_header_ok(__u64 d, __u8 d8)
{
	__u32 tag3 = (__u32)(d & 0xffffff);
	__u8 e = es_byte(d, 3), e4 = es_byte(d, 4);

	if (tag3 == ES_TAG3('U', 'N', 'A'))
		return es_is_sep(e) && es_is_sep(e4) && es_is_sep(d8) && e != e4 && e != d8 &&
		       e4 != d8;
	if (tag3 == ES_TAG3('U', 'N', 'B'))
		return es_is_sep(e) && es_is_upper(e4) && es_is_upper(es_byte(d, 5)) &&
		       es_is_upper(es_byte(d, 6)) && es_is_alnum(es_byte(d, 7)) && es_is_sep(d8);
	if (tag3 == ES_TAG3('I', 'S', 'A'))
		return es_is_sep(e) && es_is_digit(e4) && es_is_digit(es_byte(d, 5)) &&
		       es_byte(d, 6) == e;
	/* a message without envelope ("VU5I"): UNH, a separator, a message
	 * reference (the decoded scanner reads its S009) */
	if (tag3 == ES_TAG3('U', 'N', 'H'))
		return es_is_sep(e) && es_is_alnum(e4) && es_is_alnum(es_byte(d, 5));
	return 0;
}

/*
 * Seek: the candidate (VU or SV) with its first twelve characters decoded,
 * ES_CL_B64 when they are a header; ES_CL_MORE while fewer are at hand and
 * those are base64.
 */
ES_SCAN_FN int es_check_b64(struct es_scan_ctx *c)
{
	__u64 d = 0;
	__u32 acc = 0, i;
	__u8 d8 = 0;

	/* a character at a time: few live values (the chain's frames are
	 * small) and, the accumulator being imprecise to the verifier, its
	 * paths merge at each iteration */
	for (i = 0; i < ES_B64_PEEK; i++) {
		int b = es_peek(c, i), v = es_b64_val(b);

		if (v < 0)
			return b < 0 ? ES_CL_MORE : ES_CL_NO;
		acc = acc << 6 | (__u32)v;
		if ((i & 3) == 3) {
			/* a quantum's three bytes, first one highest in acc */
			__u32 q = (acc >> 16 & 0xff) | (acc & 0xff00) | (acc & 0xff) << 16;

			d |= (__u64)q << ((i >> 2) * 24);
			if (i == ES_B64_PEEK - 1)
				d8 = (__u8)acc;   /* byte 8: past the word */
			acc = 0;
		}
	}
	return es_b64_header_ok(d, d8) ? ES_CL_B64 : ES_CL_NO;
}

/*
 * es_check_b64() as a global function of its own, called by the seek step
 * for VU/SV candidates only: inside es_classify_g() its constants and
 * words made that frame 48 bytes deeper, past the 512-byte call chain.
 * Gets what es_peek() reads: the chunk, the state and the candidate's
 * place (cin).
 */
ES_GLOBAL int es_check_b64_g(const struct es_scan_ctx *cin, struct es_scan_state *st,
			     const struct es_chunk *b)
{
	struct es_scan_ctx c;

	if (!cin || !st || !b)
		return ES_CL_NO;
	c.st = st;
	c.buf = b->b;
	c.seg_begin = cin->seg_begin;
	c.len = cin->len;
	/* verifier: the chunk length arrives unknown */
	if (c.len > ES_SCAN_CHUNK || c.seg_begin >= c.len)
		return ES_CL_NO;
	/* the bytes before a candidate that starts in this chunk are here */
	if (!st->carry_len && !es_b64_context(c.buf, c.seg_begin))
		return ES_CL_NO;
	return es_check_b64(&c);
}

/* Does the candidate in progress begin with VU or SV (a base64 header)? */
ES_SCAN_FN int es_b64_candidate(const struct es_scan_ctx *c)
{
	int a = es_peek(c, 0), b = es_peek(c, 1);

	return a >= 0 && b >= 0 && es_b64_pair((__u8)a, (__u8)b);
}

ES_SCAN_FN int es_classify_start(struct es_scan_ctx *c)
{
	struct es_scan_state *st = c->st;
	__u32 avail, tag3, tag2;
	__u64 w = es_head_word(c, &avail);
	int t, known;

	if (avail < 3)
		return ES_CL_MORE;
	tag3 = (__u32)(w & 0xffffff);
	tag2 = tag3 & 0xffff;
	if (tag3 == ES_TAG3('U', 'N', 'A'))
		return es_check_una(c);
	if (tag3 == ES_TAG3('I', 'S', 'A'))
		return es_check_isa(c);
	if (tag3 == ES_TAG3('U', 'N', 'B') || tag3 == ES_TAG3('U', 'N', 'H'))
		return es_edifact_header(c, tag3, 1);
	if (tag2 != ES_TAG2('G', 'S') && tag2 != ES_TAG2('S', 'T'))
		return ES_CL_NO;
	/* resync inside a known X12 interchange: the separators in force */
	known = st->seps_known && st->syntax == ES_SYNTAX_X12 && es_byte(w, 2) == st->seps.element;
	if (known && tag2 == ES_TAG2('G', 'S')) {
		st->tag = tag2;
		return ES_CL_SEG;
	}
	if (tag2 != ES_TAG2('S', 'T'))
		return ES_CL_NO;
	t = es_bare_st_term(c);
	if (t == ES_ST_MORE)
		return ES_CL_MORE;
	if (!t && !known)
		return ES_CL_NO;
	/*
	 * An ST shows its own terminator, which wins over the one in force:
	 * the gap may have taken the ISA of an interchange with another one.
	 * The same terminator keeps the other separators; an ST it cannot
	 * judge (ST03 after the control number) keeps them all.
	 */
	if (t && (!known || (__u8)t != st->seps.terminator))
		es_bare_st_seps(st, es_byte(w, 2), t & 0xff);
	st->syntax = ES_SYNTAX_X12;
	st->seps_known = 1;
	st->tag = tag2;
	return ES_CL_SEG;
}

/*
 * Segment start inside an interchange: UNA and ISA restart the separators,
 * anything else must look like a tag.
 */
ES_SCAN_FN int es_classify_segment(struct es_scan_ctx *c)
{
	struct es_scan_state *st = c->st;
	__u32 avail, tag = 0;
	__u64 w = es_head_word(c, &avail);
	int r;

	if (avail >= 3) {
		__u32 tag3 = (__u32)(w & 0xffffff);

		if (tag3 == ES_TAG3('U', 'N', 'A'))
			return es_check_una(c);
		if (tag3 == ES_TAG3('I', 'S', 'A'))
			return es_check_isa(c);
		/* a UNB not right after a UNA starts a new interchange (the
		 * last one was truncated); a UNH may be a bare message after
		 * a truncated interchange, with other separators */
		if ((tag3 == ES_TAG3('U', 'N', 'B') && !st->after_una) ||
		    tag3 == ES_TAG3('U', 'N', 'H')) {
			r = es_edifact_header(c, tag3, 0);
			if (r != ES_CL_NO)
				return r;
		}
	}
	r = es_parse_tag(w, avail, &st->seps, &tag);
	if (r == ES_CL_SEG)
		st->tag = tag;
	return r;
}

/*
 * Classification as a global function (BPF: checked once, its many small
 * loops and branches do not multiply the caller's states). It gets the
 * context's scalars in cin and the pointers as arguments.
 */
ES_GLOBAL int es_classify_g(struct es_scan_ctx *cin, struct es_scan_state *st,
			    const struct es_chunk *b, int in_seek)
{
	struct es_scan_ctx c;

	if (!cin || !st || !b)
		return ES_CL_NO;
	c = *cin;
	c.st = st;
	c.buf = b->b;
	/* verifier: the chunk length arrives unknown */
	if (c.len > ES_SCAN_CHUNK)
		return ES_CL_NO;
	return in_seek ? es_classify_start(&c) : es_classify_segment(&c);
}

/*
 * Verifier: memory handed to a global function is "misc" afterwards, so the
 * context's pointers are kept in registers across the call and put back.
 */
ES_SCAN_FN int es_classify(struct es_scan_ctx *c, int in_seek)
{
	struct es_scan_state *st = c->st;
	const __u8 *buf = c->buf;
	void *env = c->env;
	int r = es_classify_g(c, st, (const struct es_chunk *)buf, in_seek);

	c->st = st;
	c->buf = buf;
	c->env = env;
	return r;
}

/* Forget the segment or candidate in progress. */
ES_SCAN_FN void es_reset_seg(struct es_scan_state *st)
{
	st->carry_len = 0;
	st->seg_len = 0;
	st->fwd = 0;
	st->from_seek = 0;
}

/*
 * Copies n bytes (dst_off + n <= ES_SEG_MAX) in whole words: up to 7 bytes
 * more are written, which the spans' 8 spare bytes absorb. The masks keep
 * the verifier's view of every offset inside the buffers.
 */
ES_GLOBAL int es_copy_from_chunk(struct es_span *dst, __u32 dst_off, const struct es_chunk *src,
				 __u32 src_off, __u32 n)
{
	__u32 k;

	if (!dst || !src)
		return 0;
	for (k = 0; k < ES_SEG_MAX / 8; k++) {
		__u32 d = (dst_off + k * 8) & (ES_SEG_MAX - 1);
		__u32 s = (src_off + k * 8) & (ES_SCAN_CHUNK - 1);

		if (k * 8 >= n)
			break;
#ifdef __bpf__
		*(__u64 *)(dst->b + d) = *(const __u64 *)(src->b + s);
#else
		memcpy(dst->b + d, src->b + s, 8);
#endif
	}
	return 0;
}

ES_GLOBAL int es_copy_from_span(struct es_span *dst, __u32 dst_off, const struct es_span *src,
				__u32 n)
{
	__u32 k;

	if (!dst || !src)
		return 0;
	for (k = 0; k < ES_SEG_MAX / 8; k++) {
		__u32 d = (dst_off + k * 8) & (ES_SEG_MAX - 1);

		if (k * 8 >= n)
			break;
#ifdef __bpf__
		*(__u64 *)(dst->b + d) = *(const __u64 *)(src->b + k * 8);
#else
		memcpy(dst->b + d, src->b + k * 8, 8);
#endif
	}
	return 0;
}

/* Keep the chunk's part of the segment in progress (from seg_begin) for later. */
ES_SCAN_FN void es_carry_rest(struct es_scan_ctx *c, int keep)
{
	struct es_scan_state *st = c->st;
	__u32 n = c->len - c->seg_begin, room;

	if (c->seg_begin >= c->len)
		return;
	if (st->carry_len == 0 && st->seg_len == 0)
		st->seg_start = c->base_off + c->seg_begin;
	st->seg_len += n;
	if (!keep || st->carry_len >= ES_SEG_MAX)
		return;
	room = ES_SEG_MAX - st->carry_len;
	if (n > room)
		n = room;
	es_copy_from_chunk((struct es_span *)st->carry, st->carry_len,
			   (const struct es_chunk *)c->buf, c->seg_begin, n);
	st->carry_len += n;
}

/*
 * Hand the segment ending at buf[end] (the terminator) to the includer if it
 * is forwarded, and count it.
 */
ES_SCAN_FN void es_finish_segment(struct es_scan_ctx *c, __u32 end)
{
	struct es_scan_state *st = c->st;
	struct es_seg_desc d;
	__u32 n = end + 1 - c->seg_begin;

	if (c->seg_begin > end)
		n = 0; /* segment ended with the carry (UNA/ISA collected bytewise) */
	if (st->carry_len == 0 && st->seg_len == 0)
		st->seg_start = c->base_off + c->seg_begin;
	if (!st->fwd) {
		c->n_skip++;
		if (st->skipped < 0xFFFF)
			st->skipped++;
		return;
	}
	d.stream_off = st->seg_start;
	d.seg_len = st->seg_len + n;
	d.buf_begin = c->seg_begin;
	d.carry_n = st->carry_len;
	d.buf_n = n;
	if (d.carry_n + n > ES_SEG_MAX)
		d.buf_n = ES_SEG_MAX - d.carry_n;
	d.flags = st->flags;
	d.skipped = st->skipped;
	st->skipped = 0;
	if (d.seg_len > ES_SEG_MAX) {
		d.flags |= ES_SEGF_TRUNCATED;
		c->n_trunc++;
	}
	st->flags &= ~(ES_SEGF_AFTER_GAP | ES_SEGF_ISA_NONFIXED);
	c->n_seg++;
	es_scan_emit(c->env, st, c->buf, &d);
}

/* After a segment: next segment, or seek after the interchange trailer. */
ES_SCAN_FN void es_after_segment(struct es_scan_ctx *c, __u32 next)
{
	struct es_scan_state *st = c->st;

	if (st->tag == ES_TAG3('U', 'N', 'Z')) {
		st->mode = ES_MODE_SEEK;
		st->seps_known = 0;   /* a following UNB without UNA uses the defaults */
	} else if (st->tag == ES_TAG3('I', 'E', 'A')) {
		st->mode = ES_MODE_SEEK; /* X12 separators stay known for GS/ST resync */
	} else {
		st->mode = ES_MODE_SEGSTART;
	}
	st->after_una = st->tag == ES_TAG3('U', 'N', 'A');
	es_reset_seg(st);
	st->tag = 0;
	c->pos = next;
	c->seg_begin = next;
}

/* Forwarding decision for a classified segment. */
ES_SCAN_FN void es_decide(struct es_scan_ctx *c)
{
	struct es_scan_state *st = c->st;

	st->fwd = es_is_service_tag(st->tag) || es_scan_want(c->env, st->tag);
}

/* Moves carry[1..ES_PEEK) one byte down (a seek candidate's bytes). */
ES_GLOBAL int es_carry_shift(struct es_scan_state *st)
{
	__u32 i;

	if (!st)
		return 0;
	for (i = 0; i + 1 < ES_PEEK; i++) {
		__u8 b;

		if (i + 1 >= st->carry_len)
			break;
		b = es_at(st->carry, i + 1, ES_SEG_MAX - 1);
		ES_OPAQUE(b);
		st->carry[i & (ES_SEG_MAX - 1)] = b;
	}
	return 0;
}

/* Go back to seek mode at the byte after the candidate/segment start. */
ES_SCAN_FN void es_resync_after(struct es_scan_ctx *c)
{
	struct es_scan_state *st = c->st;

	st->mode = ES_MODE_SEEK;
	if (st->carry_len) {
		/* drop the first carried byte; the rest are candidates again */
		es_carry_shift(st);
		st->carry_len--;
		st->seg_len = st->carry_len;
		st->seg_start++;
		c->pos = c->seg_begin;
		return;
	}
	es_reset_seg(st);
	c->pos = c->seg_begin + 1;
	c->seg_begin = c->pos;
}

/* UNA complete (9 bytes): new separators, forward it, next segment. */
ES_SCAN_FN void es_take_una(struct es_scan_ctx *c)
{
	struct es_scan_state *st = c->st;
	__u32 from_buf = 9 > st->carry_len ? 9 - st->carry_len : 0;
	int rep = es_peek(c, 7), rel = es_peek(c, 6);

	st->seps.component = (__u8)es_peek(c, 3);
	st->seps.element = (__u8)es_peek(c, 4);
	st->seps.decimal = (__u8)es_peek(c, 5);
	/* a space in the release/repetition position means "none" (reserved) */
	st->seps.release = rel == ' ' ? 0 : (__u8)rel;
	st->seps.repetition = rep == ' ' ? 0 : (__u8)rep;
	st->seps.terminator = (__u8)es_peek(c, 8);
	st->syntax = ES_SYNTAX_EDIFACT;
	st->seps_known = 1;
	st->tag = ES_TAG3('U', 'N', 'A');
	st->fwd = 1;
	if (st->carry_len > 9) {
		/* cannot happen: a UNA check needs at most 9 carried bytes */
		st->carry_len = 9;
		st->seg_len = 9;
	}
	c->n_inter++;
	es_finish_segment(c, c->seg_begin + from_buf - 1);
	es_after_segment(c, c->seg_begin + from_buf);
}

/*
 * One ISA byte at index idx of the ISA: count element separators, note the
 * first byte of ISA11 and the digits of ISA12. Returns 1 after ISA16's
 * component separator (the next byte is the terminator), -1 when the bytes
 * cannot be an ISA.
 */
ES_SCAN_FN int es_isa_byte(struct es_scan_state *st, __u8 b, __u32 idx)
{
	if (idx < 4)
		return 0;
	if (st->isa_elems == 16) {
		st->seps.component = b;
		st->isa_elems = 17;
		return 1;
	}
	if (b == '\r' || b == '\n')
		return -1;
	if (b == st->seps.element) {
		st->isa_elems++;
		return 0;
	}
	if (st->isa_elems == 11 && st->isa_rep == 0)
		st->isa_rep = b;
	if (st->isa_elems == 12 && es_is_digit(b) && st->isa_ver < 10000)
		st->isa_ver = st->isa_ver * 10 + (b - '0');
	return 0;
}

/*
 * ISA bytes carried from an earlier chunk: count them now (fewer than 16
 * separators fit in ES_PEEK bytes, so none of them closes the ISA).
 */
ES_GLOBAL int es_isa_recount(struct es_scan_state *st)
{
	__u32 i;

	if (!st)
		return 0;
	for (i = 4; i < ES_PEEK; i++) {
		if (i >= st->carry_len)
			break;
		es_isa_byte(st, es_at(st->carry, i, ES_SEG_MAX - 1), i);
	}
	return 0;
}

/* Start of an X12 ISA: collect it byte by byte into the carry. */
ES_SCAN_FN void es_begin_isa(struct es_scan_ctx *c)
{
	struct es_scan_state *st = c->st;

	if (st->carry_len == 0 && st->seg_len == 0)
		st->seg_start = c->base_off + c->seg_begin;
	st->mode = ES_MODE_ISA;
	st->tag = ES_TAG3('I', 'S', 'A');
	st->fwd = 1;
	st->isa_elems = 1;      /* byte 3, the element separator */
	st->isa_rep = 0;
	st->isa_ver = 0;
	st->seps.element = (__u8)es_peek(c, 3);
	es_isa_recount(st);
	c->pos = c->seg_begin;
	c->n_inter++;
}

/* ISA16 (component separator) then the terminator close the ISA. */
ES_SCAN_FN void es_isa_done(struct es_scan_ctx *c, __u8 term)
{
	struct es_scan_state *st = c->st;
	__u32 end = c->pos;

	st->seps.terminator = term;
	st->seps.decimal = 0;
	st->seps.release = 0;
	st->seps.repetition = st->isa_ver >= 402 ? st->isa_rep : 0;
	st->syntax = ES_SYNTAX_X12;
	st->seps_known = 1;
	/* well formed: the 16th element separator at byte 103, terminator at 105 */
	if (st->carry_len != 106)
		st->flags |= ES_SEGF_ISA_NONFIXED;
	c->seg_begin = end + 1; /* every byte is in the carry already */
	es_finish_segment(c, end);
	es_after_segment(c, end + 1);
}

/*
 * Collects ISA bytes from buf[pos..len) into the carry. Returns the index of
 * the terminator when the ISA is complete, ES_ISA_MORE when the chunk ran
 * out, or ES_ISA_BAD | index of the byte that shows it is no ISA.
 */
#define ES_ISA_MORE 0x10000
#define ES_ISA_BAD  0x20000
ES_GLOBAL int es_isa_collect(struct es_scan_state *st, const struct es_chunk *b, __u32 pos,
			     __u32 len)
{
	if (!st || !b)
		return ES_ISA_MORE;
	/* Verifier: an ES_CAN_LOOP loop whose state at the loop head is the
	 * same every pass (pos bounded by the chunk, the rest in st); the
	 * carry's cap ends it (idx grows by one a pass: at most ES_SEG_MAX) */
	for (;;) {
		__u32 idx = st->carry_len;
		__u8 v;

		if (!ES_CAN_LOOP)
			return ES_ISA_BAD | pos;   /* never: as a cap overrun */

		if (pos >= len || pos >= ES_SCAN_CHUNK)
			return ES_ISA_MORE;
		v = es_at(b->b, pos, ES_SCAN_CHUNK - 1);
		if (idx >= ES_SEG_MAX - 1)
			return ES_ISA_BAD | pos;   /* no ISA16 within the cap */
		st->carry[idx & (ES_SEG_MAX - 1)] = v;
		st->carry_len = idx + 1;
		st->seg_len = idx + 1;
		if (st->isa_elems == 17)
			return pos;
		if (es_isa_byte(st, v, idx) < 0)
			return ES_ISA_BAD | pos;
		pos++;
	}
}

ES_SCAN_FN int es_step_isa(struct es_scan_ctx *c)
{
	struct es_scan_state *st = c->st;
	int r = es_isa_collect(st, (const struct es_chunk *)c->buf, c->pos, c->len);

	if (r & ES_ISA_MORE) {
		c->pos = c->len;
		c->seg_begin = c->len;
		return 1;
	}
	if (r & ES_ISA_BAD) {
		c->n_garbage++;
		st->mode = ES_MODE_SEEK;
		st->seps_known = 0;
		es_reset_seg(st);
		c->pos = r & 0xffff;
		c->seg_begin = c->pos;
		return 0;
	}
	c->pos = r & 0xffff;
	es_isa_done(c, st->carry[(st->carry_len - 1) & (ES_SEG_MAX - 1)]);
	return 0;
}

/* A classified segment: scan on for its terminator. */
ES_SCAN_FN void es_begin_seg(struct es_scan_ctx *c)
{
	struct es_scan_state *st = c->st;

	if (st->carry_len == 0 && st->seg_len == 0)
		st->seg_start = c->base_off + c->seg_begin;
	st->mode = ES_MODE_SEG;
	es_decide(c);
	/* the tag bytes hold no terminator or release: start after the carry */
	c->pos = c->seg_begin;
}

/*
 * A base64 body starts at the candidate: forward from there (the carried
 * bytes of a candidate that straddled a chunk first). A BOM's quantum
 * before it is not forwarded: it decodes to three bytes of its own.
 */
ES_SCAN_FN void es_begin_b64(struct es_scan_ctx *c)
{
	struct es_scan_state *st = c->st;

	if (!st->carry_len)
		st->seg_start = c->base_off + c->seg_begin;
	st->seg_len = 0;
	st->fwd = 0;
	st->from_seek = 0;
	st->tag = 0;
	st->mode = ES_MODE_B64;
	c->pos = c->seg_begin;
}

/* Act on a classification; returns 1 when the chunk is used up. */
ES_SCAN_FN int es_act(struct es_scan_ctx *c, int r, int in_seek)
{
	struct es_scan_state *st = c->st;

	switch (r) {
	case ES_CL_MORE:
		/* undecided at the chunk's end: keep the bytes, decide next time */
		es_carry_rest(c, 1);
		c->pos = c->len;
		return 1;
	case ES_CL_UNA:
		es_take_una(c);
		return 0;
	case ES_CL_ISA:
		es_begin_isa(c);
		return 0;
	case ES_CL_B64:
		es_begin_b64(c);
		return 0;
	case ES_CL_SEG:
		if (in_seek)
			c->n_inter++;
		es_begin_seg(c);
		st->from_seek = (__u8)in_seek;
		return 0;
	}
	if (!in_seek) {
		/* no segment of this interchange: the seek looks at the same
		 * bytes, which may start another one (after a truncated one) */
		c->n_garbage++;
		st->flags |= ES_SEGF_AFTER_GAP;
		st->mode = ES_MODE_SEEK;
		c->pos = c->seg_begin;
		return 0;
	}
	es_resync_after(c);
	return 0;
}

/*
 * 0x80 in the lowest byte of v that is zero (and maybe in higher ones):
 * the short test, whose borrow can flag a byte above a zero byte but never
 * one below it, so the lowest flag is exact.
 */
ES_SCAN_FN __u64 es_zero_lowest(__u64 v)
{
	return (v - ES_ONES) & ~v & (ES_ONES << 7);
}

/* Does the pair (a, b) begin a header: UN, IS, GS or ST? */
ES_SCAN_FN int es_header_pair(__u8 a, __u8 b)
{
	return (a == 'U' && b == 'N') || ((a == 'I' || a == 'G') && b == 'S') ||
	       (a == 'S' && b == 'T');
}

/*
 * Seek: the next byte in [from, len) that may start a header: the pairs
 * UN, IS, GS, ST. The word test looks for their second letters (N, S, T:
 * three compares per eight bytes), then the byte before each hit is
 * checked. A header letter in the chunk's last byte is a candidate too: its
 * successor is in the next chunk. Returns len when there is none.
 */
ES_GLOBAL __u32 es_find_candidate(const struct es_chunk *b, __u32 from, __u32 len)
{
	__u32 w;
	/* second letters from from + 1 on: the pair then starts at from */
	__u64 keep = ~0ULL << (((from + 1) & 7) * 8);
	__u8 last;

	if (!b || len == 0 || len > ES_SCAN_CHUNK || from >= len)
		return len;
	w = (from + 1) & ~7u;
	/*
	 * A word with several hits is looked at once per hit (at most nine
	 * passes a word). Verifier: an ES_CAN_LOOP loop (nested loops exceed
	 * its jump history; a counted one was walked once per pass, ~139k
	 * instructions): w stays bounded by the chunk every pass, keep is
	 * widened. Should ES_CAN_LOOP stop it (never at this size), the
	 * current word's start is handed out as a candidate and the seek
	 * resumes after it.
	 */
	for (;;) {
		__u64 x, m;
		__u32 i;
		__u8 p1, p2;

		if (w >= len)
			break;
		if (!ES_CAN_LOOP)
			return w > from ? w - 1 : from;
		x = es_load64(b->b + (w & (ES_SCAN_CHUNK - 1)));
		/* N, S, and T or V in one test (0x54 and 0x56 differ in bit 1
		 * alone): V for the base64 pairs SV and VU at one instruction
		 * a word (a test of its own cost the seek ~12%; U instead of V:
		 * commoner in text, and each hit costs a pass) */
		m = (es_zero_bytes(x ^ ('N' * ES_ONES)) | es_zero_bytes(x ^ ('S' * ES_ONES)) |
		     es_zero_bytes((x & (0xfd * ES_ONES)) ^ ('T' * ES_ONES))) & keep;
		if (!m) {
			keep = ~0ULL;
			w = (w + 8) & (2 * ES_SCAN_CHUNK - 1);   /* w < len: the mask changes nothing */
			continue;
		}
		i = w + es_first_flagged(m);
		if (i >= len)
			break;
		p1 = es_at(b->b, i - 1, ES_SCAN_CHUNK - 1);
		p2 = es_at(b->b, i, ES_SCAN_CHUNK - 1);
		/* verifier: the base64 context is judged by es_check_b64_g(),
		 * not here: in this loop it cost ~135k instructions */
		/* SV, and a V after LF or '/' (a BOM's quantum "77u/"), which
		 * may start VU5B/VU5C: handed out at the byte before, as every
		 * pair (es_classify_seek() steps over it and looks at the U).
		 * Judged on the pair alone: reading the next byte here, or a
		 * return of its own, cost the word loop registers (spills,
		 * ~5% of the seek) */
		if (es_header_pair(p1, p2) || (p2 == 'V' && (p1 == 'S' || p1 == '\n' || p1 == '/')))
			return i - 1;
		keep = (m & (m - 1)) ? ~0ULL << ((i - w + 1) * 8) : 0;   /* next hit */
	}
	last = es_at(b->b, len - 1, ES_SCAN_CHUNK - 1);
	/* V: a VU cut after it (its context judged in es_check_b64_g() is
	 * then unknown: the decoded header decides) */
	if (last == 'U' || last == 'I' || last == 'S' || last == 'G' || last == 'V')
		return len - 1;
	return len;
}

/* Terminator or release bytes of word x; pre has 0x01 in each byte to ignore. */
ES_SCAN_FN __u64 es_term_hits(__u64 x, __u64 tw, __u64 rw, __u64 pre)
{
	return es_zero_lowest((x ^ tw) | pre) | es_zero_lowest((x ^ rw) | pre);
}

/*
 * In a segment: the next terminator or release byte in [from, len), eight
 * bytes at a time, two words per iteration. Returns len when there is none.
 * Bytes before from are made non-zero before the test, so no borrow from
 * them can flag a byte after from. 64-bit locals: no zero extensions in
 * the loop (BPF).
 */
ES_GLOBAL __u32 es_find_term(const struct es_chunk *b, __u32 from, __u32 len, __u32 term,
			     __u32 rel)
{
	__u64 w = from & ~7u, end = len, k, m0, m1;
	__u64 tw = (term & 0xff) * ES_ONES;
	/* without a release character, look for the terminator twice */
	__u64 rw = ((rel ? rel : term) & 0xff) * ES_ONES;
	__u64 pre = ~(~0ULL << ((from & 7) * 8)) & ES_ONES;

	if (!b || w >= end)
		return len;
	m0 = es_term_hits(es_load64(b->b + (w & (ES_SCAN_CHUNK - 8))), tw, rw, pre);
	m1 = es_term_hits(es_load64(b->b + ((w + 8) & (ES_SCAN_CHUNK - 8))), tw, rw, 0);
	for (k = 0; k < ES_SCAN_CHUNK / 16 && !(m0 | m1); k++) {
		w += 16;
		if (w >= end)
			return len;
		m0 = es_term_hits(es_load64(b->b + (w & (ES_SCAN_CHUNK - 8))), tw, rw, 0);
		m1 = es_term_hits(es_load64(b->b + ((w + 8) & (ES_SCAN_CHUNK - 8))), tw, rw, 0);
	}
	if (m0)
		w += es_first_flagged(m0);
	else if (m1)
		w += 8 + es_first_flagged(m1);
	else
		return len;
	return w < end ? (__u32)w : len;
}

/* A seek candidate classified: a base64 body's start, or a header. */
ES_SCAN_FN int es_classify_seek(struct es_scan_ctx *c)
{
	struct es_scan_state *st = c->st;
	const __u8 *buf = c->buf;
	void *env = c->env;
	int r;

	if (!es_b64_candidate(c)) {
		/* LF or '/' before a V (es_find_candidate()): the V is the
		 * candidate, the byte before its context */
		int a = es_peek(c, 0);

		if (st->carry_len || (a != '\n' && a != '/') || es_peek(c, 1) != 'V')
			return es_classify(c, 1);
		c->seg_begin++;
		c->pos = c->seg_begin;
		if (es_peek(c, 1) < 0)
			return ES_CL_MORE;   /* the V ends the chunk: carried */
		if (!es_b64_candidate(c))
			return ES_CL_NO;
	}
	/* verifier: pointers kept in registers across the global call */
	r = es_check_b64_g(c, st, (const struct es_chunk *)buf);
	c->st = st;
	c->buf = buf;
	c->env = env;
	return r;
}

ES_SCAN_FN int es_step_seek(struct es_scan_ctx *c)
{
	__u32 p;

	if (c->st->carry_len)
		return es_act(c, es_classify_seek(c), 1);
	/* a VU where the seek resumes: es_find_candidate() looks at second
	 * letters from pos + 1 on, and V is this pair's first (checked here:
	 * inside, it cost the word loop two registers, ~5% of the seek) */
	if (es_at(c->buf, c->pos, ES_SCAN_CHUNK - 1) == 'V' && c->pos + 1 < c->len &&
	    es_at(c->buf, c->pos + 1, ES_SCAN_CHUNK - 1) == 'U')
		p = c->pos;
	else
		p = es_find_candidate((const struct es_chunk *)c->buf, c->pos, c->len);
	if (p >= c->len) {
		c->pos = c->len;
		return 1;
	}
	c->seg_begin = p;
	c->pos = p;
	return es_act(c, es_classify_seek(c), 1);
}

/*
 * Index of the first byte in [from, len) that is no blank (CR, LF, space,
 * tab, unless it is the element separator), looking at ES_PEEK bytes at
 * most: beyond that the index comes back with ES_BLANKS_MORE set.
 */
#define ES_BLANKS_MORE 0x10000
ES_GLOBAL __u32 es_skip_blanks(const struct es_chunk *b, __u32 from, __u32 len, __u32 elem)
{
	__u32 i;

	if (!b)
		return len;
	for (i = 0; i < ES_PEEK; i++) {
		__u8 v;

		if (from >= len)
			return len;
		v = es_at(b->b, from, ES_SCAN_CHUNK - 1);
		if (!es_is_space(v) || v == elem)
			return from;
		from++;
	}
	return from | ES_BLANKS_MORE;
}

/*
 * A step that went on past a release character inside a segment: it does
 * not count against the chunk's step budget (ES_SCAN_STEPS), so a segment
 * costs one step however many release characters it holds, and the fast
 * path (es_scan_run()) needs to look for the terminator only, not for
 * release characters too (two zero-byte tests per word were one in four
 * of its instructions). Still bounded: each such step moves two bytes on.
 */
#define ES_STEP_FREE 2

ES_SCAN_FN int es_step_seg(struct es_scan_ctx *c)
{
	struct es_scan_state *st = c->st;
	__u32 p, end;

	if (st->released) {
		/* the release char ended the previous chunk: this byte is literal */
		st->released = 0;
		c->pos++;
	}
	end = c->len;
	if (st->from_seek) {
		/* a header the seek found gets ES_HDR_LIMIT bytes to its
		 * terminator (its separators may be a guess): look no further,
		 * so a wrong guess cannot hide a header later in the chunk */
		__u32 have = st->seg_len + (c->pos - c->seg_begin);
		__u32 room = have < ES_HDR_LIMIT ? ES_HDR_LIMIT - have : 0;

		if (c->pos + room < end)
			end = c->pos + room;
	}
	p = es_find_term((const struct es_chunk *)c->buf, c->pos, end, st->seps.terminator,
			 st->seps.release);
	if (p >= end) {
		if (end < c->len || st->seg_len + (c->len - c->seg_begin) >
		    (st->from_seek ? ES_HDR_LIMIT : ES_SEG_LIMIT)) {
			/* no terminator for too long: not a segment, seek again
			 * behind its tag (or from this chunk's start when it
			 * began in an earlier one) */
			c->n_garbage++;
			c->pos = st->seg_len || st->carry_len ? 0 : c->seg_begin + 2;
			st->mode = ES_MODE_SEEK;
			st->flags |= ES_SEGF_AFTER_GAP;
			es_reset_seg(st);
			return c->pos >= c->len;
		}
		c->pos = c->len;
		es_carry_rest(c, st->fwd);
		return 1;
	}
	if (st->seps.release && c->buf[p & (ES_SCAN_CHUNK - 1)] == st->seps.release) {
		if (p + 1 >= c->len) {
			st->released = 1;
			c->pos = c->len;
			es_carry_rest(c, st->fwd);
			return 1;
		}
		c->pos = p + 2;
		return c->pos >= c->len ? (es_carry_rest(c, st->fwd), 1) : ES_STEP_FREE;
	}
	es_finish_segment(c, p);
	es_after_segment(c, p + 1);
	return 0;
}

/*
 * Fast path of a segment start: nothing carried, eight bytes at hand, not a
 * UNA/ISA header. Anything else goes the general (global) way.
 */
ES_SCAN_FN int es_classify_fast(struct es_scan_ctx *c)
{
	struct es_scan_state *st = c->st;
	__u32 tag = 0, t3;
	__u64 w;
	int r;

	if (st->carry_len || c->seg_begin + 8 > c->len)
		return es_classify(c, 0);
	w = es_load64(c->buf + (c->seg_begin & (ES_SCAN_CHUNK - 1)));
	t3 = (__u32)(w & 0xffffff);
	if (t3 == ES_TAG3('U', 'N', 'A') || t3 == ES_TAG3('I', 'S', 'A') ||
	    t3 == ES_TAG3('U', 'N', 'H') || (t3 == ES_TAG3('U', 'N', 'B') && !st->after_una))
		return es_classify(c, 0);
	r = es_parse_tag(w, 8, &st->seps, &tag);
	if (r == ES_CL_SEG)
		st->tag = tag;
	return r;
}

/*
 * The common case of blanks between segments (a CR LF): fewer than eight of
 * them, all in the chunk. One word, no loop and no global call; moves
 * c->pos to the first other byte and returns 1, or returns 0 (nothing
 * changed) for es_skip_blanks() to handle.
 */
ES_SCAN_FN int es_skip_blanks_word(struct es_scan_ctx *c)
{
	__u64 x, blank, other;

	if (c->pos + 8 > c->len)
		return 0;
	x = es_load64(c->buf + (c->pos & (ES_SCAN_CHUNK - 1)));
	blank = es_zero_bytes(x ^ (' ' * ES_ONES)) | es_zero_bytes(x ^ ('\r' * ES_ONES)) |
		es_zero_bytes(x ^ ('\n' * ES_ONES)) | es_zero_bytes(x ^ ('\t' * ES_ONES));
	/* the element separator is never a blank here (as in es_skip_blanks) */
	blank &= ~es_zero_bytes(x ^ ((__u64)c->st->seps.element * ES_ONES));
	other = ~blank & (ES_ONES << 7);
	if (!other)
		return 0;
	c->pos += es_first_flagged(other);
	return 1;
}

/*
 * A segment boundary inside an interchange: blanks, the tag, then straight
 * on to the terminator, so a whole segment takes one step.
 */
ES_SCAN_FN int es_step_segstart(struct es_scan_ctx *c)
{
	struct es_scan_state *st = c->st;
	int r;

	if (st->carry_len == 0) {
		/* CR/LF/blanks between segments are not part of the next tag */
		if (es_is_space(es_at(c->buf, c->pos, ES_SCAN_CHUNK - 1)) &&
		    !es_skip_blanks_word(c)) {
			__u32 p = es_skip_blanks((const struct es_chunk *)c->buf, c->pos, c->len,
						 st->seps.element);

			/* MORE first: with the flag set p is always >= len, which
			 * would throw away the rest of the chunk */
			if (p & ES_BLANKS_MORE) {
				c->pos = p & ~ES_BLANKS_MORE;
				return 0;   /* more blanks: next step */
			}
			if (p >= c->len) {
				c->pos = c->len;
				return 1;
			}
			c->pos = p;
		}
		c->seg_begin = c->pos;
	}
	r = es_classify_fast(c);
	if (r != ES_CL_SEG)
		return es_act(c, r, 0);
	es_begin_seg(c);
	return es_step_seg(c);
}


/*
 * Words of a segment searched inline before es_find_term() is called
 * (bench-xdp, CUSCAR: 2 -> 6 ~-3% of a frame, 6 -> 10 ~-6%, 10 -> 16 no
 * gain). Verifier: the loop is walked per word, ~9k instructions each.
 */
#ifndef ES_RUN_WORDS
#define ES_RUN_WORDS    10
#endif
/*
 * The words after a segment's first until one holds a terminator (m: its
 * flags, k: its index; ES_RUN_WORDS in all), unrolled by hand (clang 14
 * does not unroll the loop with its early exit). BPF: each word straight
 * from q = buf + pos, its offset a constant of the load (a masked index
 * took four instructions a word); q is opaque to clang, or it keeps a
 * pointer per word across the segment loop (spilled). The includer's
 * buf has ES_RUN_WORDS * 8 bytes readable past 2 * ES_SCAN_CHUNK, pos's
 * mask (flow.h: the chunk's record follows it). Bytes read past len are
 * not the chunk's, as with the wrapped index of the host build: a
 * terminator found there is none (p >= len).
 */
#ifdef __bpf__
#define ES_RUN_WORD(q, pos, i) es_load64((q) + (i) * 8)
#else
#define ES_RUN_WORD(q, pos, i) es_load64((q) - (pos) + (((pos) + (i) * 8) & (ES_SCAN_CHUNK - 1)))
#endif
#define ES_RUN_WORD_STEP(q, pos, tw, m, k, i)                                       \
	if (ES_RUN_WORDS > (i) && !(m)) {                                          \
		(m) = es_zero_lowest(ES_RUN_WORD(q, pos, i) ^ (tw));               \
		(k) = (i);                                                         \
	}
#define ES_RUN_WORDS_AFTER_FIRST(q, pos, tw, m, k)                                  \
	do {                                                                        \
		ES_RUN_WORD_STEP(q, pos, tw, m, k, 1)                               \
		ES_RUN_WORD_STEP(q, pos, tw, m, k, 2)                               \
		ES_RUN_WORD_STEP(q, pos, tw, m, k, 3)                               \
		ES_RUN_WORD_STEP(q, pos, tw, m, k, 4)                               \
		ES_RUN_WORD_STEP(q, pos, tw, m, k, 5)                               \
		ES_RUN_WORD_STEP(q, pos, tw, m, k, 6)                               \
		ES_RUN_WORD_STEP(q, pos, tw, m, k, 7)                               \
		ES_RUN_WORD_STEP(q, pos, tw, m, k, 8)                               \
		ES_RUN_WORD_STEP(q, pos, tw, m, k, 9)                               \
		ES_RUN_WORD_STEP(q, pos, tw, m, k, 10)                              \
		ES_RUN_WORD_STEP(q, pos, tw, m, k, 11)                              \
		ES_RUN_WORD_STEP(q, pos, tw, m, k, 12)                              \
		ES_RUN_WORD_STEP(q, pos, tw, m, k, 13)                              \
		ES_RUN_WORD_STEP(q, pos, tw, m, k, 14)                              \
		ES_RUN_WORD_STEP(q, pos, tw, m, k, 15)                              \
	} while (0)
_Static_assert(ES_RUN_WORDS >= 1 && ES_RUN_WORDS <= 16, "ES_RUN_WORDS_AFTER_FIRST: 15 steps");
#define ES_RUN_MORE     0x10000     /* es_scan_run(): ES_CAN_LOOP stopped it, may go on */

/* The fast path's cheaper item for a forwarded segment (ES_HAS_EMIT_FAST) */
#ifdef ES_HAS_EMIT_FAST
#define ES_RUN_EMIT_FAST(env, st, pos, n) ((n) <= ES_SEG_MAX && es_scan_emit_fast(env, st, pos, n))
#define ES_RUN_EMIT_SYNC(env, st, base_off, len) es_scan_emit_fast_sync(env, st, base_off, len)
#else
#define ES_RUN_EMIT_FAST(env, st, pos, n) 0
#define ES_RUN_EMIT_SYNC(env, st, base_off, len) ((void)0)
#endif

/*
 * Fast path: a run of ordinary segments, back to back, each taking exactly
 * the steps the general path (es_scan_step()) would take for it and giving
 * the same segment, counters and state, at most budget steps in all.
 * Ordinary: a segment start inside an interchange whose separators are no
 * letters or digits, nothing carried, blanks before it within one word, a
 * tag of two or three bytes in the word but no header or interchange end
 * (UNA, UNB, UNH, ISA, UNZ, IEA: ES_TAGT_BREAK), its terminator in this
 * chunk and no release character right before it (the only byte that could release
 * the first terminator byte; the release characters before it cost the
 * general path no step, ES_STEP_FREE). At the first segment that is not,
 * it stops, having changed nothing of it, and the general step takes over.
 * The segment counts go to cnt (the host: c; BPF: the context in the
 * scratch map). BPF: all ordinary segments of a chunk in one global
 * function call (es_run_g()). Returns the steps used, with ES_RUN_MORE
 * when ES_CAN_LOOP stopped it (never at a chunk's size; the caller calls
 * again, as after any stop).
 *
 * Verifier: an ES_CAN_LOOP loop, its body walked until a pass's state at
 * the loop head lies within an earlier one's, dead stack slots included
 * (RANGE_WITHIN). So every value carried from pass to pass is bounded the
 * same way after every path (pos: 64-bit, so a compare bounds the very
 * register carried, and masked), or unknown (the budget left: widened),
 * or in memory: the flags, skipped count and after_una in the state, len
 * and the counts in cnt (the scratch map's context: a len kept in a
 * register came back narrowed by each pass's compares). A counter from a
 * constant or a flag set in a pass in a register made the passes' states
 * differ per combination of paths taken, and the walk grew past 1M
 * (also with the release loop this path had before ES_STEP_FREE: its
 * spill slots varied per path).
 */
ES_SCAN_FN __u32 es_scan_run(struct es_scan_ctx *c, struct es_scan_ctx *cnt, __u32 budget)
{
	struct es_scan_state *st = c->st;
	const __u8 *buf = c->buf;
	__u64 pos = c->pos, next = c->pos, len;
	__u32 left = budget, more = 0;
	__u32 term, rel, elem;
	__u64 tw, m;

	if (st->mode != ES_MODE_SEGSTART || st->carry_len || st->seg_len || st->released)
		return 0;
	term = st->seps.terminator;
	rel = st->seps.release;
	elem = st->seps.element;
	if (rel == term)
		return 0;   /* every terminator a release character (es_step_seg()) */
	/* a separator that is a letter or digit (a garbage UNA or ISA may set
	 * one) could be a tag byte: es_run_tag() does not look for that */
	if (es_is_alnum((__u8)term) || es_is_alnum((__u8)rel) || es_is_alnum((__u8)elem))
		return 0;
	tw = term * ES_ONES;
	ES_RUN_EMIT_SYNC(c->env, st, c->base_off, cnt->len);
	for (;;) {
		__u32 tag, cls, n, k;
		const __u8 *q;
		__u64 w, p;

		if (!ES_CAN_LOOP) {
			more = ES_RUN_MORE;
			break;
		}
		len = cnt->len;   /* memory: see above */
		if (pos + 8 > len)
			break;
		w = es_load64(buf + (pos & (ES_SCAN_CHUNK - 1)));
		/* the usual CR LF first, one compare (a blank after it fails the
		 * tag test below: the general step skips such blanks) */
		if ((w & 0xffff) == ES_TAG2('\r', '\n') && st->seps.element != '\r' &&
		    st->seps.element != '\n') {
			pos += 2;
			if (pos + 8 > len)
				break;
			w = es_load64(buf + (pos & (ES_SCAN_CHUNK - 1)));
		} else if (es_is_space((__u8)w)) {
			/* es_skip_blanks_word() on w */
			__u64 blank = es_zero_bytes(w ^ (' ' * ES_ONES)) |
				      es_zero_bytes(w ^ ('\r' * ES_ONES)) |
				      es_zero_bytes(w ^ ('\n' * ES_ONES)) |
				      es_zero_bytes(w ^ ('\t' * ES_ONES));
			__u64 other;

			blank &= ~es_zero_bytes(w ^ ((__u64)st->seps.element * ES_ONES));
			other = ~blank & (ES_ONES << 7);
			if (!other)
				break;
			pos += es_first_flagged(other);
			if (pos + 8 > len)
				break;
			w = es_load64(buf + (pos & (ES_SCAN_CHUNK - 1)));
		}
		/* pos + 8 <= len: the mask changes nothing, but gives pos one
		 * range after the blanks' three paths (walked once from here:
		 * XDP 390k -> 354k) */
		ES_OPAQUE(pos);
		pos &= 2 * ES_SCAN_CHUNK - 1;
		/* es_parse_tag() and the forwarding decision in one load; a
		 * header or interchange end is the general step's (tags.h) */
		tag = es_run_tag(w, elem, term);
		cls = es_scan_tag_class(c->env, tag);
		if (cls == ES_TAGT_BREAK)
			break;
		/* the first terminator byte from pos (es_find_term() without
		 * release characters): its first ES_RUN_WORDS words inline (a
		 * call per segment cost more than the words: most segments need
		 * none); a hit at len or later is none */
		m = es_zero_lowest(w ^ tw);
		q = buf + pos;
		ES_OPAQUE(q);
		k = 0;
		ES_RUN_WORDS_AFTER_FIRST(q, pos, tw, m, k);
		p = pos + k * 8 + es_first_flagged(m);
		if (!m)
			p = es_find_term((const struct es_chunk *)buf, pos + ES_RUN_WORDS * 8, len,
					 term, 0);
		if (p > len)
			p = len;
		/* p <= len: the mask changes nothing, but the verifier sees one
		 * range after every exit of the search above, so what follows
		 * is walked once, not once per exit (8 segments a call, before
		 * the ES_CAN_LOOP loop: 496k -> 315k instructions for the XDP
		 * program) */
		p &= 2 * ES_SCAN_CHUNK - 1;
		/* p >= ES_SCAN_CHUNK: never (len is at most that); bounds pos
		 * for the verifier whatever len it has seen */
		if (p >= len || p >= ES_SCAN_CHUNK || left < 1)
			break;
		/* p > pos + 1 (the tag holds no terminator): a release before
		 * it releases it, or is itself released: the general step */
		if (rel && es_at(buf, p - 1, ES_SCAN_CHUNK - 1) == rel)
			break;
		/* es_begin_seg(), es_finish_segment() for buf[pos..p] */
		n = p + 1 - pos;
		if (cls != ES_TAGT_FWD) {
			cnt->n_skip++;
			if (st->skipped < 0xFFFF)
				st->skipped++;
		} else if (ES_RUN_EMIT_FAST(c->env, st, (__u32)pos, n)) {
			cnt->n_seg++;
		} else {
			struct es_seg_desc d;

			d.stream_off = c->base_off + pos;
			d.seg_len = n;
			d.buf_begin = pos;
			d.buf_n = n;
			d.carry_n = 0;
			d.flags = st->flags;
			d.skipped = st->skipped;
			if (n > ES_SEG_MAX) {
				d.buf_n = ES_SEG_MAX;
				d.flags |= ES_SEGF_TRUNCATED;
				cnt->n_trunc++;
			}
			st->skipped = 0;
			st->flags &= ~(ES_SEGF_AFTER_GAP | ES_SEGF_ISA_NONFIXED);
			cnt->n_seg++;
			st->tag = tag;
			es_scan_emit(c->env, st, buf, &d);
			ES_RUN_EMIT_SYNC(c->env, st, c->base_off, (__u32)len);
		}
		/* es_after_segment() */
		st->seg_start = c->base_off + pos;
		st->after_una = 0;
		/* p < len: the mask changes nothing, but gives the verifier
		 * the same range for pos after every path through the
		 * iteration, so the next iteration is walked once, not once
		 * per exit of the word search above */
		pos = (p + 1) & (2 * ES_SCAN_CHUNK - 1);
		next = pos;
		left--;
	}
	st->tag = 0;
	st->fwd = 0;
	st->from_seek = 0;
	c->pos = next;
	c->seg_begin = next;
	return (budget - left) | more;
}

/*
 * Index of the first byte in [from, len) outside the base64 alphabet, '='
 * and CR/LF, eight bytes at a time; len when there is none.
 */
ES_GLOBAL __u32 es_find_b64_end(const struct es_chunk *b, __u32 from, __u32 len)
{
	__u32 w = from & ~7u, k;
	__u64 keep = ~0ULL << ((from & 7) * 8);

	if (!b || len > ES_SCAN_CHUNK || from >= len)
		return len;
	for (k = 0; k < ES_SCAN_CHUNK / 8; k++) {
		__u64 x, ok, bad;
		__u32 i;

		if (w >= len)
			return len;
		x = es_load64(b->b + (w & (ES_SCAN_CHUNK - 1)));
		/* '/' and the digits are one range, 0x2F..0x39 */
		ok = es_range_bytes(x, 'A', 'Z') | es_range_bytes(x, 'a', 'z') |
		     es_range_bytes(x, '/', '9') | es_zero_bytes(x ^ ('+' * ES_ONES)) |
		     es_zero_bytes(x ^ ('=' * ES_ONES)) | es_zero_bytes(x ^ ('\r' * ES_ONES)) |
		     es_zero_bytes(x ^ ('\n' * ES_ONES));
		bad = ~ok & (ES_ONES << 7) & keep;
		if (bad) {
			i = w + es_first_flagged(bad);
			return i < len ? i : len;
		}
		keep = ~0ULL;
		w += 8;
	}
	return len;
}

/*
 * A base64 body: at most ES_SEG_MAX bytes of it forwarded per step (the
 * carried start of the candidate first), up to its first byte outside the
 * alphabet (which the seek looks at next) or ES_B64_DEPTH bytes; then an
 * end item and back to seek.
 */
ES_SCAN_FN int es_step_b64(struct es_scan_ctx *c)
{
	struct es_scan_state *st = c->st;
	__u32 end = es_find_b64_end((const struct es_chunk *)c->buf, c->pos, c->len);
	__u32 cn = st->carry_len > ES_PEEK ? ES_PEEK : st->carry_len;
	__u32 n = end - c->pos, why;

	if (end > c->len || end < c->pos)
		return 1;
	if (n > ES_SEG_MAX - cn)
		n = ES_SEG_MAX - cn;
	/* never past the depth (seg_len < ES_B64_DEPTH here: it ends there) */
	if (cn + n > ES_B64_DEPTH - st->seg_len)
		n = ES_B64_DEPTH - st->seg_len - cn;
	if (cn + n) {
		es_scan_emit_b64(c->env, st, cn ? st->seg_start : c->base_off + c->pos,
				 ES_B64_SPAN(c->pos, n, cn, st->seg_len ? ES_B64_MORE : ES_B64_START));
		st->flags &= ~ES_SEGF_AFTER_GAP;
		st->seg_len += cn + n;
		st->carry_len = 0;
		c->pos += n;
	}
	why = st->seg_len >= ES_B64_DEPTH ? ES_B64_END_CAP :
	      c->pos < c->len && c->pos == end ? ES_B64_END_TEXT : 0;
	if (!why)
		return c->pos >= c->len;
	es_scan_emit_b64(c->env, st, c->base_off + c->pos, ES_B64_SPAN(0, 0, 0, why));
	st->mode = ES_MODE_SEEK;
	es_reset_seg(st);
	return 0;
}

/* One step: at most one segment, header or seek hit. 1 = chunk used up,
 * ES_STEP_FREE = went on past a release character (no budget step). */
ES_SCAN_FN int es_scan_step(struct es_scan_ctx *c)
{
	if (c->pos >= c->len && c->st->mode != ES_MODE_ISA) {
		if (c->st->mode == ES_MODE_SEG)
			es_carry_rest(c, c->st->fwd);
		return 1;
	}
	switch (c->st->mode) {
	case ES_MODE_SEEK:
		return es_step_seek(c);
	case ES_MODE_SEGSTART:
		return es_step_segstart(c);
	case ES_MODE_SEG:
		return es_step_seg(c);
	case ES_MODE_ISA:
		return es_step_isa(c);
	case ES_MODE_B64:
		return es_step_b64(c);
	}
	c->st->mode = ES_MODE_SEEK;
	return 0;
}


/*
 * The step budget ran out (a chunk of tiny segments): drop what is in
 * progress and seek again, marking the next segment as after a gap.
 */
ES_SCAN_FN void es_scan_budget_out(struct es_scan_state *st)
{
	st->mode = ES_MODE_SEEK;
	st->flags |= ES_SEGF_AFTER_GAP;
	st->released = 0;
	es_reset_seg(st);
}

#ifndef __bpf__
/*
 * Scan buf[0..len) (len <= ES_SCAN_CHUNK, ES_SCAN_BUF bytes readable), the
 * stream bytes from base_off on. The caller has set c->st/buf/env/len/
 * base_off and zeroed the rest. (The BPF build has its own loop that runs
 * each step in a global function, see flow.h.) Returns 0, or -1 when the step budget ran
 * out (the rest of the chunk was skipped).
 */
ES_SCAN_FN int es_scan_chunk(struct es_scan_ctx *c)
{
	__u32 used = 0, r;

	c->pos = 0;
	c->seg_begin = 0;
	if (c->len == 0)
		return 0;
	/* runs of ordinary segments; the general step for anything else */
	while (used < ES_SCAN_STEPS) {
		r = es_scan_run(c, c, ES_SCAN_STEPS - used);
		used += r & ~ES_RUN_MORE;
		if (used >= ES_SCAN_STEPS || (r & ES_RUN_MORE))
			continue;
		r = (__u32)es_scan_step(c);
		if (r == 1)
			return 0;
		if (r != ES_STEP_FREE)
			used++;
	}
	if (c->pos < c->len) {
		es_scan_budget_out(c->st);
		return -1;
	}
	return 0;
}
#endif

/* Resynchronise after a sequence gap: seek, separators kept for UNH/GS/ST. */
ES_SCAN_FN void es_scan_resync(struct es_scan_state *st)
{
	st->mode = ES_MODE_SEEK;
	st->released = 0;
	st->flags |= ES_SEGF_AFTER_GAP;
	es_reset_seg(st);
}

#endif /* EDI_SCAN_H */
