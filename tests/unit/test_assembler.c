/* Assembler robustness: missing envelope, truncation, gaps, flow end,
 * interleaved flows, limits, bad events, charsets, X12 groups. Event
 * streams are built here from hand-written EDI text. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "assembler.h"
#include "edi_decode.h"
#include "sample_events.h"

static struct collected got;
static struct ev_list evs;

static void add(const struct es_flow_key *k, const char *text)
{
	split_edi(&evs, k, (const uint8_t *)text, strlen(text), 0);
}

/* One raw EDIFACT segment event, default separators. */
static void add_seg(const struct es_flow_key *k, const char *text)
{
	static const struct es_seps seps = { .component = ':', .element = '+',
		.decimal = '.', .release = '?', .repetition = ' ', .terminator = '\'' };
	ev_segment(&evs, k, (const uint8_t *)text, strlen(text), 0, &seps, ES_SYNTAX_EDIFACT);
}

static void add_gap(const struct es_flow_key *k, uint32_t missing)
{
	struct es_event *e = ev_push(&evs);
	e->type = ES_EV_GAP;
	e->flow = *k;
	e->aux = missing;
	e->stream_off = 5000;
}

static void add_end(const struct es_flow_key *k)
{
	struct es_event *e = ev_push(&evs);
	e->type = ES_EV_FLOW_END;
	e->flow = *k;
	e->aux = ES_END_FIN;
}

static struct assembler *make(struct assembler_opts *o)
{
	struct assembler_opts def = { .interface = "replay", .on_gap = collect_gap };
	struct assembler *a = assembler_new(o ? o : &def, collect_message, &got);
	assert_non_null(a);
	return a;
}

static int setup(void **state)
{
	(void)state;
	memset(&got, 0, sizeof(got));
	memset(&evs, 0, sizeof(evs));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	collected_free(&got);
	free(evs.ev);
	return 0;
}

static void test_missing_envelope_emitted_at_unt(void **state)
{
	struct es_flow_key k;
	(void)state;
	test_flow_key(&k, 2, 1000);
	add(&k, "UNH+7+CUSCAR:D:95B:UN'NAD+CN+++ACME'UNT+3+7'");
	struct assembler *a = make(NULL);
	feed_all(a, &evs);
	/* No interchange to wait for: out at UNT, before any flush. */
	assert_int_equal(got.n, 1);
	const Edisensor__V1__Message *m = got.msg[0];
	assert_true(m->integrity->missing_envelope);
	assert_false(m->integrity->truncated);
	assert_int_equal(m->integrity->counted_segments, 3);
	assert_non_null(find_party(m, "CN", "ACME"));
	assert_int_equal(assembler_stats(a)->messages_no_envelope, 1);
	assert_false(has_finding(m, "mid-stream"));
	/* The same on a flow the kernel first saw without its SYN. */
	evs.n = 0;
	add(&k, "UNH+8+CUSCAR:D:95B:UN'UNT+2+8'");
	for (size_t i = 0; i < evs.n; i++)
		evs.ev[i].flags |= ES_SEGF_MIDSTREAM;
	feed_all(a, &evs);
	assert_int_equal(got.n, 2);
	assert_true(got.msg[1]->integrity->missing_envelope);
	assert_true(has_finding(got.msg[1], "flow first seen mid-stream"));
	assembler_free(a);
}

static void test_truncated_by_next_message_and_flush(void **state)
{
	struct es_flow_key k;
	(void)state;
	test_flow_key(&k, 2, 1000);
	add(&k, "UNB+UNOA:2+S+R+200101:1200+42'UNH+1+CUSCAR:D:95B:UN'RFF+BM:B1'"
		"UNH+2+CUSCAR:D:95B:UN'RFF+BM:B2'");
	struct assembler *a = make(NULL);
	feed_all(a, &evs);
	assert_int_equal(got.n, 0);          /* held for UNZ */
	assert_true(assembler_stats(a)->memory_bytes > 0);
	assembler_flush(a);
	assert_int_equal(assembler_stats(a)->memory_bytes, 0);
	assert_int_equal(got.n, 2);
	for (int i = 0; i < 2; i++) {
		const Edisensor__V1__Message *m = got.msg[i];
		assert_true(m->integrity->truncated);
		assert_int_equal(m->integrity->counted_segments, 2);
		assert_true(has_finding(m, "no UNT"));
		assert_true(has_finding(m, "no UNZ"));
	}
	/* UNH 2 followed a message cut without UNT and no UNZ confirmed it:
	 * it may be a bare message after a truncated interchange, so it
	 * carries no interchange values (test_assembler_loss.c). */
	assert_string_equal(got.msg[0]->envelope->control_ref, "42");
	assert_string_equal(got.msg[1]->envelope->control_ref, "");
	assert_true(got.msg[1]->integrity->missing_envelope);
	assert_true(has_finding(got.msg[1], "interchange unknown"));
	assert_true(has_reference(got.msg[0], "BM", "B1"));
	assert_true(has_reference(got.msg[1], "BM", "B2"));
	assert_true(has_finding(got.msg[0], "next message began"));
	assert_true(has_finding(got.msg[1], "end of capture"));
	assert_int_equal(assembler_stats(a)->messages_truncated, 2);
	assert_int_equal(assembler_stats(a)->flows_open, 0);
	assembler_free(a);
}

static void test_gap_marks_message_and_is_reported(void **state)
{
	struct es_flow_key k;
	(void)state;
	test_flow_key(&k, 2, 1000);
	add(&k, "UNB+UNOA:2+S+R+200101:1200+42'UNH+1+CUSCAR:D:95B:UN'NAD+CZ+++SHIPPER'");
	add_gap(&k, 1234);
	add(&k, "UNH+2+CUSCAR:D:95B:UN'NAD+CN+++CONSIGNEE'UNT+3+2'UNZ+2+42'");
	struct assembler *a = make(NULL);
	feed_all(a, &evs);
	assert_int_equal(got.gaps, 1);
	assert_int_equal(got.n, 2);
	const Edisensor__V1__Message *m = got.msg[0];
	assert_true(m->integrity->gap);
	assert_true(m->integrity->truncated);
	assert_true(has_finding(m, "gap of 1234 bytes"));
	assert_non_null(find_party(m, "CZ", "SHIPPER"));
	m = got.msg[1];
	assert_false(m->integrity->gap);
	assert_false(m->integrity->truncated);
	assert_true(has_finding(m, "gap fell inside the interchange"));
	assert_int_equal(m->integrity->declared_messages, 2);
	assert_int_equal(m->integrity->counted_messages, 2);
	assert_int_equal(assembler_stats(a)->gaps, 1);
	assembler_free(a);
}

static void test_flow_end_emits(void **state)
{
	struct es_flow_key k;
	(void)state;
	test_flow_key(&k, 2, 1000);
	add(&k, "UNB+UNOA:2+S+R+200101:1200+42'UNH+1+IFTSTA:D:00B:UN'RFF+BN:X'UNT+3+1'");
	add_end(&k);
	struct assembler *a = make(NULL);
	feed_all(a, &evs);
	assert_int_equal(got.n, 1);
	assert_false(got.msg[0]->integrity->truncated);
	assert_true(has_finding(got.msg[0], "connection closed"));
	assert_int_equal(assembler_stats(a)->flows_open, 0);
	assembler_free(a);
}

static void test_interleaved_flows(void **state)
{
	struct es_flow_key k1, k2;
	struct ev_list a1 = { 0 }, a2 = { 0 };
	(void)state;
	test_flow_key(&k1, 2, 1000);
	test_flow_key(&k2, 3, 2000);
	const char *t1 = "UNB+UNOA:2+SENDER1+R+200101:1200+1'UNH+1+CUSCAR:D:95B:UN'"
			 "NAD+CN+++ONE'EQD+CN+CSQU3054383'UNT+4+1'UNZ+1+1'";
	const char *t2 = "ISA*00*          *00*          *ZZ*SENDER2        *ZZ*R              "
			 "*230607*1940*U*00401*000000002*0*T*>~GS*SO*S*R*20230607*1940*9*X*004010~"
			 "ST*309*0001~N1*CN*TWO~SE*3*0001~GE*1*9~IEA*1*000000002~";
	split_edi(&a1, &k1, (const uint8_t *)t1, strlen(t1), 0);
	split_edi(&a2, &k2, (const uint8_t *)t2, strlen(t2), 0);
	/* Alternate one event of each flow. */
	for (size_t i = 0; i < a1.n || i < a2.n; i++) {
		if (i < a1.n)
			*ev_push(&evs) = a1.ev[i];
		if (i < a2.n)
			*ev_push(&evs) = a2.ev[i];
	}
	free(a1.ev);
	free(a2.ev);
	struct assembler *a = make(NULL);
	feed_all(a, &evs);
	assert_int_equal(got.n, 2);
	for (size_t i = 0; i < 2; i++) {
		const Edisensor__V1__Message *m = got.msg[i];
		bool x12 = m->syntax == EDISENSOR__V1__SYNTAX__SYNTAX_X12;
		assert_string_equal(m->envelope->sender_id, x12 ? "SENDER2" : "SENDER1");
		assert_non_null(find_party(m, "CN", x12 ? "TWO" : "ONE"));
		assert_int_equal(m->n_parties, 1);
		assert_string_equal(m->flow->src_ip, x12 ? "127.0.0.3" : "127.0.0.2");
		assert_int_equal(m->flow->src_port, x12 ? 2000 : 1000);
		assert_int_equal(m->flow->dst_port, 3305);
		assert_string_equal(m->flow->interface, "replay");
		assert_string_equal(m->flow->hook, "xdp");
		assert_int_equal(m->flow->direction, EDISENSOR__V1__DIRECTION__DIRECTION_TO_SERVER);
		assert_false(m->integrity->segment_count_mismatch);
		if (x12)
			assert_true(m->envelope->test);       /* ISA15 T */
		else
			assert_non_null(find_equipment(m, "CSQU3054383"));
	}
	assembler_free(a);
}

static void test_ipv6_flow_and_evidence(void **state)
{
	struct es_flow_key k;
	(void)state;
	memset(&k, 0, sizeof(k));
	k.family = 6;
	k.saddr[15] = 1;
	k.daddr[15] = 1;
	k.sport = 5;
	k.dport = 6;
	add(&k, "UNH+1+CUSCAR:D:95B:UN'BGM+85'NAD+CN+++ACME'UNT+4+1'");
	struct assembler *a = make(NULL);
	feed_all(a, &evs);
	assert_int_equal(got.n, 1);
	const Edisensor__V1__Message *m = got.msg[0];
	assert_string_equal(m->flow->src_ip, "::1");
	assert_int_equal(m->flow->ip_version, 6);
	assert_int_equal(m->n_segments, 4);
	const Edisensor__V1__Party *p = m->parties[0];
	assert_int_equal(p->n_evidence, 1);
	assert_string_equal(m->segments[p->evidence[0]]->tag, "NAD");
	assert_string_equal(m->segments[p->evidence[0]]->text, "NAD+CN+++ACME");
	assert_int_equal(m->stream_offset, 0);
	assert_int_equal(m->segments[2]->stream_offset, strlen("UNH+1+CUSCAR:D:95B:UN'BGM+85'"));
	assembler_free(a);
}

static void test_flow_limit_evicts_oldest(void **state)
{
	struct es_flow_key k[3];
	struct assembler_opts o = { .max_flows = 2, .interface = "replay" };
	(void)state;
	for (int i = 0; i < 3; i++) {
		test_flow_key(&k[i], (uint8_t)(10 + i), 1000);
		add(&k[i], "UNH+1+CUSCAR:D:95B:UN'RFF+BM:X'");
	}
	struct assembler *a = make(&o);
	feed_all(a, &evs);
	assert_int_equal(got.n, 1);              /* the first flow, evicted */
	assert_true(got.msg[0]->integrity->truncated);
	assert_true(has_finding(got.msg[0], "flow table full"));
	assert_string_equal(got.msg[0]->flow->src_ip, "127.0.0.10");
	assert_int_equal(assembler_stats(a)->flows_evicted, 1);
	assert_int_equal(assembler_stats(a)->flows_open, 2);
	assembler_flush(a);
	assert_int_equal(got.n, 3);
	assembler_free(a);
}

static void test_segment_and_hold_limits(void **state)
{
	struct es_flow_key k;
	struct assembler_opts o = { .max_segments = 3, .max_held = 1, .interface = "x" };
	(void)state;
	test_flow_key(&k, 2, 1000);
	add(&k, "UNB+UNOA:2+S+R+200101:1200+42'"
		"UNH+1+CUSCAR:D:95B:UN'RFF+BM:A'RFF+BM:B'RFF+BM:C'RFF+BM:D'UNT+6+1'"
		"UNH+2+CUSCAR:D:95B:UN'UNT+2+2'UNZ+2+42'");
	struct assembler *a = make(&o);
	feed_all(a, &evs);
	assert_int_equal(got.n, 2);
	const Edisensor__V1__Message *m = got.msg[0];
	assert_int_equal(m->n_segments, 3);
	assert_int_equal(m->integrity->counted_segments, 6);
	assert_false(m->integrity->segment_count_mismatch);
	assert_true(has_finding(m, "segments not kept"));
	assert_true(has_finding(m, "hold limit"));
	assert_int_equal(m->integrity->declared_messages, 0);    /* left before UNZ */
	assert_int_equal(got.msg[1]->integrity->declared_messages, 2);
	assert_int_equal(assembler_stats(a)->messages_early, 1);
	assert_int_equal(assembler_stats(a)->segments_over_cap, 3);
	assembler_free(a);
}

static void test_memory_limit(void **state)
{
	struct es_flow_key k;
	struct assembler_opts o = { .max_memory = 1, .interface = "x" };
	(void)state;
	test_flow_key(&k, 2, 1000);
	add(&k, "UNB+UNOA:2+S+R+200101:1200+42'"
		"UNH+1+CUSCAR:D:95B:UN'RFF+BM:A'RFF+BM:B'UNT+4+1'UNZ+1+42'");
	struct assembler *a = make(&o);
	feed_all(a, &evs);
	assert_int_equal(got.n, 1);
	const Edisensor__V1__Message *m = got.msg[0];
	/* Over the budget from the start: counted, nothing kept, not held. */
	assert_int_equal(m->n_segments, 0);
	assert_int_equal(m->integrity->counted_segments, 4);
	assert_false(m->integrity->segment_count_mismatch);
	assert_true(has_finding(m, "memory limit"));
	assert_int_equal(assembler_stats(a)->messages_early, 1);
	assert_int_equal(assembler_stats(a)->memory_bytes, 0);   /* all released */
	assembler_free(a);
}

static void test_truncated_segment_and_skipped_count(void **state)
{
	struct es_flow_key k;
	char big[ES_SEG_MAX + 100];
	(void)state;
	test_flow_key(&k, 2, 1000);
	memset(big, 'A', sizeof(big));
	memcpy(big, "FTX+AAA+++", 10);
	big[sizeof(big) - 1] = '\0';
	add_seg(&k, "UNH+1+IFTMIN:D:99B:UN'");
	add_seg(&k, big);
	add_seg(&k, "UNT+6+1'");
	/* The kernel forwarded UNT after skipping 3 segments. */
	evs.ev[evs.n - 1].aux = 3;
	struct assembler *a = make(NULL);
	feed_all(a, &evs);
	assert_int_equal(got.n, 1);
	const Edisensor__V1__Message *m = got.msg[0];
	assert_int_equal(m->integrity->truncated_segments, 1);
	assert_true(m->segments[1]->truncated);
	assert_true(has_finding(m, "cut at the capture limit"));
	assert_int_equal(m->integrity->counted_segments, 6);
	assert_false(m->integrity->segment_count_mismatch);
	assert_int_equal(assembler_stats(a)->segments_skipped, 3);
	assembler_free(a);
}

static void test_bad_events(void **state)
{
	struct es_event e = { 0 };
	(void)state;
	struct assembler *a = make(NULL);
	assert_int_equal(assembler_feed(a, &e, 4), -EINVAL);
	e.type = ES_EV_SEGMENT;
	e.data_len = 100;
	assert_int_equal(assembler_feed(a, &e, ES_EVENT_HDR_LEN + 10), -EINVAL);
	e.data_len = ES_SEG_MAX + 1;
	assert_int_equal(assembler_feed(a, &e, sizeof(e)), -EINVAL);
	e.type = 99;
	e.data_len = 0;
	assert_int_equal(assembler_feed(a, &e, ES_EVENT_HDR_LEN), -EINVAL);
	assert_int_equal(assembler_stats(a)->bad_events, 4);
	/* A segment without a tag, UNT without UNH: counted, no record. */
	struct es_flow_key k;
	test_flow_key(&k, 2, 1000);
	add_seg(&k, "+NOTAG'");
	add_seg(&k, "UNT+2+1'");
	feed_all(a, &evs);
	assert_int_equal(got.n, 0);
	assert_int_equal(assembler_stats(a)->segments_outside, 1);
	assert_int_equal(assembler_stats(a)->segments_undecodable, 1);
	assert_null(assembler_new(NULL, NULL, NULL));
	assembler_free(a);
	assembler_free(NULL);
}

static void test_charsets_from_unb(void **state)
{
	struct es_flow_key k;
	(void)state;
	test_flow_key(&k, 2, 1000);
	/* UNOD: "ŁÓDŹ" in ISO 8859-2; UNOE: "МОСКВА" in ISO 8859-5 */
	add(&k, "UNB+UNOD:3+S+R+200101:1200+1'UNH+1+CUSCAR:D:95B:UN'"
		"NAD+CN+++\xA3\xD3" "D\xAC'UNT+3+1'UNZ+1+1'"
		"UNB+UNOE:3+S+R+200101:1200+2'UNH+1+CUSCAR:D:95B:UN'"
		"NAD+CN+++\xBC\xBE\xC1\xBA\xB2\xB0'UNT+3+1'UNZ+1+2'");
	struct assembler *a = make(NULL);
	feed_all(a, &evs);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.msg[0]->envelope->charset, "ISO-8859-2");
	assert_non_null(find_party(got.msg[0], "CN", "\xC5\x81\xC3\x93" "D\xC5\xB9"));
	assert_string_equal(got.msg[0]->segments[1]->text,
			    "NAD+CN+++\xC5\x81\xC3\x93" "D\xC5\xB9");
	assert_string_equal(got.msg[1]->envelope->charset, "ISO-8859-5");
	assert_non_null(find_party(got.msg[1], "CN",
				   "\xD0\x9C\xD0\x9E\xD0\xA1\xD0\x9A\xD0\x92\xD0\x90"));

	/* After the UNOE interchange: an X12 one and a bare message are not
	 * decoded as ISO 8859-5 (byte 0xC1 would become a Cyrillic letter). */
	evs.n = 0;
	collected_free(&got);
	add(&k, "ISA*00*          *00*          *ZZ*S              *ZZ*R              "
		"*230607*1940*U*00401*000000007*0*P*>~GS*SO*S*R*20230607*1940*1*X*004010~"
		"ST*309*1~N1*CN*\xC1~SE*3*1~GE*1*1~IEA*1*000000007~");
	add(&k, "UNH+9+CUSCAR:D:95B:UN'NAD+CN+++\xC1'UNT+3+9'");
	feed_all(a, &evs);   /* same assembler, same flow */
	assert_int_equal(got.n, 2);
	assert_non_null(find_party(got.msg[0], "CN", "\xC3\x81"));   /* Latin-1 fallback */
	assert_non_null(find_party(got.msg[1], "CN", "\xC3\x81"));
	assembler_free(a);
}

static void test_x12_repetition_separator(void **state)
{
	struct es_flow_key k;
	(void)state;
	test_flow_key(&k, 2, 1000);
	/* ISA11 '^' is the repetition separator from version 00402 on... */
	add(&k, "ISA*00*          *00*          *ZZ*S              *ZZ*R              "
		"*230607*1940*^*00403*000000007*0*P*>~GS*QO*S*R*20230607*1940*1*X*004030~"
		"ST*315*1~N9*BM*BL1^BL2~SE*3*1~GE*1*1~IEA*1*000000007~");
	/* ...and before that ISA11 is the standards id 'U' and '^' is data. */
	add(&k, "ISA*00*          *00*          *ZZ*S              *ZZ*R              "
		"*230607*1940*U*00401*000000008*0*P*>~GS*QO*S*R*20230607*1940*2*X*004010~"
		"ST*315*2~N9*BM*BL1^BL2~SE*3*2~GE*1*2~IEA*1*000000008~");
	struct assembler *a = make(NULL);
	feed_all(a, &evs);
	assert_int_equal(got.n, 2);
	assert_true(has_reference(got.msg[0], "BM", "BL1"));
	assert_true(has_reference(got.msg[1], "BM", "BL1^BL2"));
	assembler_free(a);
}

/* An ISA whose fields are not padded to their fixed widths: the scanner
 * finds the separators by counting elements (ES_SEGF_ISA_NONFIXED), and
 * the record says so (DOMAIN.md: "... instead, and say so"); a padded ISA
 * gets no such finding. */
static void test_x12_isa_not_fixed_said(void **state)
{
	struct es_flow_key k;
	(void)state;
	test_flow_key(&k, 2, 1000);
	add(&k, "ISA*00*          *00*          *ZZ*SENDER*ZZ*RECV"
		"*230607*1940*U*00401*000000007*0*P*>~GS*QO*S*R*20230607*1940*1*X*004010~"
		"ST*315*1~N9*BM*BL1~SE*3*1~GE*1*1~IEA*1*000000007~");
	add(&k, "ISA*00*          *00*          *ZZ*S              *ZZ*R              "
		"*230607*1940*U*00401*000000008*0*P*>~GS*QO*S*R*20230607*1940*2*X*004010~"
		"ST*315*2~N9*BM*BL2~SE*3*2~GE*1*2~IEA*1*000000008~");
	struct assembler *a = make(NULL);
	feed_all(a, &evs);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.msg[0]->envelope->sender_id, "SENDER");
	assert_true(has_finding(got.msg[0], "ISA is 86 bytes, not 106"));
	assert_false(has_finding(got.msg[1], "ISA"));
	assembler_free(a);
}

/* ---- property test: mutated samples ---------------------------------- */

static void need_samples(void)
{
	if (!samples_dir()) {
		printf("SKIPPED: samples folder ../shared/samples absent\n");
		skip();
	}
}

static uint8_t *sample_bytes(const char *name, size_t *len)
{
	char path[4600];
	snprintf(path, sizeof(path), "%s/%s", samples_dir(), name);
	uint8_t *buf = read_file(path, len);
	assert_non_null(buf);
	return buf;
}

static bool utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 :
			(*p & 0xF8) == 0xF0 ? 3 : -1;
		if (n < 0 || (n == 1 && *p < 0xC2))
			return false;
		p++;
		for (int i = 0; i < n; i++, p++)
			if ((*p & 0xC0) != 0x80)
				return false;
	}
	return true;
}

/* Every string anywhere in the record is valid UTF-8 (reflection walk). */
static void check_strings(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *base = (const char *)m + f->offset;
		size_t n = 1;
		const void *const *items = (const void *const *)base;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			n = *(const size_t *)((const char *)m + f->quantifier_offset);
			items = *(const void *const *const *)base;
		}
		for (size_t k = 0; k < n; k++) {
			if (f->type == PROTOBUF_C_TYPE_STRING && items[k])
				assert_true(utf8_ok(items[k]));
			else if (f->type == PROTOBUF_C_TYPE_MESSAGE && items[k])
				check_strings(items[k]);
		}
	}
}

static void check_evidence(const Edisensor__V1__Message *m)
{
	for (size_t i = 0; i < m->n_parties; i++)
		for (size_t j = 0; j < m->parties[i]->n_evidence; j++)
			assert_true(m->parties[i]->evidence[j] < m->n_segments);
	for (size_t i = 0; i < m->n_equipment; i++)
		for (size_t j = 0; j < m->equipment[i]->n_evidence; j++)
			assert_true(m->equipment[i]->evidence[j] < m->n_segments);
	for (size_t i = 0; i < m->n_goods; i++)
		for (size_t j = 0; j < m->goods[i]->n_evidence; j++)
			assert_true(m->goods[i]->evidence[j] < m->n_segments);
}

/* Each sample, cut and mutated at random (fixed seed): no crash, every
 * message header fed gives exactly one record, records are valid UTF-8 and
 * their evidence indices point at kept segments. */
static void test_mutated_samples(void **state)
{
	static const char *const names[] = {
		"edifact_COARRI_D95B_2msg.edi", "edifact_COPRAR_D95B_release_noUNB.edi",
		"edifact_PAORES_release_chars.edi", "edifact_UNG_groups_synthetic.edi",
		"edifact_IFTSTA_D00B.edi", "x12_309_004010_CBP_manifest.x12",
		"x12_310_004010_freight_receipt.x12", "x12_322_004010_nonfixed_ISA.x12",
	};
	uint32_t seed = 12345;
	(void)state;
	need_samples();
	for (size_t s = 0; s < sizeof(names) / sizeof(names[0]); s++) {
		size_t len = 0;
		uint8_t *orig = sample_bytes(names[s], &len);
		for (int round = 0; round < 250; round++) {
			uint8_t *buf = malloc(len);
			size_t n = len;
			memcpy(buf, orig, len);
			for (int k = 0; k < 1 + round % 8; k++) {
				seed = seed * 1103515245u + 12345u;
				size_t at = (seed >> 8) % len;
				static const uint8_t pick[] = "'+:?~*\n\xFC\xC3\x80UNHST";
				buf[at] = (seed & 1) ? pick[(seed >> 4) % (sizeof(pick) - 1)]
						     : (uint8_t)(seed >> 16);
			}
			if (round % 3 == 0)
				n = (seed >> 3) % len + 1;        /* cut short */
			struct es_flow_key k;
			struct ev_list l = { 0 };
			struct collected c = { 0 };
			test_flow_key(&k, 2, 1000);
			split_edi_mss(&l, &k, buf, n, 0, 1 + seed % 600);
			size_t headers = 0;
			for (size_t i = 0; i < l.n; i++) {
				char tag[EDI_TAG_MAX + 1];
				edi_peek_tag(l.ev[i].data, l.ev[i].data_len, l.ev[i].seps.element,
					     l.ev[i].seps.terminator, tag);
				headers += !strcmp(tag, "UNH") || !strcmp(tag, "ST");
			}
			struct assembler_opts o = { .interface = "x", .max_segments = 64 };
			struct assembler *a = assembler_new(&o, collect_message, &c);
			feed_all(a, &l);
			assembler_flush(a);
			assert_int_equal(c.n, headers);
			assert_int_equal(assembler_stats(a)->memory_bytes, 0);
			for (size_t i = 0; i < c.n; i++) {
				check_strings(&c.msg[i]->base);
				check_evidence(c.msg[i]);
			}
			assembler_free(a);
			collected_free(&c);
			free(l.ev);
			free(buf);
		}
		free(orig);
	}
}

/* With a tag map, the kernel forwards few segments but says how many it
 * skipped: counts, integrity and extraction match the forward-all run. */
static void test_counts_with_tag_map(void **state)
{
	static const char *const names[] = {
		"edifact_BAPLIE_D95B_SMDG20.edi", "edifact_COARRI_D95B_2msg.edi",
		"edifact_INVOIC_colon_at_end_v1.edi", "x12_310_004010_freight_receipt.x12",
	};
	static const char *const tags[] = { "NAD", "EQD", "N1", "N7", NULL };
	(void)state;
	need_samples();
	for (size_t s = 0; s < sizeof(names) / sizeof(names[0]); s++) {
		size_t len = 0;
		uint8_t *buf = sample_bytes(names[s], &len);
		struct collected all = { 0 }, few = { 0 };
		for (int pass = 0; pass < 2; pass++) {
			struct es_flow_key k;
			struct ev_list l = { 0 };
			test_flow_key(&k, 2, 1000);
			split_edi_tags(&l, &k, buf, len, 0, 100, pass ? tags : NULL);
			struct assembler *a = assembler_new(&(struct assembler_opts){ .interface = "x" },
							    collect_message, pass ? &few : &all);
			feed_all(a, &l);
			assembler_flush(a);
			assembler_free(a);
			free(l.ev);
		}
		assert_int_equal(few.n, all.n);
		for (size_t i = 0; i < all.n; i++) {
			const Edisensor__V1__Integrity *x = all.msg[i]->integrity, *y = few.msg[i]->integrity;
			assert_int_equal(y->counted_segments, x->counted_segments);
			assert_int_equal(y->declared_segments, x->declared_segments);
			assert_int_equal(y->segment_count_mismatch, x->segment_count_mismatch);
			assert_true(few.msg[i]->n_segments < all.msg[i]->n_segments);
			assert_int_equal(few.msg[i]->n_parties, all.msg[i]->n_parties);
			assert_int_equal(few.msg[i]->n_equipment, all.msg[i]->n_equipment);
			assert_int_equal(few.msg[i]->n_references, 0);
		}
		collected_free(&all);
		collected_free(&few);
		free(buf);
	}
}

static void test_x12_group_counts(void **state)
{
	struct es_flow_key k;
	(void)state;
	test_flow_key(&k, 2, 1000);
	add(&k, "ISA*00*          *00*          *ZZ*S              *ZZ*R              "
		"*230607*1940*U*00401*000000007*0*P*>~"
		"GS*SO*S*R*20230607*1940*1*X*004010~ST*309*1~SE*2*1~ST*309*2~SE*2*2~GE*3*1~"
		"GS*QO*S*R*20230607*1940*2*X*004010~ST*315*3~SE*2*3~GE*1*2~"
		"IEA*3*000000007~");
	struct assembler *a = make(NULL);
	feed_all(a, &evs);
	assert_int_equal(got.n, 3);
	const Edisensor__V1__Message *m = got.msg[0];
	assert_string_equal(m->envelope->group_id, "SO");
	assert_int_equal(m->integrity->declared_messages, 3);
	assert_int_equal(m->integrity->counted_messages, 2);
	assert_true(m->integrity->message_count_mismatch);
	assert_true(has_finding(m, "GE declares 3"));
	assert_true(has_finding(m, "IEA declares 3, counted 2"));
	m = got.msg[2];
	assert_string_equal(m->envelope->group_id, "QO");
	assert_string_equal(m->envelope->message_type, "315");
	assert_false(m->integrity->message_count_mismatch);
	assert_int_equal(m->integrity->counted_messages, 1);
	assembler_free(a);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_missing_envelope_emitted_at_unt),
		T(test_truncated_by_next_message_and_flush),
		T(test_gap_marks_message_and_is_reported),
		T(test_flow_end_emits),
		T(test_interleaved_flows),
		T(test_ipv6_flow_and_evidence),
		T(test_flow_limit_evicts_oldest),
		T(test_segment_and_hold_limits),
		T(test_memory_limit),
		T(test_truncated_segment_and_skipped_count),
		T(test_bad_events),
		T(test_charsets_from_unb),
		T(test_x12_group_counts),
		T(test_x12_repetition_separator),
		T(test_x12_isa_not_fixed_said),
		T(test_mutated_samples),
		T(test_counts_with_tag_map),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
