/* Assembler on lossy streams: which interchange and group a message
 * belongs to after a sequence gap or a message without trailer, whose
 * counts a trailer checks, and what a message found without its envelope
 * says about itself. The rule under test: a value the sensor cannot know
 * stays empty (and a finding says why); it is never taken from another
 * interchange. Event streams are built from hand-written EDI text with the
 * kernel's scanner (a fresh scan after a gap resynchronises as the kernel
 * does). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "assembler.h"
#include "sample_events.h"

static struct collected got;
static struct ev_list evs;
static struct es_flow_key key;

static void add(const char *text)
{
	split_edi(&evs, &key, (const uint8_t *)text, strlen(text), 0);
}

static void add_gap(void)
{
	struct es_event *e = ev_push(&evs);
	e->type = ES_EV_GAP;
	e->flow = key;
	e->aux = 1460;
	e->stream_off = 5000;
}

static void add_end(void)
{
	struct es_event *e = ev_push(&evs);
	e->type = ES_EV_FLOW_END;
	e->flow = key;
	e->aux = ES_END_FIN;
}

/* One X12 segment event with the separators the kernel had: after a lost
 * ISA it still has the previous interchange's component and repetition
 * separators (ISA16, ISA11). */
static void add_x12(const char *text, uint8_t component, uint8_t repetition)
{
	const struct es_seps seps = { .component = component, .element = '*',
				      .repetition = repetition, .terminator = '~' };
	ev_segment(&evs, &key, (const uint8_t *)text, strlen(text), 0, &seps, ES_SYNTAX_X12);
}

/* One EDIFACT segment event, default separators (a scan in progress). */
static void add_segment(const char *text)
{
	static const struct es_seps seps = { .component = ':', .element = '+',
		.decimal = '.', .release = '?', .repetition = ' ', .terminator = '\'' };
	ev_segment(&evs, &key, (const uint8_t *)text, strlen(text), 0, &seps,
		   ES_SYNTAX_EDIFACT);
}

static void run(size_t max_held)
{
	struct assembler_opts o = { .interface = "replay", .max_held = max_held };
	struct assembler *a = assembler_new(&o, collect_message, &got);
	assert_non_null(a);
	feed_all(a, &evs);
	assembler_flush(a);
	assembler_free(a);
}

static const Edisensor__V1__Message *by_ref(const char *ref)
{
	for (size_t i = 0; i < got.n; i++)
		if (!strcmp(got.msg[i]->envelope->message_ref, ref))
			return got.msg[i];
	fail_msg("no message %s", ref);
	return NULL;
}

static int setup(void **state)
{
	(void)state;
	memset(&got, 0, sizeof(got));
	memset(&evs, 0, sizeof(evs));
	test_flow_key(&key, 2, 1000);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	collected_free(&got);
	free(evs.ev);
	return 0;
}

static void assert_no_interchange(const Edisensor__V1__Message *m)
{
	assert_true(m->integrity->missing_envelope);
	assert_string_equal(m->envelope->sender_id, "");
	assert_string_equal(m->envelope->recipient_id, "");
	assert_string_equal(m->envelope->control_ref, "");
	assert_string_equal(m->envelope->date, "");
	assert_string_equal(m->envelope->syntax_id, "");
	assert_int_equal(m->integrity->declared_messages, 0);
	assert_false(m->integrity->message_count_mismatch);
}

/* A gap takes UNZ 42 and UNB 43: the message found by resync belongs to
 * 43, whose header the sensor never saw. It must not carry 42's envelope,
 * and UNZ 43's count says nothing about 42's messages. */
static void test_gap_between_interchanges(void **state)
{
	(void)state;
	add("UNB+UNOA:2+S42+R42+200101:1200+42'UNH+1+CUSCAR:D:95B:UN'RFF+BM:B1'UNT+3+1'");
	add_gap();
	add("UNH+2+CUSCAR:D:95B:UN'RFF+BM:B2'UNT+3+2'UNZ+3+43'");
	run(0);
	assert_int_equal(got.n, 2);
	const Edisensor__V1__Message *m1 = by_ref("1"), *m2 = by_ref("2");
	assert_string_equal(m1->envelope->control_ref, "42");
	assert_string_equal(m1->envelope->sender_id, "S42");
	assert_false(m1->integrity->missing_envelope);
	assert_false(m1->integrity->message_count_mismatch);
	assert_int_equal(m1->integrity->declared_messages, 0);
	assert_true(has_finding(m1, "UNZ reference '43' differs"));
	assert_no_interchange(m2);
	assert_true(has_reference(m2, "BM", "B2"));
	assert_string_equal(m2->envelope->message_type, "CUSCAR");
	assert_true(has_finding(m2, "UNB"));
	assert_true(has_finding(m2, "sequence gap"));
	assert_true(has_finding(m2, "'43'"));
}

/* A gap inside one interchange (its UNZ names the same reference): the
 * message after it is confirmed a member and gets the envelope. The count
 * is short by what the gap hid: a lower bound, not the sender's error. */
static void test_gap_inside_interchange_confirmed_by_unz(void **state)
{
	(void)state;
	add("UNB+UNOA:2+S42+R42+200101:1200+42'UNH+1+CUSCAR:D:95B:UN'UNT+2+1'");
	add_gap();
	add("UNH+3+CUSCAR:D:95B:UN'UNT+2+3'UNZ+3+42'");
	run(0);
	assert_int_equal(got.n, 2);
	for (size_t i = 0; i < got.n; i++) {
		const Edisensor__V1__Message *m = got.msg[i];
		assert_string_equal(m->envelope->control_ref, "42");
		assert_string_equal(m->envelope->sender_id, "S42");
		assert_false(m->integrity->missing_envelope);
		assert_int_equal(m->integrity->declared_messages, 3);
		assert_int_equal(m->integrity->counted_messages, 2);
		assert_false(m->integrity->message_count_mismatch);
		assert_true(has_finding(m, "UNZ declares 3, counted 2"));
		assert_true(has_finding(m, "gap"));
	}
}

/* More messages counted than declared stays a mismatch, gap or not; and
 * without any loss a short count is the sender's (unchanged). */
static void test_count_mismatch_when_certain(void **state)
{
	(void)state;
	add("UNB+UNOA:2+S+R+200101:1200+42'UNH+1+CUSCAR:D:95B:UN'UNT+2+1'");
	add_gap();
	add("UNH+2+CUSCAR:D:95B:UN'UNT+2+2'UNH+3+CUSCAR:D:95B:UN'UNT+2+3'UNZ+2+42'");
	add("UNB+UNOA:2+S+R+200101:1200+44'UNH+4+CUSCAR:D:95B:UN'UNT+2+4'UNZ+2+44'");
	run(0);
	assert_int_equal(got.n, 4);
	assert_true(by_ref("1")->integrity->message_count_mismatch);
	assert_int_equal(by_ref("3")->integrity->counted_messages, 3);
	assert_true(by_ref("4")->integrity->message_count_mismatch);
	assert_int_equal(by_ref("4")->integrity->declared_messages, 2);
}

/* A bare UNH after an interchange cut inside a message (no UNT, no UNZ):
 * the cut message keeps its envelope; the bare one has none. */
static void test_bare_message_after_truncated_interchange(void **state)
{
	(void)state;
	add("UNB+UNOC:3+S42+R42+200101:1200+42'UNH+1+CUSCAR:D:95B:UN'RFF+BM:B1'");
	add("UNH+2+COPRAR:D:95B:UN'RFF+BN:K2'UNT+3+2'");
	add_end();
	run(0);
	assert_int_equal(got.n, 2);
	const Edisensor__V1__Message *m1 = by_ref("1"), *m2 = by_ref("2");
	assert_true(m1->integrity->truncated);
	assert_string_equal(m1->envelope->control_ref, "42");
	assert_false(m1->integrity->missing_envelope);
	assert_no_interchange(m2);
	assert_false(m2->integrity->truncated);
	assert_true(has_reference(m2, "BN", "K2"));
	assert_true(has_finding(m2, "without its trailer"));
	assert_int_equal(m2->integrity->counted_segments, 3);
}

/* ... but when that interchange's UNZ comes after all, the message was a
 * member: confirmed, envelope given. */
static void test_message_after_truncated_message_confirmed(void **state)
{
	(void)state;
	add("UNB+UNOA:2+S42+R42+200101:1200+42'UNH+1+CUSCAR:D:95B:UN'RFF+BM:B1'"
	    "UNH+2+CUSCAR:D:95B:UN'UNT+2+2'UNZ+2+42'");
	run(0);
	assert_int_equal(got.n, 2);
	const Edisensor__V1__Message *m2 = by_ref("2");
	assert_string_equal(m2->envelope->control_ref, "42");
	assert_false(m2->integrity->missing_envelope);
	assert_int_equal(m2->integrity->declared_messages, 2);
	assert_false(m2->integrity->message_count_mismatch);
}

/* Groups follow the same rule: a message after a gap gets its group's
 * values only when the group trailer names the group it was in. */
static void test_group_after_gap(void **state)
{
	(void)state;
	add("UNB+UNOA:2+S+R+200101:1200+42'UNG+CUSCAR+GS1+GR1+200101:1200+G1+UN+D:95B'"
	    "UNH+1+CUSCAR:D:95B:UN'UNT+2+1'");
	add_gap();
	add("UNH+2+CUSCAR:D:95B:UN'UNT+2+2'UNE+2+G1'"
	    "UNG+BAPLIE+GS2+GR2+200101:1200+G2+UN+D:95B'UNH+3+BAPLIE:D:95B:UN'UNT+2+3'");
	add_gap();
	add("UNH+4+BAPLIE:D:95B:UN'UNT+2+4'UNE+2+G9'UNZ+2+42'");
	run(0);
	assert_int_equal(got.n, 4);
	const Edisensor__V1__Message *m2 = by_ref("2"), *m3 = by_ref("3"), *m4 = by_ref("4");
	assert_string_equal(m2->envelope->group_control_ref, "G1");
	assert_string_equal(m2->envelope->group_sender, "GS1");
	assert_string_equal(m2->envelope->control_ref, "42");
	assert_false(m2->integrity->message_count_mismatch);
	assert_string_equal(m3->envelope->group_control_ref, "G2");
	/* UNE G9 is another group's: 4 has no group values, and UNE's count
	 * is not checked against group G2. */
	assert_string_equal(m4->envelope->group_id, "");
	assert_string_equal(m4->envelope->group_control_ref, "");
	assert_true(has_finding(m4, "UNG"));
	assert_false(m3->integrity->message_count_mismatch);
	assert_false(m4->integrity->message_count_mismatch);
	assert_string_equal(m4->envelope->control_ref, "42");
}

/* X12: a gap takes IEA, ISA and GS; the ST found by resync is of an
 * interchange the sensor never saw (version 00401: no repetitions). Its
 * values are read without the stale component and repetition separators
 * of the previous ISA (00501), and GS values (version, agency) stay
 * empty. */
static void test_x12_after_lost_isa(void **state)
{
	(void)state;
	add("ISA*00*          *00*          *ZZ*S7             *ZZ*R7             "
	    "*230607*1940*^*00501*000000007*0*P*>~"
	    "GS*SO*S*R*20230607*1940*71*X*005010~ST*309*1~N1*CN*ACME LTD*ZZ*123~SE*3*1~");
	add_gap();
	add_x12("ST*309*2~", '>', '^');
	add_x12("N1*CN*HANSEATIC N^1 A>B*ZZ*456~", '>', '^');
	add_x12("SE*3*2~", '>', '^');
	add_x12("GE*2*88~", '>', '^');
	add_x12("IEA*1*000000008~", '>', '^');
	run(0);
	assert_int_equal(got.n, 2);
	const Edisensor__V1__Message *m1 = by_ref("1"), *m2 = by_ref("2");
	assert_string_equal(m1->envelope->control_ref, "000000007");
	assert_string_equal(m1->envelope->group_control_ref, "71");
	assert_false(m1->integrity->message_count_mismatch);
	assert_no_interchange(m2);
	assert_string_equal(m2->envelope->group_control_ref, "");
	assert_string_equal(m2->envelope->message_version, "");
	assert_string_equal(m2->envelope->message_type, "309");
	assert_non_null(find_party(m2, "CN", "HANSEATIC N^1 A>B"));
	assert_non_null(find_party(m1, "CN", "ACME LTD"));
	assert_true(has_finding(m2, "GS"));
}

/* X12: the gap takes the GS, not the ISA: the messages after it are in a
 * group whose header the sensor never saw. IEA counts groups, so they
 * count as one group, not one each (no messageCountMismatch); their group
 * values stay empty with a finding that names the GS; GE's reference is
 * no mismatch with a GS that was not seen. (edi-pcapgen -s 601 --mss 200
 * --pathologies: "IEA declares 1 groups, counted 3".) */
static void test_x12_after_lost_gs(void **state)
{
	(void)state;
	add("ISA*00*          *00*          *ZZ*S7             *ZZ*R7             "
	    "*230607*1940*U*00401*000000007*0*P*>~GS*QO*S*R*2023");
	add_gap();
	add_x12("ST*315*1~", '>', 0);
	add_x12("N9*BM*B1~", '>', 0);
	add_x12("SE*3*1~", '>', 0);
	add_x12("ST*315*2~", '>', 0);
	add_x12("SE*2*2~", '>', 0);
	add_x12("ST*315*3~", '>', 0);
	add_x12("SE*2*3~", '>', 0);
	add_x12("GE*4*71~", '>', 0);
	add_x12("IEA*1*000000007~", '>', 0);
	run(0);
	assert_int_equal(got.n, 3);
	for (size_t i = 0; i < got.n; i++) {
		const Edisensor__V1__Message *m = got.msg[i];

		assert_string_equal(m->envelope->control_ref, "000000007");
		assert_false(m->integrity->missing_envelope);
		assert_string_equal(m->envelope->group_control_ref, "");
		assert_string_equal(m->envelope->group_id, "");
		assert_true(has_finding(m, "GS"));
		assert_false(has_finding(m, "differs"));
		assert_false(m->integrity->message_count_mismatch);
		assert_false(m->integrity->reference_mismatch);
	}
	assert_true(has_reference(by_ref("1"), "BM", "B1"));
}

/* EDIFACT: the gap takes a UNG. The messages after it look ungrouped until
 * a UNE comes without its UNG: they were in a group the sensor did not
 * see (ISO 9735: all messages of an interchange are grouped or none), so
 * UNZ's count of groups cannot be checked against them (no
 * messageCountMismatch) and a finding names the UNG. (edi-pcapgen -s 514
 * --pathologies: "UNZ declares 2 messages/groups, counted 3".) */
static void test_edifact_after_lost_ung(void **state)
{
	(void)state;
	add("UNB+UNOA:2+S+R+200101:1200+42'UNG+CUSCAR+GS1+GR1+200101:1200+G1+UN+D:95B'"
	    "UNH+1+CUSCAR:D:95B:UN'UNT+2+1'UNE+1+G1'");
	add_gap();
	add("UNH+2+IFCSUM:D:99B:UN'RFF+BH:H2'UNT+3+2'UNH+3+IFCSUM:D:99B:UN'UNT+2+3'UNE+2+G2'"
	    "UNG+COPRAR+GS3+GR3+200101:1200+G3+UN+D:95B'UNH+4+COPRAR:D:95B:UN'UNT+2+4'"
	    "UNE+1+G3'UNZ+3+42'");
	run(0);
	assert_int_equal(got.n, 4);
	for (size_t i = 0; i < got.n; i++) {
		assert_string_equal(got.msg[i]->envelope->control_ref, "42");
		assert_false(got.msg[i]->integrity->message_count_mismatch);
	}
	for (const char *const *ref = (const char *const[]){ "2", "3", NULL }; *ref; ref++) {
		const Edisensor__V1__Message *m = by_ref(*ref);

		assert_string_equal(m->envelope->group_control_ref, "");
		assert_true(has_finding(m, "UNG"));
	}
	assert_true(has_reference(by_ref("2"), "BH", "H2"));
	assert_string_equal(by_ref("1")->envelope->group_control_ref, "G1");
	assert_string_equal(by_ref("4")->envelope->group_control_ref, "G3");
	assert_false(has_finding(by_ref("1"), "UNG not seen"));
}

/* A message of the other syntax ends the interchange: no shared envelope. */
static void test_syntax_change_ends_interchange(void **state)
{
	(void)state;
	add("UNB+UNOA:2+S42+R42+200101:1200+42'UNH+1+CUSCAR:D:95B:UN'UNT+2+1'");
	add_x12("ST*315*9~", ':', 0);
	add_x12("SE*2*9~", ':', 0);
	run(0);
	assert_int_equal(got.n, 2);
	const Edisensor__V1__Message *m = by_ref("9");
	assert_no_interchange(m);
	assert_int_equal(m->syntax, EDISENSOR__V1__SYNTAX__SYNTAX_X12);
	assert_string_equal(by_ref("1")->envelope->control_ref, "42");
	assert_true(has_finding(by_ref("1"), "no UNZ"));
}

/* Text of a message whose UNB was lost is read as UTF-8 when it is valid
 * UTF-8, not in the previous interchange's character set. */
static void test_charset_after_gap(void **state)
{
	(void)state;
	add("UNB+UNOC:3+S+R+200101:1200+42'UNH+1+CUSCAR:D:95B:UN'NAD+CN+++L\xf6we'UNT+3+1'");
	add_gap();
	add("UNH+2+CUSCAR:D:95B:UN'NAD+CN+++L\xc3\xb6we'UNT+3+2'UNZ+1+43'");
	run(0);
	assert_int_equal(got.n, 2);
	assert_non_null(find_party(by_ref("1"), "CN", "L\xc3\xb6we"));
	assert_non_null(find_party(by_ref("2"), "CN", "L\xc3\xb6we"));
}

/* Segments the kernel skipped between a message's last forwarded segment
 * and the next UNH belong to the message the UNH cuts. */
static void test_skipped_segments_before_next_unh(void **state)
{
	(void)state;
	add("UNH+1+CUSDEC:D:96B:UN'RFF+ABT:1'");
	add("UNH+2+CUSDEC:D:96B:UN'UNT+2+2'");
	/* The first UNH of the second scan follows 2 skipped segments. */
	for (size_t i = 0; i < evs.n; i++)
		if (!memcmp(evs.ev[i].data, "UNH+2", 5))
			evs.ev[i].aux = 2;
	run(0);
	assert_int_equal(got.n, 2);
	assert_int_equal(by_ref("1")->integrity->counted_segments, 4);
	assert_true(by_ref("1")->integrity->truncated);
	assert_int_equal(by_ref("2")->integrity->counted_segments, 2);
}

/* A message of unknown membership that must leave before its trailer
 * (hold limit) cannot be confirmed: it leaves without the envelope. */
static void test_unsure_message_emitted_early(void **state)
{
	(void)state;
	add("UNB+UNOA:2+S+R+200101:1200+42'UNH+1+CUSCAR:D:95B:UN'UNT+2+1'");
	add_gap();
	add("UNH+2+CUSCAR:D:95B:UN'UNT+2+2'UNH+3+CUSCAR:D:95B:UN'UNT+2+3'"
	    "UNH+4+CUSCAR:D:95B:UN'UNT+2+4'UNZ+4+42'");
	run(1);
	assert_int_equal(got.n, 4);
	assert_no_interchange(by_ref("2"));
	assert_true(has_finding(by_ref("2"), "hold limit"));
	assert_string_equal(by_ref("4")->envelope->control_ref, "42");
	assert_false(by_ref("4")->integrity->missing_envelope);
}

/* The kernel also skips bytes without a TCP gap (a segment without
 * terminator for too long, its instruction budget spent): the first
 * segment after its resynchronisation carries ES_SEGF_AFTER_GAP, and the
 * assembler treats it as a loss. */
static void test_resync_flag_is_a_loss(void **state)
{
	(void)state;
	add("UNB+UNOA:2+S42+R42+200101:1200+42'UNH+1+CUSCAR:D:95B:UN'UNT+2+1'");
	size_t first = evs.n;
	add("UNH+2+CUSCAR:D:95B:UN'UNT+2+2'UNZ+3+43'");
	evs.ev[first].flags |= ES_SEGF_AFTER_GAP;
	run(0);
	assert_int_equal(got.n, 2);
	assert_no_interchange(by_ref("2"));
	assert_true(has_finding(by_ref("2"), "interchange unknown"));
	assert_string_equal(by_ref("1")->envelope->control_ref, "42");
	assert_false(by_ref("1")->integrity->message_count_mismatch);
}

/* Events lost where the flow is unknown (kernel ring buffer or reader
 * queue full, reported later as a count): every flow is treated as having
 * lost bytes. A message open across the loss does not blame the sender
 * for segments it did not see. */
static void test_reported_loss_breaks_every_flow(void **state)
{
	struct es_flow_key k1 = key, k2;
	(void)state;
	test_flow_key(&k2, 3, 2000);
	add("UNB+UNOA:2+S42+R42+200101:1200+42'UNH+1+CUSCAR:D:95B:UN'UNT+2+1'");
	key = k2;
	add("UNB+UNOA:2+S43+R43+200101:1200+43'UNH+5+CUSCAR:D:95B:UN'RFF+BM:B5'");
	size_t before = evs.n;
	key = k1;
	add("UNH+2+CUSCAR:D:95B:UN'UNT+2+2'UNZ+2+44'");
	key = k2;   /* the same scan goes on: one raw event per segment */
	add_segment("UNT+4+5'");
	add_segment("UNZ+1+43'");

	struct assembler_opts o = { .interface = "replay" };
	struct assembler *a = assembler_new(&o, collect_message, &got);
	assert_non_null(a);
	for (size_t i = 0; i < evs.n; i++) {
		if (i == before)
			assembler_note_loss(a, "queue full");
		assembler_feed(a, &evs.ev[i], ES_EVENT_HDR_LEN + evs.ev[i].data_len);
	}
	assembler_flush(a);
	assembler_free(a);
	assert_int_equal(got.n, 3);
	assert_string_equal(by_ref("1")->envelope->control_ref, "42");
	assert_no_interchange(by_ref("2"));
	const Edisensor__V1__Message *m5 = by_ref("5");
	assert_string_equal(m5->envelope->control_ref, "43");
	assert_int_equal(m5->integrity->declared_segments, 4);
	assert_int_equal(m5->integrity->counted_segments, 3);
	assert_false(m5->integrity->segment_count_mismatch);
	assert_true(has_finding(m5, "queue full"));
	assert_false(m5->integrity->message_count_mismatch);
}

/* The segments the kernel skipped after a message's last forwarded one
 * arrive with the connection's end (FLOW_END seg_len): a truncated message
 * is counted up to its last segment on the wire. */
static void test_flow_end_carries_skipped(void **state)
{
	(void)state;
	add("UNB+UNOA:2+S+R+200101:1200+42'UNH+1+CUSDEC:D:96B:UN'BGM+929+1'");
	add_end();
	evs.ev[evs.n - 1].seg_len = 2;   /* e.g. UNS+S and a CNT not asked for */
	run(0);
	assert_int_equal(got.n, 1);
	assert_true(by_ref("1")->integrity->truncated);
	assert_int_equal(by_ref("1")->integrity->counted_segments, 4);
}

/* The same before a sequence gap: the skipped segments are the open
 * message's, not the next forwarded segment's (after the gap, in another
 * message). */
static void test_gap_carries_skipped(void **state)
{
	(void)state;
	add("UNB+UNOA:2+S+R+200101:1200+42'UNH+1+CUSDEC:D:96B:UN'BGM+929+1'");
	add_gap();
	evs.ev[evs.n - 1].seg_len = 3;
	add("UNH+2+CUSDEC:D:96B:UN'UNT+2+2'");
	run(0);
	assert_int_equal(got.n, 2);
	assert_int_equal(by_ref("1")->integrity->counted_segments, 5);
	assert_true(by_ref("1")->integrity->gap);
	assert_int_equal(by_ref("2")->integrity->counted_segments, 2);
}

/* ES_SEGF_EVENTS_LOST (the kernel's ring buffer was full for this
 * direction) marks that flow's open message as a loss, like a reported
 * loss does for every flow; another flow's message is left alone, so its
 * count mismatch is the sender's. */
static void test_loss_flag_marks_its_flow_only(void **state)
{
	struct es_flow_key k1 = key, k2;
	(void)state;
	test_flow_key(&k2, 3, 2000);
	add("UNB+UNOA:2+S42+R42+200101:1200+42'UNH+1+CUSCAR:D:95B:UN'RFF+BM:B1'");
	key = k2;
	add("UNB+UNOA:2+S43+R43+200101:1200+43'UNH+5+CUSCAR:D:95B:UN'RFF+BM:B5'");
	key = k1;
	add_segment("UNT+4+1'");
	evs.ev[evs.n - 1].flags |= ES_SEGF_EVENTS_LOST;
	add_segment("UNZ+1+42'");
	key = k2;
	add_segment("UNT+4+5'");
	add_segment("UNZ+1+43'");
	run(0);
	assert_int_equal(got.n, 2);
	const Edisensor__V1__Message *m1 = by_ref("1"), *m5 = by_ref("5");
	assert_int_equal(m1->integrity->counted_segments, 3);
	assert_false(m1->integrity->segment_count_mismatch);
	assert_true(has_finding(m1, "ring buffer full"));
	assert_int_equal(m5->integrity->counted_segments, 3);
	assert_true(m5->integrity->segment_count_mismatch);
	assert_false(has_finding(m5, "ring buffer full"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_gap_between_interchanges),
		T(test_gap_inside_interchange_confirmed_by_unz),
		T(test_count_mismatch_when_certain),
		T(test_bare_message_after_truncated_interchange),
		T(test_message_after_truncated_message_confirmed),
		T(test_group_after_gap),
		T(test_x12_after_lost_isa),
		T(test_x12_after_lost_gs),
		T(test_edifact_after_lost_ung),
		T(test_syntax_change_ends_interchange),
		T(test_charset_after_gap),
		T(test_skipped_segments_before_next_unh),
		T(test_unsure_message_emitted_early),
		T(test_resync_flag_is_a_loss),
		T(test_reported_loss_breaks_every_flow),
		T(test_flow_end_carries_skipped),
		T(test_gap_carries_skipped),
		T(test_loss_flag_marks_its_flow_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
