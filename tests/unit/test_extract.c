/* Extraction from every sample in ../shared/samples. The expected values
 * were written by hand from reading each file (see the comments quoting
 * the segments); they are not program output. Files go through the
 * test splitter, the assembler, the decoder and the tables: the whole
 * userspace path after the ring buffer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "extract.h"
#include "sample_events.h"

static struct collected got;

/* Runs a sample; skips the test (loudly) when the samples are absent. */
static void load(const char *name, size_t messages)
{
	collected_free(&got);
	if (!samples_dir()) {
		printf("SKIPPED: samples folder ../shared/samples absent, %s not checked\n", name);
		skip();
	}
	if (run_sample(name, &got) != 0)
		fail_msg("cannot read sample %s", name);
	assert_int_equal(got.n, messages);
}

static const Edisensor__V1__Message *msg(size_t i)
{
	assert_true(i < got.n);
	return got.msg[i];
}

#define PARTY(m, role, key) assert_non_null(find_party(m, role, key))
#define REF(m, q, v) assert_true(has_reference(m, q, v))
#define LOC(m, q, code) assert_true(has_location(m, q, code))
#define HS(m, code) assert_non_null(find_goods_hs(m, code))

static const Edisensor__V1__Equipment *container(const Edisensor__V1__Message *m,
						 const char *number, bool valid)
{
	const Edisensor__V1__Equipment *e = find_equipment(m, number);
	if (!e)
		fail_msg("container %s not found", number);
	assert_true(e->iso6346);
	if (e->check_digit_valid != valid)
		fail_msg("container %s: check digit valid %d, expected %d", number,
			 e->check_digit_valid, valid);
	return e;
}

static const Edisensor__V1__Transport *vessel(const Edisensor__V1__Message *m, const char *name,
					      const char *imo, const char *vessel_id,
					      const char *voyage)
{
	const Edisensor__V1__Transport *t = find_vessel(m, name);
	if (!t)
		fail_msg("vessel %s not found", name);
	assert_string_equal(t->imo, imo);
	assert_string_equal(t->vessel_id, vessel_id);
	assert_string_equal(t->voyage, voyage);
	return t;
}

static const Edisensor__V1__Location *location_q(const Edisensor__V1__Message *m, const char *q);

static bool has_location_q(const Edisensor__V1__Message *m, const char *q)
{
	for (size_t i = 0; i < m->n_locations; i++)
		if (strcmp(m->locations[i]->qualifier, q) == 0)
			return true;
	return false;
}
static void assert_place(const Edisensor__V1__Location *l, const char *locode, const char *code,
			 const char *code_list, const char *name);

static void counts(const Edisensor__V1__Message *m, uint32_t declared, uint32_t counted)
{
	assert_int_equal(m->integrity->declared_segments, declared);
	assert_int_equal(m->integrity->counted_segments, counted);
	assert_int_equal(m->integrity->segment_count_mismatch, declared != counted);
	assert_false(m->integrity->truncated);
}

/* ---- EDIFACT --------------------------------------------------------- */

static void test_baplie_d04b_oneline(void **state)
{
	(void)state;
	load("edifact_BAPLIE_D04B_oneline.edi", 1);
	const Edisensor__V1__Message *m = msg(0);
	const Edisensor__V1__Envelope *e = m->envelope;
	/* UNB+UNOA:2+SENDER ID:ZZZ:...+RECEIVER ID:ZZZ:...+00091022:0101+000023++++++1 */
	assert_string_equal(e->syntax_id, "UNOA");
	assert_string_equal(e->sender_id, "SENDER ID");
	assert_string_equal(e->sender_qualifier, "ZZZ");
	assert_string_equal(e->recipient_id, "RECEIVER ID");
	assert_string_equal(e->control_ref, "000023");
	assert_true(e->test);
	/* UNH+1+BAPLIE:D:04B:UN::A1B2C3:AA */
	assert_string_equal(e->message_type, "BAPLIE");
	assert_string_equal(e->message_release, "04B");
	PARTY(m, "CA", "TSL");                           /* NAD+CA+TSL:172:20 */
	REF(m, "VON", "VOYAGENUMBER");
	REF(m, "BM", "1");
	/* LOC+61+NEXTPORTOFCALL, LOC+5+DEPARTPLACE: no code list, no agency,
	 * and not a UN/LOCODE's shape: place codes, not UN/LOCODEs */
	assert_place(location_q(m, "61"), "", "NEXTPORTOFCALL", "", "");
	assert_place(location_q(m, "5"), "", "DEPARTPLACE", "", "");
	/* TDT+20+RFN234++:103::MEAN TRANS++++IMONUMBER:146 : code list 146
	 * (means of transport identification) without agency 11, and not 7
	 * digits: a vessel id, not an IMO number */
	const Edisensor__V1__Transport *t = m->transport[0];
	assert_int_equal(m->n_transport, 1);
	assert_string_equal(t->imo, "");
	assert_string_equal(t->vessel_id, "IMONUMBER");
	assert_string_equal(t->voyage, "RFN234");
	/* EQD+CN+CONTAINER: not an ISO 6346 number */
	const Edisensor__V1__Equipment *c = find_equipment(m, "CONTAINER");
	assert_non_null(c);
	assert_false(c->iso6346);
	/* LOC+147+0050302::5 opens the container's group: its stowage cell
	 * (bay 005, row 03, tier 02), not a place */
	assert_string_equal(c->stowage_position, "0050302");
	assert_false(has_location_q(m, "147"));
	counts(m, 19, 19);
}

static void test_baplie_d95b_smdg(void **state)
{
	(void)state;
	load("edifact_BAPLIE_D95B_SMDG20.edi", 1);
	const Edisensor__V1__Message *m = msg(0);
	assert_string_equal(m->envelope->sender_id, "LBCTI");
	assert_string_equal(m->envelope->sender_qualifier, "01");
	assert_string_equal(m->envelope->association_code, "SMDG20");
	assert_string_equal(m->envelope->message_ref, "1907");
	/* TDT+20+042+++:172:182+++VRIB3:103:ZZZ:OOCL BEIJING (103 = call sign) */
	vessel(m, "OOCL BEIJING", "", "VRIB3", "042");
	/* OOLU4293959 worked by hand: 6378 mod 11 = 9 */
	/* each container's group opens with its cell: LOC+147+0780690::5 ...
	 * EQD+CN+OOLU4293959 */
	assert_string_equal(container(m, "OOLU4293959", true)->stowage_position, "0780690");
	assert_string_equal(container(m, "MOEU0710945", true)->stowage_position, "0060886");
	assert_string_equal(container(m, "OOLU8757889", true)->stowage_position, "0100114");
	assert_int_equal(m->n_equipment, 3);
	assert_false(has_location_q(m, "147"));
	PARTY(m, "CA", "OOL");
	PARTY(m, "CA", "MOL");
	LOC(m, "9", "USLGB");
	LOC(m, "11", "CNYTN");
	LOC(m, "11", "CNXMN");
	LOC(m, "11", "TWKHH");
	REF(m, "BM", "1");
	counts(m, 30, 30);
	assert_int_equal(m->integrity->declared_messages, 1);   /* UNZ+1+1865 */
	assert_int_equal(m->integrity->counted_messages, 1);
}

static void test_coarri_two_messages(void **state)
{
	(void)state;
	load("edifact_COARRI_D95B_2msg.edi", 2);
	const Edisensor__V1__Message *m = msg(0);
	assert_string_equal(m->envelope->message_ref, "1452515553811");
	/* TDT+20+031W+1+13+COS:172:20+++3ERX3:103::COSCO AFRICA */
	const Edisensor__V1__Transport *t = vessel(m, "COSCO AFRICA", "", "3ERX3", "031W");
	assert_string_equal(t->carrier, "COS");
	/* COARRI: LOC+147 follows the EQD in its group: EQD+CN+FCIU9908030
	 * ... LOC+147+380886::6 (agency 6 by the sender, a cell all the same) */
	assert_string_equal(container(m, "FCIU9908030", true)->stowage_position, "380886");
	assert_string_equal(container(m, "MAGU5591240", true)->stowage_position, "380686");
	assert_false(has_location_q(m, "147"));
	PARTY(m, "CF", "COE");
	LOC(m, "11", "ITGOA");
	LOC(m, "9", "TRKMX");
	assert_true(m->n_goods >= 1);
	assert_string_equal(m->goods[0]->description, "GENERAL CARGO");
	counts(m, 33, 33);

	m = msg(1);
	assert_string_equal(m->envelope->message_ref, "1452515553819");
	vessel(m, "COSCO AFRICA", "", "3ERX3", "032E");
	const Edisensor__V1__Equipment *c = container(m, "CBHU6192031", true);
	assert_int_equal(c->n_seals, 1);
	assert_string_equal(c->seals[0], "H53175");          /* SEL+H53175+SH */
	container(m, "CAXU3190016", true);
	REF(m, "BN", "9000157890");
	REF(m, "BN", "9000157920");
	LOC(m, "11", "GRPIR");
	counts(m, 237, 237);
	assert_int_equal(m->integrity->declared_messages, 2);   /* UNZ+2 */
	assert_int_equal(m->integrity->counted_messages, 2);
	assert_false(m->integrity->message_count_mismatch);
}

static void test_coprar_release_without_unb(void **state)
{
	(void)state;
	load("edifact_COPRAR_D95B_release_noUNB.edi", 1);
	const Edisensor__V1__Message *m = msg(0);
	assert_true(m->integrity->missing_envelope);
	assert_string_equal(m->envelope->sender_id, "");
	assert_string_equal(m->envelope->message_type, "COPRAR");
	assert_string_equal(m->envelope->message_ref, "638");
	/* FTX+AAA+++PLASTICS?:ARTICLES: the release character keeps the colon */
	assert_string_equal(m->goods[0]->description, "PLASTICS:ARTICLES");
	/* MSTI6415664: by hand 5896 mod 11 = 0, so the check digit 4 is wrong */
	container(m, "MSTI6415664", false);
	REF(m, "BN", "2GO2005174");
	PARTY(m, "CA", "MSK");
	PARTY(m, "CF", "MSK");
	const Edisensor__V1__Transport *t = vessel(m, "HELLO WORLD", "", "D5EP4", "123W");
	assert_string_equal(t->carrier, "MSK");
	LOC(m, "9", "AEJEA");
	LOC(m, "11", "INNSA");
	/* UNT+56+638 against 29 segments */
	counts(m, 56, 29);
	assert_true(has_finding(m, "without interchange header"));
	assert_true(has_finding(m, "declares 56"));
}

static void test_iftmbc_newline_in_data(void **state)
{
	(void)state;
	load("edifact_IFTMBC_D00B_newline_in_data.edi", 1);
	const Edisensor__V1__Message *m = msg(0);
	assert_string_equal(m->envelope->syntax_id, "UNOB");
	assert_string_equal(m->envelope->sender_id, "CARRIER");
	assert_string_equal(m->envelope->recipient_id, "RECEIVER-ID");
	assert_string_equal(m->envelope->control_ref, "251");
	/* The FTX with a raw newline is one segment: UNH BGM TSR FTX FTX FTX UNT */
	counts(m, 10, 7);
	const Edisensor__V1__Segment *s = m->segments[5];
	assert_string_equal(s->tag, "FTX");
	assert_non_null(strstr(s->text, "OCCUR\n:DUE TO INTERVENTION"));
}

static void test_iftsai_missing_unz(void **state)
{
	(void)state;
	load("edifact_IFTSAI_D99B_Rotterdam.edi", 1);
	const Edisensor__V1__Message *m = msg(0);
	/* TDT+20+JMDS905W+1++:172+++OWJG2:103::MADISON MAERSK */
	vessel(m, "MADISON MAERSK", "", "OWJG2", "JMDS905W");
	REF(m, "SSX", "JMDS905W");
	LOC(m, "9", "NLRTM");
	LOC(m, "94", "KRPUS");
	LOC(m, "152", "EGSUZ");
	counts(m, 27, 27);
	/* The file ends after UNT: no UNZ */
	assert_true(has_finding(m, "no UNZ"));
	assert_int_equal(m->integrity->declared_messages, 0);
	assert_int_equal(m->integrity->counted_messages, 1);
}

static void test_iftsta(void **state)
{
	(void)state;
	load("edifact_IFTSTA_D00B.edi", 1);
	const Edisensor__V1__Message *m = msg(0);
	assert_string_equal(m->envelope->charset, "ISO-8859-1");   /* UNOC */
	/* NAD+CA+ABCD:160++SENDER-COMP+STREET 1+CITY1++99999+DE */
	const Edisensor__V1__Party *p = find_party(m, "CA", "ABCD");
	assert_non_null(p);
	assert_string_equal(p->name, "SENDER-COMP");
	assert_string_equal(p->address, "STREET 1");
	assert_string_equal(p->city, "CITY1");
	assert_string_equal(p->postcode, "99999");
	assert_string_equal(p->country, "DE");
	REF(m, "BN", "24O4023815");
	REF(m, "BM", "ABCD224O4023815X");
	REF(m, "EQ", "TRHU4307252");
	REF(m, "EQ", "TRHU4561222");
	container(m, "TRHU4561222", false);
	LOC(m, "175", "USSYR");
	LOC(m, "9", "COCTG");
	LOC(m, "7", "USWOQ");
	counts(m, 31, 31);
	/* UNB 0020 2803570, UNZ 2805570 */
	assert_true(has_finding(m, "UNZ reference '2805570' differs"));
}

static void test_invoic_una_repetition_release(void **state)
{
	(void)state;
	load("edifact_INVOIC_D03B_UNA_rep-star_release.edi", 1);
	const Edisensor__V1__Message *m = msg(0);
	assert_string_equal(m->envelope->syntax_version, "4");
	assert_true(m->envelope->test);                       /* ...++++1 */
	PARTY(m, "BY", "5708601000836");
	PARTY(m, "SU", "IBM UK");
	const Edisensor__V1__Party *p = find_party(m, "DP", "MyCompany");
	assert_non_null(p);
	assert_string_equal(p->city, "MyTown");
	REF(m, "CO", "01671727");
	REF(m, "VA", "UK37499919");
	/* 35 segments UNH..UNT: the ?' in the IMD text did not end a segment */
	counts(m, 36, 35);
}

static void test_invoic_colon_at_end(void **state)
{
	(void)state;
	load("edifact_INVOIC_colon_at_end_v1.edi", 1);
	const Edisensor__V1__Message *m = msg(0);
	PARTY(m, "BT", "VAUXHALL MOTORS LTD");
	PARTY(m, "SU", "2002993");
	PARTY(m, "ST", "023");
	REF(m, "VA", "382324067");                           /* RFF+VA:382324067: */
	REF(m, "ON", "X18V00003");
	counts(m, 24, 24);
	assert_int_equal(m->integrity->n_findings, 0);
}

static void test_orders_decimal_comma(void **state)
{
	(void)state;
	load("edifact_ORDERS_UNA_decimal-comma_v4.edi", 1);
	const Edisensor__V1__Message *m = msg(0);
	assert_string_equal(m->envelope->association_code, "EAN008");
	PARTY(m, "SU", "5020436000004");
	PARTY(m, "BY", "8711576000012");
	PARTY(m, "DP", "8711576100019");
	REF(m, "PD", "50515");
	counts(m, 16, 16);
	assert_true(has_finding(m, "no UNZ"));
}

static void test_paores_two_messages(void **state)
{
	(void)state;
	load("edifact_PAORES_2msg.edi", 2);
	assert_string_equal(msg(0)->envelope->message_ref, "1");
	assert_string_equal(msg(1)->envelope->message_ref, "2");
	assert_string_equal(msg(1)->envelope->syntax_id, "IATB");
	assert_string_equal(msg(1)->envelope->sender_id, "6XPPC");
	counts(msg(1), 13, 13);
	assert_int_equal(msg(1)->integrity->declared_messages, 2);
	assert_int_equal(msg(1)->integrity->counted_messages, 2);
}

static void test_paores_release_chars(void **state)
{
	(void)state;
	load("edifact_PAORES_release_chars.edi", 1);
	const Edisensor__V1__Message *m = msg(0);
	/* 23 segments UNH..UNT although UNT says 14 */
	counts(m, 14, 23);
	/* IFT+3+NO MORE ?' FLIGHTS 3 is one segment, kept as sent */
	assert_string_equal(m->segments[6]->text, "IFT+3+NO MORE ?' FLIGHTS 3");
}

/* Every packet size from 1 byte up: release characters and segments cut
 * at every possible boundary give the same message. */
static void test_release_chars_any_packet_size(void **state)
{
	(void)state;
	load("edifact_PAORES_release_chars.edi", 1);
	for (size_t mss = 1; mss <= 24; mss++) {
		struct collected c = { 0 };
		assert_int_equal(run_sample_mss("edifact_PAORES_release_chars.edi", &c, mss), 0);
		assert_int_equal(c.n, 1);
		const Edisensor__V1__Message *m = c.msg[0];
		assert_int_equal(m->n_segments, 23);
		for (size_t i = 0; i < m->n_segments; i++)
			assert_string_equal(m->segments[i]->text, got.msg[0]->segments[i]->text);
		assert_string_equal(m->segments[8]->text, "IFT+3+NO MORE ??" "?' FLIGHTS 3");
		collected_free(&c);
	}
}

static void test_paores_wrapped(void **state)
{
	(void)state;
	load("edifact_PAORES_wrapped_oneline.edi", 1);
	counts(msg(0), 13, 13);
	assert_string_equal(msg(0)->segments[12]->tag, "UNT");
}

static void test_ung_groups(void **state)
{
	(void)state;
	load("edifact_UNG_groups_synthetic.edi", 3);
	const Edisensor__V1__Message *m = msg(0);
	/* UNG+G1+G1 Division+RecipDivision2++groupref11111 ... UNE+1+groupref11111 */
	assert_string_equal(m->envelope->group_id, "G1");
	assert_string_equal(m->envelope->group_sender, "G1 Division");
	assert_string_equal(m->envelope->group_control_ref, "groupref11111");
	assert_int_equal(m->integrity->declared_messages, 1);
	assert_int_equal(m->integrity->counted_messages, 1);
	assert_false(m->integrity->message_count_mismatch);
	counts(m, 25, 3);
	/* Two messages after UNE, outside the group: UNZ+1 against 1 group + 2 */
	m = msg(2);
	assert_string_equal(m->envelope->group_id, "");
	assert_string_equal(m->envelope->message_type, "MSG1");
	assert_true(m->integrity->message_count_mismatch);
	assert_int_equal(m->integrity->declared_messages, 1);
	assert_int_equal(m->integrity->counted_messages, 3);
	counts(m, 25, 4);                          /* AAAA and BB on one line */
	assert_true(has_finding(m, "UNZ reference"));
}

/* ---- X12 ------------------------------------------------------------- */

static void test_x12_301(void **state)
{
	(void)state;
	load("x12_301_004010_booking_hazmat.x12", 1);
	const Edisensor__V1__Message *m = msg(0);
	const Edisensor__V1__Envelope *e = m->envelope;
	assert_string_equal(e->sender_id, "XXXX");             /* ISA06, padding trimmed */
	assert_string_equal(e->sender_qualifier, "ZZ");
	assert_string_equal(e->group_id, "RO");
	assert_string_equal(e->message_type, "301");
	assert_string_equal(e->message_ref, "105115");
	assert_string_equal(e->message_version, "004010");
	assert_false(e->test);                                /* ISA15 P */
	/* N1*SH*DUPONT FILAMENTS-AMERICAS, LLC*25*100952999 + N3 + N4 */
	const Edisensor__V1__Party *p = find_party(m, "SH", "100952999");
	assert_non_null(p);
	assert_string_equal(p->name, "DUPONT FILAMENTS-AMERICAS, LLC");
	assert_string_equal(p->address, "CENTRE RD 974");
	assert_string_equal(p->city, "WILMINGTON");
	assert_string_equal(p->country, "US");
	REF(m, "BN", "3JAX099999");
	/* V1*9193240*MAERSK KENTUCKY*SG*324S****L (L = Lloyd's: IMO) */
	vessel(m, "MAERSK KENTUCKY", "9193240", "", "324S");
	assert_string_equal(m->goods[0]->description, "CHEMICALS:(NOS)");
	LOC(m, "L", "USNYC");
	LOC(m, "D", "COCTG");
	counts(m, 31, 31);
	assert_false(m->integrity->reference_mismatch);
	assert_int_equal(m->integrity->declared_messages, 1);      /* GE*1 */
}

static void test_x12_309(void **state)
{
	(void)state;
	load("x12_309_004010_CBP_manifest.x12", 1);
	const Edisensor__V1__Message *m = msg(0);
	assert_string_equal(m->envelope->group_id, "SO");
	/* M10*XXXX*O*SG*9283186*MONTE CERVANTES*320N: 9283186 has a valid IMO
	 * check digit (9*7+2*6+8*5+3*4+1*3+8*2 = 146) */
	const Edisensor__V1__Transport *t = vessel(m, "MONTE CERVANTES", "9283186", "", "320N");
	assert_string_equal(t->carrier, "XXXX");
	assert_true(t->imo_check_digit_valid);
	/* P4*1803: a US port (Census Schedule D), not a UN/LOCODE */
	assert_place(location_q(m, "P4"), "", "1803", "D", "");
	REF(m, "BM", "99XXZ999999X");                        /* M11 M1101 */
	PARTY(m, "SH", "XXXX DO BRASIL INDUSTRIA E C");
	PARTY(m, "CN", "XXXX XXXX NORTH AMERICA");
	PARTY(m, "N1", "V ALEXANDER & CO");
	/* VID*4B*HASU*5044950*MLBR3014246 */
	const Edisensor__V1__Equipment *c = container(m, "HASU5044950", true);
	assert_string_equal(c->seals[0], "MLBR3014246");
	/* N10*390*01 CONTAINER 40 HC...*99999/23*J*401120 */
	const Edisensor__V1__GoodsItem *g = find_goods_hs(m, "401120");
	assert_non_null(g);
	assert_string_equal(g->packages, "390");
	assert_non_null(strstr(g->description, "TRUCK TIRES"));
	HS(m, "330112");
	/* SE*622*3899 but the source was cut at 295 segments ST..SE */
	counts(m, 622, 295);
}

static void test_x12_310(void **state)
{
	(void)state;
	load("x12_310_004010_freight_receipt.x12", 1);
	const Edisensor__V1__Message *m = msg(0);
	PARTY(m, "SH", "940924821");
	PARTY(m, "CN", "ARAUCO NORTH AMERICA INC");
	PARTY(m, "N1", "GEODIS USA INC");
	const Edisensor__V1__Party *p = find_party(m, "CA", "WHT");
	assert_non_null(p);
	assert_string_equal(p->country, "DK");
	REF(m, "BN", "1XXX011114");
	REF(m, "BM", "IDENTIFIER123");
	/* V1*9786774*POLAR ECUADOR*SG*234N****L */
	vessel(m, "POLAR ECUADOR", "9786774", "", "234N");
	/* N7*TCNU*6849731 ... M7*MLCL0008628 */
	const Edisensor__V1__Equipment *c = container(m, "TCNU6849731", true);
	assert_string_equal(c->seals[0], "MLCL0008628");
	LOC(m, "L", "CLSVE");
	LOC(m, "D", "USBAL");
	LOC(m, "T", "PAMIT");
	/* L5*1*1 X 40...*2313432*Z: L503 is the commodity code */
	HS(m, "2313432");
	/* L0*1***17007*G*31.32*X*36*PKG**K */
	assert_string_equal(m->goods[0]->packages, "36");
	assert_string_equal(m->goods[0]->gross_weight, "17007");
	/* SE*49*32353 after ST*310*35353; 46 segments */
	counts(m, 49, 46);
	assert_true(m->integrity->reference_mismatch);
	assert_true(has_finding(m, "GE reference '61916' differs"));
	assert_true(has_finding(m, "IEA reference '000061216' differs"));
}

static void test_x12_315_oneline(void **state)
{
	(void)state;
	load("x12_315_004010_oneline.x12", 1);
	const Edisensor__V1__Message *m = msg(0);
	REF(m, "BM", "SUDUN2SL008733AF");
	REF(m, "BN", "2SOL008733");
	REF(m, "EQ", "MRSU4371639");
	/* N9*EQ and B4 initial+number+check digit name the same container */
	container(m, "MRSU4371639", true);
	assert_int_equal(m->n_equipment, 1);
	/* Q2*9352004********242S***L*MAERSK STEPNICA */
	vessel(m, "MAERSK STEPNICA", "9352004", "", "242S");
	LOC(m, "L", "KRPUS");
	LOC(m, "E", "MXQRO");
	counts(m, 19, 19);
}

static void test_x12_315_status(void **state)
{
	(void)state;
	load("x12_315_004010_status.x12", 1);
	const Edisensor__V1__Message *m = msg(0);
	REF(m, "BM", "21001ASK5V9U");
	REF(m, "BN", "1NAN910141");
	assert_non_null(find_equipment(m, "GMCU6094137"));
	/* Q2 qualifier L says IMO even though 9330141's check digit is off
	 * (9*7+3*6+3*5+0*4+1*3+4*2 = 107: 7, not 1): kept, flagged */
	assert_false(vessel(m, "MARIM", "9330141", "", "202N")->imo_check_digit_valid);
	LOC(m, "L", "USMEM");
	/* B4***VA*...**GMCU*609413*E**LOCKBOURNE*CI*7: B412 CI, a city, not
	 * a UN/LOCODE */
	const Edisensor__V1__Location *b4 = NULL;
	for (size_t i = 0; i < m->n_locations; i++)
		if (strcmp(m->locations[i]->qualifier, "B4") == 0)
			b4 = m->locations[i];
	assert_non_null(b4);
	assert_string_equal(b4->locode, "");
	assert_string_equal(b4->code, "LOCKBOURNE");
	assert_string_equal(b4->code_list, "CI");
	counts(m, 9, 9);
	assert_false(m->integrity->reference_mismatch);
}

static void test_x12_322_nonfixed_isa(void **state)
{
	(void)state;
	load("x12_322_004010_nonfixed_ISA.x12", 1);
	const Edisensor__V1__Message *m = msg(0);
	/* ISA*00* *00* *ZZ*HAMSUD*ZZ*PARTNERID*... */
	assert_string_equal(m->envelope->sender_id, "HAMSUD");
	assert_string_equal(m->envelope->recipient_id, "PARTNERID");
	assert_string_equal(m->envelope->control_ref, "053849086");
	PARTY(m, "RR", "BNSF");
	REF(m, "BN", "6PHLSA1234");
	REF(m, "BM", "A5GEMEN1976X");
	/* N7*HASU*431617: no check digit, not an ISO 6346 number */
	const Edisensor__V1__Equipment *c = find_equipment(m, "HASU431617");
	assert_non_null(c);
	assert_false(c->iso6346);
	assert_int_equal(c->n_seals, 2);                     /* M7*SN1234567*SN1234568 */
	LOC(m, "7", "USCHI");
	counts(m, 15, 15);
}

/* ---- tables ---------------------------------------------------------- */

static void test_table_selection(void **state)
{
	(void)state;
	static const char *const edifact[] = { "CUSCAR", "CUSDEC", "CUSRES", "IFTMIN",
		"IFCSUM", "BAPLIE", "COPRAR", "CODECO", "COARRI", "IFTSTA" };
	static const char *const x12[] = { "309", "350", "315", "310", "301" };

	for (size_t i = 0; i < sizeof(edifact) / sizeof(edifact[0]); i++)
		assert_ptr_not_equal(extract_table_for(1, edifact[i]), &extract_edifact_generic);
	for (size_t i = 0; i < sizeof(x12) / sizeof(x12[0]); i++)
		assert_ptr_not_equal(extract_table_for(2, x12[i]), &extract_x12_generic);
	assert_ptr_equal(extract_table_for(1, "PAORES"), &extract_edifact_generic);
	assert_ptr_equal(extract_table_for(2, "322"), &extract_x12_generic);
	assert_string_equal(extract_table_for(1, "CODECO")->name, "COPRAR/CODECO/COARRI");
}

static void test_wanted_tags(void **state)
{
	char tags[128][EDI_TAG_MAX + 1];
	(void)state;
	size_t n = extract_wanted_tags(1, tags, 128);
	bool nad = false, cst = false;
	for (size_t i = 0; i < n; i++) {
		nad |= strcmp(tags[i], "NAD") == 0;
		cst |= strcmp(tags[i], "CST") == 0;
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(tags[i], tags[j]);
	}
	assert_true(nad && cst);
	n = extract_wanted_tags(2, tags, 128);
	bool n10 = false;
	for (size_t i = 0; i < n; i++)
		n10 |= strcmp(tags[i], "N10") == 0;
	assert_true(n10);
	assert_int_equal(extract_wanted_tags(2, tags, 3), 3);   /* bounded */
}

/* The engine alone: equal records merge (evidence joined) in linear time,
 * seals follow their container. */
static void test_engine_dedupe(void **state)
{
	static const struct edi_syntax syn = {
		.seps = { ':', '+', '.', '?', 0, '\'', { 0, 0 } }, .cs = CHARSET_ASCII,
	};
	static struct edi_segment seg;
	Edisensor__V1__Message m = EDISENSOR__V1__MESSAGE__INIT;
	struct arena ar = { 0 };
	struct extract x;
	char text[128];
	uint32_t idx = 0;
	(void)state;

	extract_begin(&x, &m, &ar, 1, "BAPLIE");
	for (int i = 0; i < 3000; i++) {
		const char *segs[] = { "LOC+9+NLRTM:139:6'", "NAD+CA+OOL:172:20'", "RFF+BM'" };
		for (size_t j = 0; j < 3; j++) {
			assert_int_equal(edi_decode_segment((const uint8_t *)segs[j], strlen(segs[j]),
							    &syn, &seg), 0);
			assert_int_equal(extract_segment(&x, &seg, idx++), 0);
		}
		snprintf(text, sizeof(text), "EQD+CN+CONT%04d+45G1'", i % 10);
		edi_decode_segment((const uint8_t *)text, strlen(text), &syn, &seg);
		extract_segment(&x, &seg, idx++);
		snprintf(text, sizeof(text), "SEL+S%d+CA'", i % 20);
		edi_decode_segment((const uint8_t *)text, strlen(text), &syn, &seg);
		extract_segment(&x, &seg, idx++);
	}
	extract_end(&x);
	assert_int_equal(m.n_locations, 1);
	assert_int_equal(m.locations[0]->n_evidence, 3000);
	assert_int_equal(m.n_parties, 1);
	assert_int_equal(m.n_references, 1);                /* RFF+BM: a qualifier, kept once */
	assert_int_equal(m.n_equipment, 10);
	assert_string_equal(m.equipment[3]->number, "CONT0003");
	assert_int_equal(m.equipment[3]->n_seals, 2);        /* S3 and S13 */
	assert_int_equal(m.equipment[3]->n_evidence, 600);   /* 300 EQD + 300 SEL */
	assert_false(m.equipment[3]->iso6346);
	assert_int_equal(x.dropped, 0);
	arena_reset(&ar);

	/* Seals per container are capped; the rest is counted as dropped. */
	Edisensor__V1__Message m2 = EDISENSOR__V1__MESSAGE__INIT;
	extract_begin(&x, &m2, &ar, 1, "COPRAR");
	edi_decode_segment((const uint8_t *)"EQD+CN+MSCU1234565'", 19, &syn, &seg);
	extract_segment(&x, &seg, 0);
	for (int i = 0; i < 100; i++) {
		snprintf(text, sizeof(text), "SEL+SEAL%d'", i);
		edi_decode_segment((const uint8_t *)text, strlen(text), &syn, &seg);
		extract_segment(&x, &seg, (uint32_t)i + 1);
	}
	extract_end(&x);
	assert_int_equal(m2.equipment[0]->n_seals, 64);
	assert_string_equal(m2.equipment[0]->seals[63], "SEAL63");
	assert_int_equal(x.dropped, 36);
	arena_reset(&ar);
}

/* Segments through the decoder and the tables of one message type:
 * EDIFACT (syntax 1, default separators) or X12 (syntax 2, '*' '>' '~'). */
static void extract_syntax_texts(Edisensor__V1__Message *m, struct arena *ar, int syntax,
				 const char *type, const char *const *texts)
{
	static const struct edi_syntax edifact = {
		.seps = { ':', '+', '.', '?', 0, '\'', { 0, 0 } }, .cs = CHARSET_ASCII,
	};
	static const struct edi_syntax x12 = {
		.seps = { '>', '*', '.', 0, 0, '~', { 0, 0 } }, .cs = CHARSET_ASCII,
	};
	const struct edi_syntax *syn = syntax == 2 ? &x12 : &edifact;
	static struct edi_segment seg;
	struct extract x;

	extract_begin(&x, m, ar, syntax, type);
	for (uint32_t i = 0; texts[i]; i++) {
		assert_int_equal(edi_decode_segment((const uint8_t *)texts[i], strlen(texts[i]),
						    syn, &seg), 0);
		assert_int_equal(extract_segment(&x, &seg, i), 0);
	}
	extract_end(&x);
}

static void extract_texts(Edisensor__V1__Message *m, struct arena *ar, const char *type,
			  const char *const *texts)
{
	extract_syntax_texts(m, ar, 1, type, texts);
}

/* The location of a message with this qualifier (the only one). */
static const Edisensor__V1__Location *location_q(const Edisensor__V1__Message *m, const char *q)
{
	const Edisensor__V1__Location *found = NULL;

	for (size_t i = 0; i < m->n_locations; i++) {
		if (strcmp(m->locations[i]->qualifier, q) != 0)
			continue;
		if (found)
			fail_msg("two locations with qualifier %s", q);
		found = m->locations[i];
	}
	if (!found)
		fail_msg("no location with qualifier %s", q);
	return found;
}

static void assert_place(const Edisensor__V1__Location *l, const char *locode, const char *code,
			 const char *code_list, const char *name)
{
	assert_string_equal(l->locode, locode);
	assert_string_equal(l->code, code);
	assert_string_equal(l->code_list, code_list);
	assert_string_equal(l->name, name);
}

/* X12 R4: R402 says what R403 is. Only UN makes it a UN/LOCODE; a US
 * Census Schedule D or K port code, a city or any other location code
 * stays what it is (code + code_list = R402). R401 (the port function)
 * is the qualifier as sent. The same holds for 315 B4 (B411/B412), and
 * for the 309/350 ports whose list the segment fixes (P4, M11). */
static void test_x12_r4_location_qualifier(void **state)
{
	static const char *const texts[] = {
		"R4*L*UN*CNSHA*SHANGHAI*CN~",
		"R4*D*D*1001*NEW YORK*US~",
		"R4*T*K*57035*SINGAPORE*SG~",
		"R4*E*CI*MEMPHIS*MEMPHIS*US~",
		"R4*R*SL*AB12*ANYWHERE~",
		"R4*I***KANSAS CITY RAMP~",   /* a name only */
		NULL,
	};
	static const char *const b4[] = {
		"B4***I*20260512*0900*CNSHA*MSCU*123456*L*4510*CNSHA*UN*6~",
		"B4***A*20260513*1000*1001*MSCU*123456*L*4510*1001*D*6~",
		NULL,
	};
	Edisensor__V1__Message m = EDISENSOR__V1__MESSAGE__INIT;
	Edisensor__V1__Message s = EDISENSOR__V1__MESSAGE__INIT;
	struct arena ar = { 0 };
	(void)state;

	extract_syntax_texts(&m, &ar, 2, "315", texts);
	assert_int_equal(m.n_locations, 6);
	assert_place(location_q(&m, "L"), "CNSHA", "", "", "SHANGHAI");
	assert_place(location_q(&m, "D"), "", "1001", "D", "NEW YORK");
	assert_place(location_q(&m, "T"), "", "57035", "K", "SINGAPORE");
	assert_place(location_q(&m, "E"), "", "MEMPHIS", "CI", "MEMPHIS");
	assert_place(location_q(&m, "R"), "", "AB12", "SL", "ANYWHERE");
	assert_place(location_q(&m, "I"), "", "", "", "KANSAS CITY RAMP");

	/* 309/350: P4 P401 is a US port (Schedule D), M11 M1102 the foreign
	 * port of lading (Schedule K): codes of those lists, not UN/LOCODEs */
	static const char *const manifest[] = {
		"M10*XXXX*O*SG*9283186*MONTE CERVANTES*320N~",
		"P4*1803*20260101*1~",
		"LX*1~",
		"M11*BL12345*57035*12*PKG*1000*K~",
		NULL,
	};
	Edisensor__V1__Message p = EDISENSOR__V1__MESSAGE__INIT;
	extract_syntax_texts(&p, &ar, 2, "309", manifest);
	assert_int_equal(p.n_locations, 2);
	assert_place(location_q(&p, "P4"), "", "1803", "D", "");
	assert_place(location_q(&p, "M11"), "", "57035", "K", "");

	extract_syntax_texts(&s, &ar, 2, "315", b4);
	assert_int_equal(s.n_locations, 2);
	assert_place(s.locations[0], "CNSHA", "", "", "");
	assert_place(s.locations[1], "", "1001", "D", "");
	assert_string_equal(s.locations[1]->qualifier, "B4");
	arena_reset(&ar);
}

/* EDIFACT LOC C517: 3225 is a UN/LOCODE when it has the shape (two
 * letters, three letters or digits 2-9) and the agency 3055 is 6 (UN/ECE)
 * or absent (the UNTDID note on 3225: a UN/LOCODE, else a code set named
 * by 1131/3055); any other id is a code with its list and agency as sent
 * ("1131:3055"). 3227 = 147 (stowage cell) is a position on the vessel:
 * it goes to the container's record, never to Location. */
static void test_edifact_loc_code_list(void **state)
{
	static const char *const texts[] = {
		"LOC+9+NLRTM'",                          /* the common case */
		"LOC+11+CNSHA:139:6'",
		"LOC+7+USWOQ:139::WOODRIDGE, IL, US'",   /* 139 port, no agency */
		"LOC+8+DEHAM::6'",
		"LOC+175+USSYR:227::SYRACUSE+US:162'",   /* a list, no agency */
		"LOC+88+USCHS:139:87'",                  /* the carrier's port code */
		"LOC+22+NL000396'",                      /* a customs office */
		"LOC+35+NL::5'",                         /* ISO 3166 country */
		"LOC+13+ROTTERDAM:139:6'",               /* declared, not a LOCODE */
		"LOC+14+GB-FXT'",
		"LOC+60+nlrtm'",
		"LOC+76+:139:6:PIRAEUS'",                /* a name only */
		"LOC+94+NLRT1'",                         /* 1 is not a LOCODE digit */
		NULL,
	};
	Edisensor__V1__Message m = EDISENSOR__V1__MESSAGE__INIT;
	struct arena ar = { 0 };
	(void)state;

	extract_texts(&m, &ar, "IFTMIN", texts);
	assert_int_equal(m.n_locations, 13);
	assert_place(location_q(&m, "9"), "NLRTM", "", "", "");
	assert_place(location_q(&m, "11"), "CNSHA", "", "", "");
	assert_place(location_q(&m, "7"), "USWOQ", "", "", "WOODRIDGE, IL, US");
	assert_place(location_q(&m, "8"), "DEHAM", "", "", "");
	assert_place(location_q(&m, "175"), "USSYR", "", "", "SYRACUSE");
	assert_place(location_q(&m, "88"), "", "USCHS", "139:87", "");
	assert_place(location_q(&m, "22"), "", "NL000396", "", "");
	assert_place(location_q(&m, "35"), "", "NL", ":5", "");
	assert_place(location_q(&m, "13"), "", "ROTTERDAM", "139:6", "");
	assert_place(location_q(&m, "14"), "", "GB-FXT", "", "");
	assert_place(location_q(&m, "60"), "", "nlrtm", "", "");
	assert_place(location_q(&m, "76"), "", "", "", "PIRAEUS");
	assert_place(location_q(&m, "94"), "", "NLRT1", "", "");
	for (size_t i = 0; i < m.n_locations; i++)
		assert_int_equal(m.locations[i]->n_evidence, 1);
	arena_reset(&ar);
}

/* The stowage cell (LOC+147) belongs to the container. BAPLIE opens each
 * container's group with it (LOC+147 ... EQD): the EQDs up to the next
 * LOC+147 take it, with the LOC as evidence; a cell without a container
 * (break bulk) makes no record. The other messages carry LOC+147 in the
 * EQD group after its EQD: the current container takes it. */
static void test_stowage_cell(void **state)
{
	static const char *const baplie[] = {
		"LOC+5+NLRTM:139:6'",
		"LOC+147+0020282::5'",                   /* 1: break bulk */
		"GID+1'",
		"LOC+147+0010182::5'",                   /* 3 */
		"MEA+WT++KGM:3833'",
		"LOC+9+NLRTM:139:6'",
		"EQD+CN+MSCU1234565+4500'",              /* 6 */
		"EQD+CN+TGHU1234561+2200'",              /* 7: a second in the cell */
		"LOC+147+0030482::5'",                   /* 8 */
		"EQD+CN+MSCU1234565+4500'",              /* 9: the same box elsewhere */
		NULL,
	};
	static const char *const coarri[] = {
		"LOC+147+099999::5'",                    /* before any EQD */
		"EQD+CN+FCIU9908030+45G1:102:5++3+5'",
		"LOC+9+TRKMX:139:6'",
		"LOC+147+380886::6'",
		"EQD+CN+MAGU5591240+45G1:102:5++3+5'",
		"LOC+147+380686::6'",
		NULL,
	};
	Edisensor__V1__Message b = EDISENSOR__V1__MESSAGE__INIT;
	Edisensor__V1__Message c = EDISENSOR__V1__MESSAGE__INIT;
	struct arena ar = { 0 };
	(void)state;

	extract_texts(&b, &ar, "BAPLIE", baplie);
	assert_int_equal(b.n_locations, 2);                  /* 5 and 9: places */
	assert_false(has_location_q(&b, "147"));
	assert_int_equal(b.n_equipment, 3);
	assert_string_equal(b.equipment[0]->number, "MSCU1234565");
	assert_string_equal(b.equipment[0]->stowage_position, "0010182");
	assert_int_equal(b.equipment[0]->n_evidence, 2);
	assert_int_equal(b.equipment[0]->evidence[0], 3);
	assert_int_equal(b.equipment[0]->evidence[1], 6);
	assert_string_equal(b.equipment[1]->number, "TGHU1234561");
	assert_string_equal(b.equipment[1]->stowage_position, "0010182");
	/* one container number in two cells stays two records: the plan says
	 * so (a cloned or mistyped number is worth seeing) */
	assert_string_equal(b.equipment[2]->number, "MSCU1234565");
	assert_string_equal(b.equipment[2]->stowage_position, "0030482");

	extract_texts(&c, &ar, "COARRI", coarri);
	assert_false(has_location_q(&c, "147"));
	assert_int_equal(c.n_locations, 1);
	assert_int_equal(c.n_equipment, 3);
	assert_string_equal(c.equipment[0]->number, "");     /* a cell, no EQD yet */
	assert_string_equal(c.equipment[0]->stowage_position, "099999");
	assert_string_equal(c.equipment[1]->number, "FCIU9908030");
	assert_string_equal(c.equipment[1]->stowage_position, "380886");
	assert_string_equal(c.equipment[2]->number, "MAGU5591240");
	assert_string_equal(c.equipment[2]->stowage_position, "380686");
	arena_reset(&ar);
}

/* PIA C212 repeats (elements 2 to 6): the HS code may follow the sender's
 * own article number (SA), as in DOMAIN.md's IFTMIN goods group. */
static void test_pia_hs_in_any_item_number(void **state)
{
	static const char *const texts[] = {
		"GID+1+5:PK'", "PIA+5+ABC123:SA+850440:HS'",
		"GID+2+6:PK'", "PIA+1+6109:HS'",
		"GID+3+7:PK'", "PIA+5+A:SA+B:BP+C:IN+D:MF+870899:HS'",
		"GID+4+1:PK'", "PIA+5+XYZ:SA'", NULL,
	};
	Edisensor__V1__Message m = EDISENSOR__V1__MESSAGE__INIT;
	struct arena ar = { 0 };
	(void)state;

	extract_texts(&m, &ar, "IFTMIN", texts);
	assert_int_equal(m.n_goods, 4);
	assert_string_equal(m.goods[0]->hs_code, "850440");
	assert_string_equal(m.goods[1]->hs_code, "6109");
	assert_string_equal(m.goods[2]->hs_code, "870899");
	assert_string_equal(m.goods[3]->hs_code, "");
	arena_reset(&ar);
}

/* NAD with the unstructured C058 (name and address lines) and no C080:
 * the first line is the name, the others the address, not one name made
 * of all of them. */
static void test_nad_c058_name_and_address(void **state)
{
	static const char *const texts[] = {
		"NAD+CN++ACME LTD:1 MAIN ST:HAMBURG'",
		"NAD+CZ++ONLY NAME'",
		"NAD+FW+ID9::9++FORWARDER:DIVISION 2+HAFENSTRASSE 1+HAMBURG++20095+DE'", NULL,
	};
	Edisensor__V1__Message m = EDISENSOR__V1__MESSAGE__INIT;
	struct arena ar = { 0 };
	(void)state;

	extract_texts(&m, &ar, "CUSCAR", texts);
	assert_int_equal(m.n_parties, 3);
	assert_string_equal(m.parties[0]->name, "ACME LTD");
	assert_string_equal(m.parties[0]->address, "1 MAIN ST, HAMBURG");
	assert_string_equal(m.parties[1]->name, "ONLY NAME");
	assert_string_equal(m.parties[1]->address, "");
	assert_string_equal(m.parties[2]->name, "FORWARDER DIVISION 2");   /* C080: one name */
	assert_string_equal(m.parties[2]->address, "HAFENSTRASSE 1");
	arena_reset(&ar);
}

/* An IMO number is kept as its 7 digits whatever prefix the sender wrote
 * ("IMO9321483", "IMO 9193240"), with its check digit judged
 * (imo_check_digit_valid, as check_digit_valid for ISO 6346); a wrong
 * check digit under a qualifier that says IMO stays an IMO number,
 * flagged. Records equal after normalisation are one. */
static void test_imo_normalised_and_checked(void **state)
{
	static const char *const tdt[] = {
		"TDT+20+V1+1+++++IMO9321483:146:11:EVER FAKE'",
		"TDT+20+V1+1+++++9321483:146:11:EVER FAKE'",     /* the same vessel */
		"TDT+20+V2+1+++++IMO 9321484:146:11:BAD CHECK'", /* 123: 3, not 4 */
		NULL,
	};
	static const char *const v1[] = {
		"V1*IMO 9193240*MAERSK KENTUCKY*SG*324S****L~",
		"Q2*IMO9330141********202N***L*MARIM~",          /* 146: 6, not 1 */
		NULL,
	};
	static const char *const m10[] = {
		"M10*XXXX*O*SG*IMO9283186*MONTE CERVANTES*320N~",  /* no M1010: the check digit decides */
		NULL,
	};
	Edisensor__V1__Message e = EDISENSOR__V1__MESSAGE__INIT;
	Edisensor__V1__Message x = EDISENSOR__V1__MESSAGE__INIT;
	Edisensor__V1__Message m = EDISENSOR__V1__MESSAGE__INIT;
	struct arena ar = { 0 };
	(void)state;

	extract_texts(&e, &ar, "CUSCAR", tdt);
	assert_int_equal(e.n_transport, 2);
	assert_string_equal(e.transport[0]->imo, "9321483");
	assert_true(e.transport[0]->imo_check_digit_valid);
	assert_int_equal(e.transport[0]->n_evidence, 2);
	assert_string_equal(e.transport[1]->imo, "9321484");
	assert_false(e.transport[1]->imo_check_digit_valid);
	assert_string_equal(e.transport[1]->vessel_id, "");

	extract_syntax_texts(&x, &ar, 2, "310", v1);
	assert_int_equal(x.n_transport, 2);
	assert_string_equal(x.transport[0]->imo, "9193240");
	assert_true(x.transport[0]->imo_check_digit_valid);
	assert_string_equal(x.transport[1]->imo, "9330141");
	assert_false(x.transport[1]->imo_check_digit_valid);

	extract_syntax_texts(&m, &ar, 2, "309", m10);
	assert_int_equal(m.n_transport, 1);
	assert_string_equal(m.transport[0]->imo, "9283186");
	assert_true(m.transport[0]->imo_check_digit_valid);
	assert_string_equal(m.transport[0]->vessel_id, "");
	arena_reset(&ar);
}

/* The transport record with this voyage (the only one). */
static const Edisensor__V1__Transport *voyage_of(const Edisensor__V1__Message *m, const char *v)
{
	for (size_t i = 0; i < m->n_transport; i++)
		if (strcmp(m->transport[i]->voyage, v) == 0)
			return m->transport[i];
	fail_msg("no transport with voyage %s", v);
	return NULL;
}

static void assert_vessel_ids(const Edisensor__V1__Message *m, const char *voyage,
			      const char *imo, bool imo_valid, const char *vessel_id)
{
	const Edisensor__V1__Transport *t = voyage_of(m, voyage);

	if (strcmp(t->imo, imo) != 0 || strcmp(t->vessel_id, vessel_id) != 0 ||
	    t->imo_check_digit_valid != imo_valid)
		fail_msg("voyage %s: imo '%s' (valid %d), vessel id '%s'; expected '%s' (%d), '%s'",
			 voyage, t->imo, t->imo_check_digit_valid, t->vessel_id, imo, imo_valid,
			 vessel_id);
}

/* Which vessel ids are IMO numbers, by the evidence the message gives.
 * EDIFACT TDT C222 8213:1131:3055: code list 146 with agency 11 (Lloyd's)
 * declares an IMO number (7 digits kept, a wrong check digit flagged);
 * one of the two (146 alone, or 11 with an empty list) only with a check
 * digit that holds; any other list (103 call sign) or no evidence: a
 * vessel id. X12 V108 / Q212 / M1010 (vessel code qualifier, 897): L
 * (Lloyd's) declares, empty needs the check digit, C (call sign), B, Z
 * make a vessel id. 9321483 is valid (123: 3), 9321484 not. */
static void test_vessel_id_evidence(void **state)
{
	static const char *const tdt[] = {
		"TDT+20+A+1+++++9321483:146:11:A'",
		"TDT+20+B+1+++++9321484:146:11:B'",      /* declared: kept, flagged */
		"TDT+20+C+1+++++9321483::11:C'",         /* agency 11, no list */
		"TDT+20+D+1+++++9321484::11:D'",
		"TDT+20+E+1+++++IMO9321483:146::E'",     /* list 146, no agency */
		"TDT+20+F+1+++++9321484:146::F'",
		"TDT+20+G+1+++++VRIB3:103::G'",          /* call sign */
		"TDT+20+H+1+++++9321483:103:11:H'",      /* a call sign list says what it is */
		"TDT+20+I+1+++++9321483:::I'",           /* no evidence */
		"TDT+20+J+1+++++IMONUMBER:146:11:J'",    /* declared, not an IMO number */
		"TDT+20+K+1+++++9321483:11:'",           /* 11 in the list slot */
		NULL,
	};
	static const char *const x12[] = {
		"V1*9321484*A*SG*V1****L~",
		"V1*9321483*A*SG*V2~",
		"V1*9321484*A*SG*V3~",
		"V1*9321483*A*SG*V4****C~",
		"V1*D5RL7*A*SG*V5****L~",                /* L, but not 7 digits */
		"Q2*9321483********Q1***C*A~",
		"Q2*IMO 9321483********Q2****A~",
		"V1*9321483~",                           /* a code alone: its own record */
		"V1*VRIB3~",
		NULL,
	};
	static const char *const m10[] = {
		"M10*XXXX*O*SG*9321484*A*M1****L~",
		"M10*XXXX*O*SG*9321483*A*M2****C~",
		"M10*XXXX*O*SG*9321484*A*M3~",
		NULL,
	};
	Edisensor__V1__Message e = EDISENSOR__V1__MESSAGE__INIT;
	Edisensor__V1__Message x = EDISENSOR__V1__MESSAGE__INIT;
	Edisensor__V1__Message m = EDISENSOR__V1__MESSAGE__INIT;
	struct arena ar = { 0 };
	(void)state;

	extract_texts(&e, &ar, "CUSCAR", tdt);
	assert_int_equal(e.n_transport, 11);
	assert_vessel_ids(&e, "A", "9321483", true, "");
	assert_vessel_ids(&e, "B", "9321484", false, "");
	assert_vessel_ids(&e, "C", "9321483", true, "");
	assert_vessel_ids(&e, "D", "", false, "9321484");
	assert_vessel_ids(&e, "E", "9321483", true, "");
	assert_vessel_ids(&e, "F", "", false, "9321484");
	assert_vessel_ids(&e, "G", "", false, "VRIB3");
	assert_vessel_ids(&e, "H", "", false, "9321483");
	assert_vessel_ids(&e, "I", "", false, "9321483");
	assert_vessel_ids(&e, "J", "", false, "IMONUMBER");
	assert_vessel_ids(&e, "K", "9321483", true, "");

	extract_syntax_texts(&x, &ar, 2, "315", x12);
	assert_int_equal(x.n_transport, 9);
	assert_string_equal(x.transport[7]->imo, "9321483");
	assert_string_equal(x.transport[7]->vessel_id, "");
	assert_string_equal(x.transport[8]->imo, "");
	assert_string_equal(x.transport[8]->vessel_id, "VRIB3");
	assert_string_equal(voyage_of(&x, "Q2")->vessel_id, "");   /* not the one before */
	assert_vessel_ids(&x, "V1", "9321484", false, "");
	assert_vessel_ids(&x, "V2", "9321483", true, "");
	assert_vessel_ids(&x, "V3", "", false, "9321484");
	assert_vessel_ids(&x, "V4", "", false, "9321483");
	assert_vessel_ids(&x, "V5", "", false, "D5RL7");
	assert_vessel_ids(&x, "Q1", "", false, "9321483");
	assert_vessel_ids(&x, "Q2", "9321483", true, "");

	extract_syntax_texts(&m, &ar, 2, "309", m10);
	assert_int_equal(m.n_transport, 3);
	assert_vessel_ids(&m, "M1", "9321484", false, "");
	assert_vessel_ids(&m, "M2", "", false, "9321483");
	assert_vessel_ids(&m, "M3", "", false, "9321484");
	arena_reset(&ar);
}

static int teardown(void **state)
{
	(void)state;
	collected_free(&got);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_baplie_d04b_oneline, teardown),
		cmocka_unit_test_teardown(test_baplie_d95b_smdg, teardown),
		cmocka_unit_test_teardown(test_coarri_two_messages, teardown),
		cmocka_unit_test_teardown(test_coprar_release_without_unb, teardown),
		cmocka_unit_test_teardown(test_iftmbc_newline_in_data, teardown),
		cmocka_unit_test_teardown(test_iftsai_missing_unz, teardown),
		cmocka_unit_test_teardown(test_iftsta, teardown),
		cmocka_unit_test_teardown(test_invoic_una_repetition_release, teardown),
		cmocka_unit_test_teardown(test_invoic_colon_at_end, teardown),
		cmocka_unit_test_teardown(test_orders_decimal_comma, teardown),
		cmocka_unit_test_teardown(test_paores_two_messages, teardown),
		cmocka_unit_test_teardown(test_paores_release_chars, teardown),
		cmocka_unit_test_teardown(test_release_chars_any_packet_size, teardown),
		cmocka_unit_test_teardown(test_paores_wrapped, teardown),
		cmocka_unit_test_teardown(test_ung_groups, teardown),
		cmocka_unit_test_teardown(test_x12_301, teardown),
		cmocka_unit_test_teardown(test_x12_309, teardown),
		cmocka_unit_test_teardown(test_x12_310, teardown),
		cmocka_unit_test_teardown(test_x12_315_oneline, teardown),
		cmocka_unit_test_teardown(test_x12_315_status, teardown),
		cmocka_unit_test_teardown(test_x12_322_nonfixed_isa, teardown),
		cmocka_unit_test(test_table_selection),
		cmocka_unit_test(test_wanted_tags),
		cmocka_unit_test(test_imo_normalised_and_checked),
		cmocka_unit_test(test_vessel_id_evidence),
		cmocka_unit_test(test_pia_hs_in_any_item_number),
		cmocka_unit_test(test_nad_c058_name_and_address),
		cmocka_unit_test(test_x12_r4_location_qualifier),
		cmocka_unit_test(test_edifact_loc_code_list),
		cmocka_unit_test(test_stowage_cell),
		cmocka_unit_test(test_engine_dedupe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
