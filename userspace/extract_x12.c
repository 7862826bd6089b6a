/* X12 extraction tables. Element numbers are the XX01... positions
 * (N1 element 2 = N102); X12 has components only in composites, so most
 * rows read component 1. */
#include "extract.h"

/* Rows name only the members they use; the rest are zero by design. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define ROWS(a) a, sizeof(a) / sizeof(a[0])
#define NOCOND { { 0, 0, 0 } }
#define COND(e, c, v) { { e, c, v } }
#define COND2(e, c, v, e2, c2, v2) { { e, c, v }, { e2, c2, v2 } }
/* A vessel code in element CODE whose qualifier (897) is in element QUAL:
 * L (Lloyd's register) declares an IMO number, kept when it has the shape
 * (check digit judged and flagged in extract_end); no qualifier makes it
 * one only when its check digit holds; any other qualifier (C call sign,
 * B US Census, Z mutually defined), or a declared code that is no IMO
 * number, is the vessel id. */
#define VESSEL_CODE_ROWS(tag, code, qual) \
	{ tag, COND2(qual, 1, "L", code, 1, "@imo7"), EXK_TRANSPORT, \
	  EXA_SEGMENT_IF_UNSET, EXF_TR_IMO, { { EXF_TR_IMO, code, 1 } } }, \
	{ tag, COND2(qual, 1, "-", code, 1, "@imo"), EXK_TRANSPORT, \
	  EXA_SEGMENT_IF_UNSET, EXF_TR_IMO, { { EXF_TR_IMO, code, 1 } } }, \
	{ tag, NOCOND, EXK_TRANSPORT, EXA_SEGMENT_IF_UNSET, EXF_TR_IMO, { \
		{ EXF_TR_VESSEL_ID, code, 1 } } }
#define LIT(f, v) { f, 0, 0, NULL, NULL, v }

/* Rows every X12 transaction set shares. */
static const struct ex_rule generic_rows[] = {
	/* N1 entity code, name, id qualifier, id; N2/N3/N4 continue it. */
	{ "N1", NOCOND, EXK_PARTY, EXA_NEW, 0, {
		{ EXF_PARTY_ROLE, 1, 1 }, { EXF_PARTY_NAME, 2, 1 },
		{ EXF_PARTY_ID_SCHEME, 3, 1 }, { EXF_PARTY_ID, 4, 1 } } },
	{ "N2", NOCOND, EXK_PARTY, EXA_EXISTING, 0, {
		{ EXF_PARTY_NAME, 1, 1, " " }, { EXF_PARTY_NAME, 2, 1, " " } } },
	{ "N3", NOCOND, EXK_PARTY, EXA_EXISTING, 0, {
		{ EXF_PARTY_ADDRESS, 1, 1, ", " }, { EXF_PARTY_ADDRESS, 2, 1, ", " } } },
	/* N4 city, state, postcode, country */
	{ "N4", NOCOND, EXK_PARTY, EXA_EXISTING, 0, {
		{ EXF_PARTY_CITY, 1, 1 }, { EXF_PARTY_POSTCODE, 3, 1 },
		{ EXF_PARTY_COUNTRY, 4, 1 } } },
	/* N9 reference qualifier, value; N9*EQ is also a container number */
	{ "N9", NOCOND, EXK_REFERENCE, EXA_NEW, 0, {
		{ EXF_REF_QUAL, 1, 1 }, { EXF_REF_VALUE, 2, 1 } } },
	{ "N9", COND(1, 1, "EQ"), EXK_EQUIPMENT, EXA_NEW, 0, {
		{ EXF_EQ_NUMBER, 2, 1 } } },
	/* R4 port or terminal function (R401: L loading, D discharge, T
	 * transhipment, E place of delivery, R place of receipt...), location
	 * qualifier R402, location id R403, port name R404. R402 says what
	 * R403 is: a UN/LOCODE only for UN; any other (D US Census Schedule
	 * D port, K Schedule K foreign port, CI city...) is kept as a code
	 * with R402 as its code list. */
	{ "R4", COND(2, 1, "UN"), EXK_LOCATION, EXA_NEW, 0, {
		{ EXF_LOC_QUAL, 1, 1 }, { EXF_LOC_CODE, 3, 1 }, { EXF_LOC_NAME, 4, 1 } } },
	{ "R4", COND(2, 1, "!UN"), EXK_LOCATION, EXA_NEW, 0, {
		{ EXF_LOC_QUAL, 1, 1 }, { EXF_LOC_OTHER_CODE, 3, 1 },
		{ EXF_LOC_CODE_LIST, 2, 1 }, { EXF_LOC_NAME, 4, 1 } } },
	/* DTM qualifier, date, time (value = date and time concatenated) */
	{ "DTM", NOCOND, EXK_DATE, EXA_NEW, 0, {
		{ EXF_DATE_QUAL, 1, 1 }, { EXF_DATE_VALUE, 2, 1 },
		{ EXF_DATE_VALUE, 3, 1, "" }, { EXF_DATE_FORMAT, 5, 1 } } },
	/* V1 vessel code, name, country, voyage, SCAC ... V108 vessel code
	 * qualifier */
	{ "V1", NOCOND, EXK_TRANSPORT, EXA_NEW, 0, {
		{ EXF_TR_VESSEL, 2, 1 }, { EXF_TR_VOYAGE, 4, 1 }, { EXF_TR_CARRIER, 5, 1 } } },
	VESSEL_CODE_ROWS("V1", 1, 8),
	/* Q2 vessel code ... Q209 voyage, Q212 vessel code qualifier, Q213 name */
	{ "Q2", NOCOND, EXK_TRANSPORT, EXA_NEW, 0, {
		{ EXF_TR_VESSEL, 13, 1 }, { EXF_TR_VOYAGE, 9, 1 } } },
	VESSEL_CODE_ROWS("Q2", 1, 12),
	/* N7 equipment initial + number, N711 description code, N722 type */
	{ "N7", NOCOND, EXK_EQUIPMENT, EXA_NEW, 0, {
		{ EXF_EQ_NUMBER, 1, 1 }, { EXF_EQ_NUMBER, 2, 1, "" },
		{ EXF_EQ_QUALIFIER, 11, 1 }, { EXF_EQ_SIZE_TYPE, 22, 1 } } },
	/* M7 seal numbers of the equipment before it */
	{ "M7", NOCOND, EXK_EQUIPMENT, EXA_EXISTING, 0, {
		{ EXF_EQ_SEAL, 1, 1 }, { EXF_EQ_SEAL, 2, 1 },
		{ EXF_EQ_SEAL, 3, 1 }, { EXF_EQ_SEAL, 4, 1 } } },
};

const struct ex_table extract_x12_generic = {
	"X12", NULL, ROWS(generic_rows), NULL,
};

/* Ocean lading lines of 310 and 301: LX opens an item, L0 counts and
 * weighs it, L5 describes it (continuation lines are the fixed-width
 * wrap of one text, so they are concatenated as they are), L503 is the
 * commodity (HS) code whatever L504 qualifies it as (senders use H, J
 * and Z alike). */
static const struct ex_rule lading_rows[] = {
	{ "LX", NOCOND, EXK_GOODS, EXA_NEW, 0, { { EXF_GOODS_ITEM, 1, 1 } } },
	{ "L0", NOCOND, EXK_GOODS, EXA_CURRENT, 0, {
		{ EXF_GOODS_WEIGHT, 4, 1 }, { EXF_GOODS_PACKAGES, 8, 1 },
		{ EXF_GOODS_PKG_TYPE, 9, 1 }, { EXF_GOODS_WEIGHT_UNIT, 11, 1 } } },
	{ "L5", NOCOND, EXK_GOODS, EXA_CURRENT, 0, {
		{ EXF_GOODS_DESC, 2, 1, "" } } },
	{ "L5", NOCOND, EXK_GOODS, EXA_CURRENT, 0, {
		{ EXF_GOODS_HS, 3, 1 } } },
};

/* 310 freight receipt: lading lines, V1, N7/M7 from the generic rows. */
static const char *const t310_types[] = { "310", NULL };
static const struct ex_table t310 = { "310", t310_types, ROWS(lading_rows), &extract_x12_generic };

/* 301 booking confirmation: lading lines; Y4 equipment type only. */
static const char *const t301_types[] = { "301", "300", NULL };
static const struct ex_table t301 = { "301", t301_types, ROWS(lading_rows), &extract_x12_generic };

/* Customs manifest rows shared by 309 and 350: M10 vessel, P4 US port of
 * arrival, M11 bill of lading and foreign port of lading. */
#define MANIFEST_ROWS \
	/* M10 SCAC, transport method, country of registry (M1003), vessel */ \
	/* code, name, voyage ... M1010 vessel code qualifier (897) */ \
	{ "M10", NOCOND, EXK_TRANSPORT, EXA_NEW, 0, { \
		{ EXF_TR_CARRIER, 1, 1 }, { EXF_TR_MODE, 2, 1 }, \
		{ EXF_TR_VESSEL, 5, 1 }, { EXF_TR_VOYAGE, 6, 1 } } }, \
	VESSEL_CODE_ROWS("M10", 4, 10), \
	/* P401 (US port of arrival) and M1102 (foreign port of lading) are */ \
	/* codes of US Census Schedules D and K, named as R402 names them. */ \
	{ "P4", NOCOND, EXK_LOCATION, EXA_NEW, 0, { \
		LIT(EXF_LOC_QUAL, "P4"), { EXF_LOC_OTHER_CODE, 1, 1 }, \
		LIT(EXF_LOC_CODE_LIST, "D") } }, \
	{ "M11", NOCOND, EXK_REFERENCE, EXA_NEW, 0, { \
		LIT(EXF_REF_QUAL, "BM"), { EXF_REF_VALUE, 1, 1 } } }, \
	{ "M11", NOCOND, EXK_LOCATION, EXA_NEW, 0, { \
		LIT(EXF_LOC_QUAL, "M11"), { EXF_LOC_OTHER_CODE, 2, 1 }, \
		LIT(EXF_LOC_CODE_LIST, "K") } }

/* 309 customs manifest: LX bill of lading loop; VID container (initial +
 * number, seals); N10 goods: quantity, description, marks, N1004 J =
 * HTS number in N1005, weight unit, weight. N10 lines without a quantity
 * continue the previous description (a fixed-width wrap: concatenated). */
static const struct ex_rule t309_rows[] = {
	MANIFEST_ROWS,
	{ "LX", NOCOND, EXK_GOODS, EXA_NEW, 0, { { EXF_GOODS_ITEM, 1, 1 } } },
	{ "VID", NOCOND, EXK_EQUIPMENT, EXA_NEW, 0, {
		{ EXF_EQ_QUALIFIER, 1, 1 },
		{ EXF_EQ_NUMBER, 2, 1 }, { EXF_EQ_NUMBER, 3, 1, "" },
		{ EXF_EQ_SEAL, 4, 1 }, { EXF_EQ_SEAL, 5, 1 },
		{ EXF_EQ_SIZE_TYPE, 9, 1 } } },
	{ "N10", COND(1, 1, "*"), EXK_GOODS, EXA_NEW_IF_SET, EXF_GOODS_DESC, {
		{ EXF_GOODS_PACKAGES, 1, 1 }, { EXF_GOODS_DESC, 2, 1 },
		{ EXF_GOODS_WEIGHT_UNIT, 7, 1 }, { EXF_GOODS_WEIGHT, 8, 1 } } },
	{ "N10", COND(1, 1, "-"), EXK_GOODS, EXA_CURRENT, 0, {
		{ EXF_GOODS_DESC, 2, 1, "" } } },
	{ "N10", COND(4, 1, "J"), EXK_GOODS, EXA_EXISTING, 0, {
		{ EXF_GOODS_HS, 5, 1 } } },
};
static const char *const t309_types[] = { "309", NULL };
static const struct ex_table t309 = { "309", t309_types, ROWS(t309_rows), &extract_x12_generic };

/* 350 customs status information: the manifest rows plus M15 (action
 * code, reference) and X4 (entry/ release, kept as a reference). */
static const struct ex_rule t350_rows[] = {
	MANIFEST_ROWS,
	{ "X4", NOCOND, EXK_REFERENCE, EXA_NEW, 0, {
		LIT(EXF_REF_QUAL, "X4"), { EXF_REF_VALUE, 1, 1 } } },
};
static const char *const t350_types[] = { "350", "353", "355", NULL };
static const struct ex_table t350 = { "350", t350_types, ROWS(t350_rows), &extract_x12_generic };

/* 315 ocean status: B4 has the container as initial (B407), number
 * (B408) and check digit (B413; without it the number is incomplete and
 * N9*EQ is the source), and the place in B411, whose location qualifier
 * B412 says what it is as R402 does in R4 (UN/LOCODE only for UN);
 * Q2 the vessel; N9*EQ the container. */
static const struct ex_rule t315_rows[] = {
	{ "B4", COND(13, 1, "*"), EXK_EQUIPMENT, EXA_NEW, 0, {
		{ EXF_EQ_NUMBER, 7, 1 }, { EXF_EQ_NUMBER, 8, 1, "" },
		{ EXF_EQ_NUMBER, 13, 1, "" }, { EXF_EQ_SIZE_TYPE, 10, 1 } } },
	{ "B4", COND(12, 1, "UN"), EXK_LOCATION, EXA_NEW, 0, {
		LIT(EXF_LOC_QUAL, "B4"), { EXF_LOC_CODE, 11, 1 } } },
	{ "B4", COND2(12, 1, "!UN", 11, 1, "*"), EXK_LOCATION, EXA_NEW, 0, {
		LIT(EXF_LOC_QUAL, "B4"), { EXF_LOC_OTHER_CODE, 11, 1 },
		{ EXF_LOC_CODE_LIST, 12, 1 } } },
};
static const char *const t315_types[] = { "315", "313", NULL };
static const struct ex_table t315 = { "315", t315_types, ROWS(t315_rows), &extract_x12_generic };

const struct ex_table *const extract_x12_tables[] = {
	&t309, &t350, &t315, &t310, &t301, NULL,
};
