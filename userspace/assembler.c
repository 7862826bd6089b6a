/* Message assembly per flow direction. The service segments drive a small
 * state machine (interchange -> group -> message); every other segment is
 * decoded, kept as evidence and handed to the extraction tables while its
 * message is open. See assembler.h for the contract. */
#include "assembler.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "charset.h"
#include "edi_decode.h"
#include "extract.h"
#include "flow_table.h"

#define ENV_STR 96     /* an envelope value (ids are at most 35 characters) */
#define FINDING_MAX 160

/* Interchange and group header values, kept per flow until the next one. */
struct envelope_state {
	char sender_id[ENV_STR], sender_qual[ENV_STR];
	char recipient_id[ENV_STR], recipient_qual[ENV_STR];
	char date[ENV_STR], time[ENV_STR], control_ref[ENV_STR];
	char syntax_id[ENV_STR], syntax_version[ENV_STR], application_ref[ENV_STR];
	bool test;
	char group_id[ENV_STR], group_sender[ENV_STR], group_recipient[ENV_STR];
	char group_control_ref[ENV_STR], group_agency[ENV_STR], group_version[ENV_STR];
};

/* A message being built, or built and held until its interchange ends. */
struct msg_build {
	struct msg_build *next;          /* held list */
	struct arena arena;              /* the record and all its strings */
	Edisensor__V1__Message *msg;
	struct extract ex;
	size_t seg_cap;
	uint32_t counted;                /* segments UNH..UNT, forwarded or not */
	uint32_t kept_over_cap;          /* counted but not kept (segment or memory limit) */
	size_t accounted;                /* arena bytes counted in stats.memory_bytes */
	char ref[ENV_STR];               /* UNH 0062 / ST02 */
	unsigned group_seq;              /* 0 = outside any group */
	/* Why it is not known whether the message belongs to the interchange
	 * (group) open when it began, NULL when it is known; cleared when the
	 * trailer confirms it (see note_break). */
	const char *ichg_unsure, *group_unsure;
	bool events_lost;                /* assembler_note_loss while open */
	char *findings[16];
	size_t n_findings;
};

struct flow {
	struct flow_entry fe;            /* first: container_of by cast */
	char ifname[IF_NAMESIZE];
	char src_ip[INET6_ADDRSTRLEN], dst_ip[INET6_ADDRSTRLEN];   /* formatted once */
	uint8_t dir, hook;
	/* interchange */
	bool in_interchange;
	int syntax;                      /* of the last header (interchange or message) */
	int ichg_syntax;                 /* of the interchange header */
	enum charset ichg_cs;            /* named by UNB S001 */
	bool ichg_repetition;            /* EDIFACT syntax 4 / X12 00402+ */
	uint32_t isa_nonfixed_len;       /* ISA length when not 106 bytes (unpadded fields), else 0 */
	struct edi_syntax syn;           /* separators and charset of the current segment */
	struct envelope_state env;
	uint32_t units;                  /* UNZ/IEA units: groups + ungrouped messages */
	bool interchange_gap;            /* a gap since UNB/ISA: counts are lower bounds */
	bool units_unknown;              /* messages counted as units were in an unseen group */
	/* Continuity since the interchange (group) header: NULL, or why a
	 * message that begins now may belong to another interchange (group)
	 * whose header the sensor did not see. */
	const char *ichg_break, *group_break;
	/* group */
	bool in_group;
	bool group_gap;                  /* a gap since UNG/GS */
	bool group_unseen;               /* in a group whose GS was not seen */
	unsigned group_seq;              /* increases per group */
	uint32_t group_messages;
	/* messages */
	struct msg_build *open;
	struct msg_build *held_head, *held_tail;
	size_t n_held;
};

struct assembler {
	struct assembler_opts opts;
	assembler_message_cb on_message;
	void *ctx;
	struct flow_table flows;
	struct assembler_stats stats;
	struct edi_segment seg;          /* scratch: one decoded segment */
	char text[3 * ES_SEG_MAX + 8];   /* scratch: evidence text */
};

/* ---- small helpers ---------------------------------------------------- */

static bool parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	while (*end == ' ')
		end++;
	if (errno || *end || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* Copies an envelope value, trimming the padding of fixed-width ISA fields. */
static void env_copy(char *dst, const char *src)
{
	size_t n = strlen(src);

	while (n > 0 && src[n - 1] == ' ')
		n--;
	if (n >= ENV_STR)
		n = ENV_STR - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void add_finding(struct assembler *a, struct msg_build *b, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void add_finding(struct assembler *a, struct msg_build *b, const char *fmt, ...)
{
	char buf[FINDING_MAX];
	va_list ap;

	if (b->n_findings >= sizeof(b->findings) / sizeof(b->findings[0]))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	b->findings[b->n_findings] = arena_strdup(&b->arena, buf);
	if (b->findings[b->n_findings])
		b->n_findings++;
	else
		a->stats.alloc_failures++;
}

static const char *trailer_name(int syntax, bool group, bool message)
{
	if (syntax == ES_SYNTAX_X12)
		return message ? "SE" : group ? "GE" : "IEA";
	return message ? "UNT" : group ? "UNE" : "UNZ";
}

static const char *header_name(int syntax, bool group)
{
	if (syntax == ES_SYNTAX_X12)
		return group ? "GS" : "ISA";
	return group ? "UNG" : "UNB";
}

/* ---- records ---------------------------------------------------------- */

static const char *hook_name(uint8_t hook)
{
	switch (hook) {
	case ES_HOOK_TC_INGRESS: return "tc-ingress";
	case ES_HOOK_TC_EGRESS:  return "tc-egress";
	default:                 return "xdp";
	}
}

/* The flow's addresses as text, once per flow: every message record names
 * them, and inet_ntop formats IPv4 with sprintf. */
static void format_addrs(struct flow *f)
{
	int af = f->fe.key.family == 6 ? AF_INET6 : AF_INET;

	if (!inet_ntop(af, f->fe.key.saddr, f->src_ip, sizeof(f->src_ip)))
		f->src_ip[0] = '\0';
	if (!inet_ntop(af, f->fe.key.daddr, f->dst_ip, sizeof(f->dst_ip)))
		f->dst_ip[0] = '\0';
}

static Edisensor__V1__Flow *make_flow(struct assembler *a, struct arena *ar,
				      const struct flow *f)
{
	static const Edisensor__V1__Flow init = EDISENSOR__V1__FLOW__INIT;
	Edisensor__V1__Flow *r = arena_alloc(ar, sizeof(*r));

	if (!r)
		return NULL;
	*r = init;
	r->src_ip = arena_strdup(ar, f->src_ip);
	r->dst_ip = arena_strdup(ar, f->dst_ip);
	r->interface = arena_strdup(ar, a->opts.interface ? a->opts.interface : f->ifname);
	if (!r->src_ip || !r->dst_ip || !r->interface)
		return NULL;
	r->src_port = f->fe.key.sport;
	r->dst_port = f->fe.key.dport;
	r->direction = (Edisensor__V1__Direction)f->dir;
	r->ip_version = f->fe.key.family;
	r->hook = (char *)hook_name(f->hook);
	return r;
}

/* Why a message may not belong to the open interchange or group. */
static const char BREAK_GAP[] = "a sequence gap";
static const char BREAK_CUT[] = "a message without its trailer";
static const char BREAK_NO_HEADER[] = "the interchange header";

#define DUP(field, value) (e->field = arena_strdup(ar, value)) == NULL
static int fill_interchange(struct arena *ar, Edisensor__V1__Envelope *e,
			    const struct envelope_state *s)
{
	e->test = s->test;
	return DUP(sender_id, s->sender_id) || DUP(sender_qualifier, s->sender_qual) ||
	       DUP(recipient_id, s->recipient_id) ||
	       DUP(recipient_qualifier, s->recipient_qual) ||
	       DUP(date, s->date) || DUP(time, s->time) ||
	       DUP(control_ref, s->control_ref) || DUP(syntax_id, s->syntax_id) ||
	       DUP(syntax_version, s->syntax_version) ||
	       DUP(application_ref, s->application_ref) ? -ENOMEM : 0;
}

/* X12 takes the message version and agency from GS. */
static int fill_group(struct arena *ar, Edisensor__V1__Envelope *e,
		      const struct envelope_state *s, bool x12)
{
	bool fail = DUP(group_id, s->group_id) || DUP(group_sender, s->group_sender) ||
		    DUP(group_recipient, s->group_recipient) ||
		    DUP(group_control_ref, s->group_control_ref);

	if (x12)
		fail |= DUP(message_version, s->group_version) || DUP(agency, s->group_agency);
	return fail ? -ENOMEM : 0;
}

/* Interchange and group values only when the message is known to be in
 * them (no break since their header): never another interchange's. */
static int fill_envelope(struct arena *ar, Edisensor__V1__Envelope *e,
			 const struct flow *f, const struct edi_segment *hdr)
{
	const struct envelope_state *s = &f->env;
	bool x12 = f->syntax == ES_SYNTAX_X12;
	bool fail = false;

	if (f->in_interchange && !f->ichg_break)
		fail |= fill_interchange(ar, e, s) != 0;
	if (f->in_group && !f->group_break)
		fail |= fill_group(ar, e, s, x12) != 0;
	fail |= DUP(message_type, edi_value(hdr, x12 ? 1 : 2, 1)) ||
		DUP(message_ref, edi_value(hdr, x12 ? 2 : 1, 1));
	if (!x12) {
		fail |= DUP(message_version, edi_value(hdr, 2, 2)) ||
			DUP(message_release, edi_value(hdr, 2, 3)) ||
			DUP(agency, edi_value(hdr, 2, 4)) ||
			DUP(association_code, edi_value(hdr, 2, 5));
	}
	fail |= DUP(charset, charset_name(f->syn.cs));
	return fail ? -ENOMEM : 0;
}
#undef DUP

/* ---- message lifecycle ------------------------------------------------ */

/* Brings stats.memory_bytes up to date with the build's arena. */
static void account(struct assembler *a, struct msg_build *b)
{
	a->stats.memory_bytes += b->arena.used_bytes - b->accounted;
	b->accounted = b->arena.used_bytes;
}

static bool over_memory(const struct assembler *a)
{
	return a->stats.memory_bytes >= a->opts.max_memory;
}

static void build_free(struct assembler *a, struct msg_build *b)
{
	if (b) {
		a->stats.memory_bytes -= b->accounted;
		arena_reset(&b->arena);
		free(b);
	}
}

static void emit(struct assembler *a, struct msg_build *b)
{
	Edisensor__V1__Integrity *in = b->msg->integrity;
	int syntax = (int)b->msg->syntax;

	/* Not confirmed by its trailer: the values stay empty. */
	if (b->ichg_unsure)
		add_finding(a, b, "interchange unknown: %s not seen since %s",
			    header_name(syntax, false), b->ichg_unsure);
	if (b->group_unsure)
		add_finding(a, b, "group unknown: %s not seen since %s",
			    header_name(syntax, true), b->group_unsure);
	in->findings = b->findings;
	in->n_findings = b->n_findings;
	a->stats.messages++;
	if (in->truncated)
		a->stats.messages_truncated++;
	if (in->gap)
		a->stats.messages_gap++;
	if (in->missing_envelope)
		a->stats.messages_no_envelope++;
	a->on_message(a->ctx, b->msg);
	build_free(a, b);
}

static struct msg_build *build_new(struct assembler *a, struct flow *f,
				   const struct es_event *ev, const struct edi_segment *hdr)
{
	static const Edisensor__V1__Message minit = EDISENSOR__V1__MESSAGE__INIT;
	static const Edisensor__V1__Envelope einit = EDISENSOR__V1__ENVELOPE__INIT;
	static const Edisensor__V1__Integrity iinit = EDISENSOR__V1__INTEGRITY__INIT;
	struct msg_build *b = calloc(1, sizeof(*b));
	Edisensor__V1__Message *m;

	if (!b)
		return NULL;
	m = b->msg = arena_alloc(&b->arena, sizeof(*m));
	if (!m)
		goto fail;
	*m = minit;
	m->envelope = arena_alloc(&b->arena, sizeof(*m->envelope));
	m->integrity = arena_alloc(&b->arena, sizeof(*m->integrity));
	m->flow = make_flow(a, &b->arena, f);
	if (!m->envelope || !m->integrity || !m->flow)
		goto fail;
	*m->envelope = einit;
	*m->integrity = iinit;
	if (fill_envelope(&b->arena, m->envelope, f, hdr))
		goto fail;
	m->syntax = (Edisensor__V1__Syntax)f->syntax;
	m->first_seen_ns = m->last_seen_ns = ev->ts_ns + (uint64_t)a->opts.clock_offset_ns;
	m->stream_offset = ev->stream_off;
	/* decoded from a base64 body (b64_body.c): a static string, the
	 * record only borrows it */
	if (ev->flags & ES_SEGF_BASE64)
		m->content_encoding = (char *)"base64";
	m->integrity->missing_envelope = !f->in_interchange || f->ichg_break;
	env_copy(b->ref, m->envelope->message_ref);
	b->group_seq = f->in_group ? f->group_seq : 0;
	b->ichg_unsure = f->in_interchange ? f->ichg_break : NULL;
	b->group_unsure = f->in_group ? f->group_break : NULL;
	extract_begin(&b->ex, m, &b->arena, f->syntax, m->envelope->message_type);
	if (f->in_interchange && !f->ichg_break && f->isa_nonfixed_len)
		add_finding(a, b, "ISA is %u bytes, not 106: fields not padded to their fixed"
			    " widths, separators found by counting elements", f->isa_nonfixed_len);
	if (!f->in_interchange)
		add_finding(a, b, "message without interchange header (%s)%s",
			    f->syntax == ES_SYNTAX_X12 ? "ISA" : "UNB",
			    ev->flags & ES_SEGF_MIDSTREAM ? ": flow first seen mid-stream"
							  : "");
	account(a, b);
	return b;
fail:
	build_free(a, b);
	return NULL;
}

/* Keeps the segment as evidence; returns its index or -1 when not kept. */
static long keep_segment(struct assembler *a, struct msg_build *b,
			 const struct es_event *ev, const struct flow *f)
{
	static const Edisensor__V1__Segment init = EDISENSOR__V1__SEGMENT__INIT;
	Edisensor__V1__Message *m = b->msg;
	Edisensor__V1__Segment *s;

	if (a->opts.drop_segments)
		return -1;
	if (m->n_segments >= a->opts.max_segments || over_memory(a)) {
		b->kept_over_cap++;
		a->stats.segments_over_cap++;
		return -1;
	}
	if (m->n_segments == b->seg_cap) {
		size_t cap = b->seg_cap ? 2 * b->seg_cap : 32;
		Edisensor__V1__Segment **grown = arena_alloc(&b->arena, cap * sizeof(*grown));
		if (!grown)
			goto nomem;
		if (m->n_segments)
			memcpy(grown, m->segments, m->n_segments * sizeof(*grown));
		m->segments = grown;
		b->seg_cap = cap;
	}
	s = arena_alloc(&b->arena, sizeof(*s));
	if (!s)
		goto nomem;
	*s = init;
	edi_segment_text(ev->data, ev->data_len, &f->syn, a->text, sizeof(a->text));
	s->tag = arena_strdup(&b->arena, a->seg.tag);
	s->text = arena_strdup(&b->arena, a->text);
	if (!s->tag || !s->text)
		goto nomem;
	s->stream_offset = ev->stream_off;
	s->truncated = (ev->flags & ES_SEGF_TRUNCATED) != 0;
	m->segments[m->n_segments] = s;
	return (long)m->n_segments++;
nomem:
	a->stats.alloc_failures++;
	return -1;
}

/* Adds one segment of the open message: counts, evidence, extraction. */
static void message_add(struct assembler *a, struct flow *f, const struct es_event *ev)
{
	struct msg_build *b = f->open;
	long idx;

	b->counted++;
	b->msg->last_seen_ns = ev->ts_ns + (uint64_t)a->opts.clock_offset_ns;
	if (ev->flags & ES_SEGF_TRUNCATED)
		b->msg->integrity->truncated_segments++;
	idx = keep_segment(a, b, ev, f);
	if (idx >= 0 && extract_segment(&b->ex, &a->seg, (uint32_t)idx))
		a->stats.alloc_failures++;
	account(a, b);
}

/* Puts a completed message on the flow's held list, or emits it when it
 * has no interchange to wait for. */
static void hold_or_emit(struct assembler *a, struct flow *f, struct msg_build *b)
{
	if (!f->in_interchange) {
		emit(a, b);
		return;
	}
	account(a, b);
	if (over_memory(a)) {
		a->stats.messages_early++;
		add_finding(a, b, "emitted before the interchange trailer (memory limit)");
		emit(a, b);
		return;
	}
	if (f->n_held >= a->opts.max_held) {
		struct msg_build *old = f->held_head;
		f->held_head = old->next;
		if (!f->held_head)
			f->held_tail = NULL;
		f->n_held--;
		a->stats.messages_held--;
		a->stats.messages_early++;
		add_finding(a, old, "emitted before the interchange trailer (hold limit)");
		emit(a, old);
	}
	b->next = NULL;
	if (f->held_tail)
		f->held_tail->next = b;
	else
		f->held_head = b;
	f->held_tail = b;
	f->n_held++;
	a->stats.messages_held++;
}

/* Ends the open message. trailer is the decoded UNT/SE, or NULL when the
 * message ends without one (why says what ended it). */
static void message_close(struct assembler *a, struct flow *f,
			  const struct edi_segment *trailer, const char *why)
{
	struct msg_build *b = f->open;
	Edisensor__V1__Integrity *in;
	bool x12 = f->syntax == ES_SYNTAX_X12;

	if (!b)
		return;
	f->open = NULL;
	in = b->msg->integrity;
	extract_end(&b->ex);
	a->stats.records_dropped += b->ex.dropped;
	in->counted_segments = b->counted;
	if (trailer) {
		const char *ref = edi_value(trailer, 2, 1);
		uint32_t declared;
		if (parse_u32(edi_value(trailer, 1, 1), &declared)) {
			in->declared_segments = declared;
			if (b->events_lost && b->counted < declared) {
				/* the finding of the loss says why */
			} else if (declared != b->counted) {
				in->segment_count_mismatch = true;
				add_finding(a, b, "%s declares %u segments, counted %u",
					    trailer_name(f->syntax, false, true), declared, b->counted);
			}
		} else {
			add_finding(a, b, "%s segment count unreadable: '%s'",
				    trailer_name(f->syntax, false, true), edi_value(trailer, 1, 1));
		}
		if (strcmp(ref, b->ref) != 0) {
			in->reference_mismatch = true;
			add_finding(a, b, "%s reference '%s' differs from %s '%s'",
				    x12 ? "SE" : "UNT", ref, x12 ? "ST" : "UNH", b->ref);
		}
	} else {
		in->truncated = true;
		add_finding(a, b, "no %s: message truncated (%s)",
			    trailer_name(f->syntax, false, true), why);
	}
	if (in->truncated_segments)
		add_finding(a, b, "%u segments cut at the capture limit of %u bytes",
			    in->truncated_segments, (unsigned)ES_SEG_MAX);
	if (b->kept_over_cap)
		add_finding(a, b, "%u segments not kept (limit of %zu segments or %zu bytes)",
			    b->kept_over_cap, a->opts.max_segments, a->opts.max_memory);
	if (b->ex.dropped)
		add_finding(a, b, "%u extracted values not kept (limits)", b->ex.dropped);
	if (f->in_group)
		f->group_messages++;
	else if (f->in_interchange)
		f->units++;
	hold_or_emit(a, f, b);
}

/* Sets the message counts of the held messages of the group just closed
 * (or of the ungrouped ones at interchange end). lower_bound: a sequence
 * gap fell inside, so messages may have been lost to the sensor; fewer
 * counted than declared is then no finding about the sender's data. */
static void apply_counts(struct assembler *a, struct flow *f, bool group,
			 unsigned group_seq, bool have_declared, uint32_t declared,
			 uint32_t counted, bool lower_bound)
{
	for (struct msg_build *b = f->held_head; b; b = b->next) {
		if (group ? b->group_seq != group_seq : b->group_seq != 0)
			continue;
		Edisensor__V1__Integrity *in = b->msg->integrity;
		in->counted_messages = counted;
		if (!have_declared)
			continue;
		in->declared_messages = declared;
		if (lower_bound && counted < declared) {
			add_finding(a, b, "%s declares %u, counted %u: not a mismatch, a sequence"
				    " gap may have hidden messages",
				    trailer_name(f->syntax, group, false), declared, counted);
		} else if (declared != counted) {
			in->message_count_mismatch = true;
			add_finding(a, b, "%s declares %u %s, counted %u",
				    trailer_name(f->syntax, group, false), declared,
				    group || f->syntax == ES_SYNTAX_X12 ? (group ? "messages" : "groups")
									: "messages/groups",
				    counted);
		}
	}
}

static void release_held(struct assembler *a, struct flow *f, const char *finding)
{
	while (f->held_head) {
		struct msg_build *b = f->held_head;
		f->held_head = b->next;
		f->n_held--;
		a->stats.messages_held--;
		if (finding)
			add_finding(a, b, "%s", finding);
		if (f->interchange_gap && !b->msg->integrity->gap)
			add_finding(a, b, "a sequence gap fell inside the interchange");
		emit(a, b);
	}
	f->held_tail = NULL;
}

/* Back to the state outside any interchange: a message without an
 * envelope is decoded with the defaults, not the last interchange's. */
static void interchange_reset(struct flow *f)
{
	f->in_interchange = false;
	f->in_group = false;
	f->interchange_gap = false;
	f->units_unknown = false;
	f->group_gap = false;
	f->ichg_break = f->group_break = NULL;
	f->ichg_cs = CHARSET_ASCII;
	f->ichg_repetition = false;
	f->isa_nonfixed_len = 0;
}

/* From now on a message may belong to another interchange or group whose
 * header the sensor did not see (lost in a gap, or the sender's stream
 * was cut inside a message and something else follows). Such messages
 * get no interchange/group values unless the trailer confirms them. */
static void note_break(struct flow *f, const char *why)
{
	if (f->in_interchange && f->ichg_break != BREAK_GAP)
		f->ichg_break = why;
	if (f->in_group && f->group_break != BREAK_GAP)
		f->group_break = why;
}

/* Bytes of the flow were lost (sequence gap, or skipped by the kernel's
 * resynchronisation): message counts are lower bounds from now on, and
 * the next message may be of another interchange or group. */
static void flow_lost_bytes(struct flow *f)
{
	if (f->in_interchange)
		f->interchange_gap = true;
	if (f->in_group)
		f->group_gap = true;
	note_break(f, BREAK_GAP);
}

/* The trailer names the interchange (group) the held messages of unknown
 * membership began in: they were in it. */
static void confirm_held(struct assembler *a, struct flow *f, bool group)
{
	for (struct msg_build *b = f->held_head; b; b = b->next) {
		Edisensor__V1__Envelope *e = b->msg->envelope;
		int err;

		if (group ? !b->group_unsure || b->group_seq != f->group_seq : !b->ichg_unsure)
			continue;
		if (group) {
			err = fill_group(&b->arena, e, &f->env, f->syntax == ES_SYNTAX_X12);
			b->group_unsure = NULL;
		} else {
			err = fill_interchange(&b->arena, e, &f->env);
			b->ichg_unsure = NULL;
			b->msg->integrity->missing_envelope = false;
		}
		if (err)
			a->stats.alloc_failures++;
		account(a, b);
	}
}

/* Ends the interchange without its trailer: messages keep what they have. */
static void interchange_abort(struct assembler *a, struct flow *f, const char *why)
{
	char note[FINDING_MAX];

	if (!f->in_interchange)
		return;
	if (f->in_group)
		apply_counts(a, f, true, f->group_seq, false, 0, f->group_messages, false);
	apply_counts(a, f, false, 0, false, 0, f->units, false);
	snprintf(note, sizeof(note), "no %s: interchange not closed (%s)",
		 trailer_name(f->syntax, false, false), why);
	release_held(a, f, note);
	interchange_reset(f);
}

/* ---- service segments ------------------------------------------------- */

static void on_interchange_start(struct assembler *a, struct flow *f,
				 const struct es_event *ev, const struct edi_segment *s)
{
	struct envelope_state *e = &f->env;
	bool x12 = ev->syntax == ES_SYNTAX_X12;

	message_close(a, f, NULL, "next interchange began");
	interchange_abort(a, f, "next interchange began");
	memset(e, 0, sizeof(*e));
	f->in_interchange = true;
	f->ichg_syntax = ev->syntax;
	f->units = 0;
	f->group_seq = 0;
	a->stats.interchanges++;
	if (x12) {
		env_copy(e->sender_qual, edi_value(s, 5, 1));
		env_copy(e->sender_id, edi_value(s, 6, 1));
		env_copy(e->recipient_qual, edi_value(s, 7, 1));
		env_copy(e->recipient_id, edi_value(s, 8, 1));
		env_copy(e->date, edi_value(s, 9, 1));
		env_copy(e->time, edi_value(s, 10, 1));
		env_copy(e->syntax_version, edi_value(s, 12, 1));
		env_copy(e->control_ref, edi_value(s, 13, 1));
		e->test = strcmp(edi_value(s, 15, 1), "T") == 0;
		snprintf(e->syntax_id, sizeof(e->syntax_id), "ISA");
		f->ichg_cs = CHARSET_ASCII;   /* X12 names no character set */
		/* ISA11 is the repetition separator from 00402 on. */
		f->ichg_repetition = strcmp(e->syntax_version, "00402") >= 0;
		f->isa_nonfixed_len = ev->flags & ES_SEGF_ISA_NONFIXED ? ev->seg_len : 0;
		return;
	}
	env_copy(e->syntax_id, edi_value(s, 1, 1));
	env_copy(e->syntax_version, edi_value(s, 1, 2));
	env_copy(e->sender_id, edi_value(s, 2, 1));
	env_copy(e->sender_qual, edi_value(s, 2, 2));
	env_copy(e->recipient_id, edi_value(s, 3, 1));
	env_copy(e->recipient_qual, edi_value(s, 3, 2));
	env_copy(e->date, edi_value(s, 4, 1));
	env_copy(e->time, edi_value(s, 4, 2));
	env_copy(e->control_ref, edi_value(s, 5, 1));
	env_copy(e->application_ref, edi_value(s, 7, 1));
	e->test = strcmp(edi_value(s, 11, 1), "1") == 0;
	f->ichg_cs = charset_from_syntax_id(e->syntax_id);
	/* Syntax 1-3 reserve the repetition position. */
	uint32_t version;
	f->ichg_repetition = parse_u32(e->syntax_version, &version) && version >= 4;
}

static void on_group_start(struct assembler *a, struct flow *f,
			   const struct es_event *ev, const struct edi_segment *s)
{
	struct envelope_state *e = &f->env;
	bool x12 = ev->syntax == ES_SYNTAX_X12;

	if (f->open)
		note_break(f, BREAK_CUT);
	message_close(a, f, NULL, "next group began");
	if (f->in_group)   /* previous group without trailer */
		apply_counts(a, f, true, f->group_seq, false, 0, f->group_messages, false);
	f->in_group = true;
	f->group_unseen = false;
	f->group_break = NULL;
	f->group_gap = false;
	f->group_seq++;
	f->group_messages = 0;
	if (f->in_interchange)
		f->units++;
	env_copy(e->group_id, edi_value(s, 1, 1));
	env_copy(e->group_sender, edi_value(s, 2, 1));
	env_copy(e->group_recipient, edi_value(s, 3, 1));
	if (x12) {
		env_copy(e->group_control_ref, edi_value(s, 6, 1));
		env_copy(e->group_agency, edi_value(s, 7, 1));
		env_copy(e->group_version, edi_value(s, 8, 1));
	} else {
		env_copy(e->group_control_ref, edi_value(s, 5, 1));
	}
}

/*
 * A group trailer outside any group after a gap: the UNG was lost, and
 * the messages held as ungrouped were in it (ISO 9735: all messages of an
 * interchange are in groups, or none is). Their group values stay empty;
 * UNZ's count of groups cannot be checked against units counted per
 * message.
 */
static void lost_group_header(struct assembler *a, struct flow *f)
{
	if (!f->in_interchange || !f->interchange_gap || f->syntax != ES_SYNTAX_EDIFACT)
		return;
	f->units_unknown = true;
	for (struct msg_build *b = f->held_head; b; b = b->next)
		if (b->group_seq == 0)
			add_finding(a, b, "group unknown: UNG not seen (lost in a sequence gap;"
				    " a UNE came without it)");
}

static void on_group_end(struct assembler *a, struct flow *f, const struct edi_segment *s)
{
	uint32_t declared;
	bool have = parse_u32(edi_value(s, 1, 1), &declared);
	const char *ref = edi_value(s, 2, 1);
	char note[FINDING_MAX];

	bool same = strcmp(ref, f->env.group_control_ref) == 0;

	message_close(a, f, NULL, "group trailer came first");
	if (!f->in_group) {
		lost_group_header(a, f);
		return;
	}
	/* After a break the trailer may be another group's: its count and
	 * membership count only when it names this group. */
	if (same || !f->group_break)
		confirm_held(a, f, true);
	else
		have = false;
	apply_counts(a, f, true, f->group_seq, have, declared, f->group_messages, f->group_gap);
	if (!same && !f->group_unseen) {
		snprintf(note, sizeof(note), "%s reference '%s' differs from %s '%s'",
			 trailer_name(f->syntax, true, false), ref,
			 f->syntax == ES_SYNTAX_X12 ? "GS" : "UNG", f->env.group_control_ref);
		for (struct msg_build *b = f->held_head; b; b = b->next)
			if (b->group_seq == f->group_seq)
				add_finding(a, b, "%s", note);
	}
	f->in_group = false;
}

static void on_interchange_end(struct assembler *a, struct flow *f,
			       const struct edi_segment *s)
{
	uint32_t declared;
	bool have = parse_u32(edi_value(s, 1, 1), &declared);
	const char *ref = edi_value(s, 2, 1);
	char note[FINDING_MAX] = "";

	bool same = strcmp(ref, f->env.control_ref) == 0;

	message_close(a, f, NULL, "interchange trailer came first");
	if (!f->in_interchange)
		return;
	if (same || !f->ichg_break)
		confirm_held(a, f, false);
	else
		have = false;   /* maybe another interchange's trailer */
	if (f->in_group) {
		/* The group never got its trailer: counted, nothing declared. */
		apply_counts(a, f, true, f->group_seq, false, 0, f->group_messages, false);
		for (struct msg_build *b = f->held_head; b; b = b->next)
			if (b->group_seq == f->group_seq)
				add_finding(a, b, "no %s: group not closed",
					    trailer_name(f->syntax, true, false));
		f->in_group = false;
	}
	if (f->units_unknown)
		have = false;
	apply_counts(a, f, false, 0, have, declared, f->units, f->interchange_gap);
	if (f->syntax == ES_SYNTAX_X12 || f->group_seq) {
		/* Grouped messages report their group's counts; the
		 * interchange's own count check becomes a finding. */
		if (have && declared != f->units) {
			snprintf(note, sizeof(note), "%s declares %u, counted %u%s",
				 trailer_name(f->syntax, false, false), declared, f->units,
				 f->interchange_gap && f->units < declared
				 ? ": not a mismatch, a sequence gap may have hidden some" : "");
			for (struct msg_build *b = f->held_head; b; b = b->next)
				if (b->group_seq)
					add_finding(a, b, "%s", note);
		}
	}
	if (!same)
		snprintf(note, sizeof(note), "%s reference '%s' differs from %s '%s'",
			 trailer_name(f->syntax, false, false), ref,
			 f->syntax == ES_SYNTAX_X12 ? "ISA" : "UNB", f->env.control_ref);
	else
		note[0] = '\0';
	release_held(a, f, note[0] ? note : NULL);
	interchange_reset(f);
}

/*
 * An X12 message inside an interchange but outside any group: its GS was
 * not seen (lost, or never sent). IEA counts groups, so the messages from
 * here to the next GS/GE count as one group whose values stay empty (a
 * finding names the GS), not as one unit each.
 */
static void open_unseen_group(struct flow *f)
{
	struct envelope_state *e = &f->env;

	f->in_group = true;
	f->group_unseen = true;
	f->group_break = f->interchange_gap ? BREAK_GAP : BREAK_NO_HEADER;
	f->group_gap = f->interchange_gap;
	f->group_seq++;
	f->group_messages = 0;
	f->units++;
	e->group_id[0] = e->group_sender[0] = e->group_recipient[0] = '\0';
	e->group_control_ref[0] = e->group_agency[0] = e->group_version[0] = '\0';
}

static void on_message_start(struct assembler *a, struct flow *f, const struct es_event *ev)
{
	if (f->open)
		note_break(f, BREAK_CUT);
	message_close(a, f, NULL, "next message began");
	if (f->in_interchange && !f->in_group && ev->syntax == ES_SYNTAX_X12 &&
	    f->ichg_syntax == ES_SYNTAX_X12)
		open_unseen_group(f);
	f->open = build_new(a, f, ev, &a->seg);
	if (!f->open) {
		a->stats.alloc_failures++;
		return;
	}
	message_add(a, f, ev);
}

static void on_message_end(struct assembler *a, struct flow *f, const struct es_event *ev)
{
	if (!f->open) {
		a->stats.segments_outside++;
		return;
	}
	message_add(a, f, ev);
	message_close(a, f, &a->seg, NULL);
}

/* ---- flows and events ------------------------------------------------- */

enum seg_role { ROLE_DATA, ROLE_ICHG_START, ROLE_ICHG_END, ROLE_GROUP_START,
		ROLE_GROUP_END, ROLE_MSG_START, ROLE_MSG_END, ROLE_ADVICE };

static enum seg_role role_of(const char *tag)
{
	static const struct { const char *tag; enum seg_role role; } roles[] = {
		{ "UNA", ROLE_ADVICE },
		{ "UNB", ROLE_ICHG_START }, { "ISA", ROLE_ICHG_START },
		{ "UNZ", ROLE_ICHG_END },   { "IEA", ROLE_ICHG_END },
		{ "UNG", ROLE_GROUP_START }, { "GS", ROLE_GROUP_START },
		{ "UNE", ROLE_GROUP_END },  { "GE", ROLE_GROUP_END },
		{ "UNH", ROLE_MSG_START },  { "ST", ROLE_MSG_START },
		{ "UNT", ROLE_MSG_END },    { "SE", ROLE_MSG_END },
	};
	/* Service tags start with U (EDIFACT) or are ISA/IEA/GS/GE/ST/SE. */
	if (tag[0] != 'U' && tag[0] != 'I' && tag[0] != 'G' && tag[0] != 'S')
		return ROLE_DATA;
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (roles[i].tag[1] == tag[1] && strcmp(tag, roles[i].tag) == 0)
			return roles[i].role;   /* second letter first: UN?, G?, S? differ there */
	return ROLE_DATA;
}

static void flow_end(struct assembler *a, struct flow *f, const char *why)
{
	message_close(a, f, NULL, why);
	interchange_abort(a, f, why);
	release_held(a, f, NULL);
}

static void flow_free(struct assembler *a, struct flow *f)
{
	flow_table_remove(&a->flows, &f->fe);
	a->stats.flows_open--;
	free(f);
}

static struct flow *flow_get(struct assembler *a, const struct es_event *ev, bool create)
{
	struct flow_entry *e = flow_table_find(&a->flows, &ev->flow);
	struct flow *f;

	if (e || !create)
		return (struct flow *)e;
	if (a->flows.count >= a->opts.max_flows) {
		struct flow *old = (struct flow *)flow_table_oldest(&a->flows);
		flow_end(a, old, "flow evicted: flow table full");
		flow_free(a, old);
		a->stats.flows_evicted++;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->fe.key = ev->flow;
	f->dir = ev->dir;
	f->hook = ev->hook;
	f->ichg_cs = CHARSET_ASCII;
	format_addrs(f);
	if (a->opts.interface || !if_indextoname(ev->ifindex, f->ifname))
		f->ifname[0] = '\0';
	flow_table_insert(&a->flows, &f->fe);
	a->stats.flows_open++;
	return f;
}

/* How to read the segment: with the separators the kernel found and the
 * character set and repetition rule of the interchange, when the message
 * is known to be in it. Otherwise the text is read leniently (valid UTF-8
 * kept, other bytes as ISO 8859-1), not in the last interchange's set,
 * and without repetitions (syntax version unknown); X12 then has no
 * component separator to split on (the kernel still has the last ISA16;
 * X12 simple elements have no components). */
static void set_decoding(struct flow *f, const struct es_event *ev)
{
	bool known = f->in_interchange &&
		     !(f->open ? f->open->ichg_unsure : f->ichg_break);

	f->syn.seps = ev->seps;
	f->syn.cs = known ? f->ichg_cs : CHARSET_ASCII;
	f->syn.use_repetition = known && f->ichg_repetition;
	if (ev->syntax == ES_SYNTAX_X12 && !known)
		f->syn.seps.component = 0;
}

static void on_segment(struct assembler *a, const struct es_event *ev)
{
	struct flow *f = flow_get(a, ev, true);
	enum seg_role role;

	a->stats.segments++;
	a->stats.segments_skipped += ev->aux;
	if (!f) {
		a->stats.alloc_failures++;
		return;
	}
	if (ev->flags & ES_SEGF_AFTER_GAP)   /* the kernel skipped bytes: lost */
		flow_lost_bytes(f);
	set_decoding(f, ev);
	if (edi_decode_segment(ev->data, ev->data_len, &f->syn, &a->seg)) {
		a->stats.segments_undecodable++;
		return;
	}
	role = role_of(a->seg.tag);
	/* Segments the kernel skipped since the previous forwarded one
	 * belong to the open message (a UNH/ST that cuts it included). */
	if (f->open)
		f->open->counted += ev->aux;
	if (role == ROLE_MSG_START && f->in_interchange && ev->syntax != f->ichg_syntax) {
		/* A message of the other syntax: the interchange is over. */
		message_close(a, f, NULL, "a message of the other syntax began");
		interchange_abort(a, f, "a message of the other syntax began");
	}
	if (role == ROLE_ICHG_START || role == ROLE_MSG_START)
		f->syntax = ev->syntax;
	switch (role) {
	case ROLE_ADVICE:
		break;
	case ROLE_ICHG_START:
		on_interchange_start(a, f, ev, &a->seg);
		break;
	case ROLE_ICHG_END:
		on_interchange_end(a, f, &a->seg);
		break;
	case ROLE_GROUP_START:
		on_group_start(a, f, ev, &a->seg);
		break;
	case ROLE_GROUP_END:
		on_group_end(a, f, &a->seg);
		break;
	case ROLE_MSG_START:
		on_message_start(a, f, ev);
		break;
	case ROLE_MSG_END:
		on_message_end(a, f, ev);
		break;
	case ROLE_DATA:
		if (f->open)
			message_add(a, f, ev);
		else
			a->stats.segments_outside++;
		break;
	}
}

/* Segments the kernel did not forward after the open message's last
 * forwarded one, reported by a GAP or FLOW_END (edisensor.h): no later
 * segment of the message will report them. */
static void count_trailing_skipped(struct assembler *a, struct flow *f,
				   const struct es_event *ev)
{
	a->stats.segments_skipped += ev->seg_len;
	if (f && f->open)
		f->open->counted += ev->seg_len;
}

static void on_gap(struct assembler *a, const struct es_event *ev)
{
	struct flow *f = flow_get(a, ev, false);

	a->stats.gaps++;
	count_trailing_skipped(a, f, ev);
	if (f) {
		if (f->open && !f->open->msg->integrity->gap) {
			f->open->msg->integrity->gap = true;
			add_finding(a, f->open, "sequence gap of %u bytes inside the message",
				    ev->aux);
		}
		flow_lost_bytes(f);
	}
	if (a->opts.on_gap) {
		static const Edisensor__V1__Gap init = EDISENSOR__V1__GAP__INIT;
		Edisensor__V1__Gap gap = init;
		struct arena ar = { 0 };
		struct flow tmp = { .fe.key = ev->flow, .dir = ev->dir, .hook = ev->hook };

		format_addrs(&tmp);
		if (!a->opts.interface && !if_indextoname(ev->ifindex, tmp.ifname))
			tmp.ifname[0] = '\0';
		gap.flow = make_flow(a, &ar, &tmp);
		gap.stream_offset = ev->stream_off;
		gap.missing_bytes = ev->aux;
		gap.time_ns = ev->ts_ns + (uint64_t)a->opts.clock_offset_ns;
		if (gap.flow)
			a->opts.on_gap(a->ctx, &gap);
		else
			a->stats.alloc_failures++;
		arena_reset(&ar);
	}
}

/* Events of the flow were lost (its open message may lack segments): like
 * a gap for the flow, and the message says why. */
static void flow_events_lost(struct assembler *a, struct flow *f, const char *why)
{
	flow_lost_bytes(f);
	if (f->open && !f->open->events_lost) {
		f->open->events_lost = true;
		add_finding(a, f->open, "events lost while the message was open (%s):"
			    " segments may be missing", why);
	}
}

int assembler_feed(struct assembler *a, const struct es_event *ev, size_t len)
{
	a->stats.events++;
	if (len < ES_EVENT_HDR_LEN ||
	    (ev->type == ES_EV_SEGMENT &&
	     (ev->data_len > ES_SEG_MAX || len < ES_EVENT_HDR_LEN + ev->data_len))) {
		a->stats.bad_events++;
		return -EINVAL;
	}
	if (ev->flags & ES_SEGF_EVENTS_LOST) {
		/* the kernel lost events of this direction before this one:
		 * they belong to the state before it (any event type) */
		struct flow *f = flow_get(a, ev, false);

		a->stats.loss_marks++;
		if (f)
			flow_events_lost(a, f, "ring buffer full");
	}
	switch (ev->type) {
	case ES_EV_SEGMENT:
		on_segment(a, ev);
		return 0;
	case ES_EV_GAP:
		on_gap(a, ev);
		return 0;
	case ES_EV_B64:
		/* base64 text: decoded and scanned by b64_body.c, whose segments
		 * come here; only its loss mark (above) is the assembler's, and
		 * the end of a decoded body (ES_SEGF_BASE64) its segments not
		 * forwarded at the end */
		if (ev->flags & ES_SEGF_BASE64)
			count_trailing_skipped(a, flow_get(a, ev, false), ev);
		return 0;
	case ES_EV_FLOW_END: {
		struct flow *f = flow_get(a, ev, false);
		a->stats.flow_ends++;
		count_trailing_skipped(a, f, ev);
		if (f) {
			flow_end(a, f, ev->aux == ES_END_RST ? "connection reset"
							     : "connection closed");
			flow_free(a, f);
		}
		return 0;
	}
	default:
		a->stats.bad_events++;
		return -EINVAL;
	}
}

void assembler_note_loss(struct assembler *a, const char *why)
{
	for (struct flow_entry *e = a->flows.oldest; e; e = e->newer)
		flow_events_lost(a, (struct flow *)e, why);
}

void assembler_flush(struct assembler *a)
{
	struct flow_entry *e;

	while ((e = flow_table_oldest(&a->flows)) != NULL) {
		flow_end(a, (struct flow *)e, "end of capture");
		flow_free(a, (struct flow *)e);
	}
}

struct assembler *assembler_new(const struct assembler_opts *opts,
				assembler_message_cb on_message, void *ctx)
{
	struct assembler *a;

	if (!on_message)
		return NULL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	if (opts)
		a->opts = *opts;
	if (!a->opts.max_flows)
		a->opts.max_flows = 16384;
	if (!a->opts.max_segments)
		a->opts.max_segments = 4096;
	if (!a->opts.max_held)
		a->opts.max_held = 256;
	if (!a->opts.max_memory)
		a->opts.max_memory = (size_t)256 << 20;
	a->on_message = on_message;
	a->ctx = ctx;
	if (flow_table_init(&a->flows, a->opts.max_flows)) {
		free(a);
		return NULL;
	}
	return a;
}

const struct assembler_stats *assembler_stats(const struct assembler *a)
{
	return &a->stats;
}

void assembler_free(struct assembler *a)
{
	struct flow_entry *e;

	if (!a)
		return;
	while ((e = flow_table_oldest(&a->flows)) != NULL) {
		struct flow *f = (struct flow *)e;
		build_free(a, f->open);
		while (f->held_head) {
			struct msg_build *b = f->held_head;
			f->held_head = b->next;
			build_free(a, b);
		}
		flow_free(a, f);
	}
	flow_table_fini(&a->flows);
	free(a);
}
