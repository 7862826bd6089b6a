/* EDIFACT extraction tables. Element/component numbers are 1-based as in
 * the UN/EDIFACT directories (NAD element 2 = C082, component 1 = 3039).
 * Rows of a family table replace the rows of its base for the same tag. */
#include "extract.h"

/* Rows name only the members they use; the rest are zero by design. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define ROWS(a) a, sizeof(a) / sizeof(a[0])
#define NOCOND { { 0, 0, 0 } }
#define COND(e, c, v) { { e, c, v } }
#define COND2(e, c, v, e2, c2, v2) { { e, c, v }, { e2, c2, v2 } }
#define COND3(e, c, v, e2, c2, v2, e3, c3, v3) { { e, c, v }, { e2, c2, v2 }, { e3, c3, v3 } }

/* LOC 3227 qualifier + C517 3225 id : 1131 code list : 3055 agency : 3224
 * name. 3225 is a UN/LOCODE when it has the shape and the agency is 6
 * (UN/ECE, which keeps UN/LOCODE) or absent: the directories' note on
 * 3225 recommends UN/LOCODE and names another code set by 1131/3055
 * otherwise (EANCOM: 3055 is required when 3225 is no UN/LOCODE), so a
 * list alone (139 port, as SMDG sends :139:6) does not change it. Any
 * other id (another agency's code, a customs office, a name-like id, a
 * declared LOCODE that is none) is a code, its list and agency as sent
 * ("1131:3055"). 3227 = 147 is the stowage cell, a position on the
 * vessel: the container's (the LOC+147 rows), never a place. */
#define PLACE_ROWS \
	{ "LOC", COND(1, 1, "!147"), EXK_LOCATION, EXA_NEW, 0, { \
		{ EXF_LOC_QUAL, 1, 1 }, { EXF_LOC_NAME, 2, 4 } } }, \
	{ "LOC", COND3(1, 1, "!147", 2, 3, "6", 2, 1, "@locode"), EXK_LOCATION, \
	  EXA_SEGMENT_IF_UNSET, EXF_LOC_CODE, { { EXF_LOC_CODE, 2, 1 } } }, \
	{ "LOC", COND3(1, 1, "!147", 2, 3, "-", 2, 1, "@locode"), EXK_LOCATION, \
	  EXA_SEGMENT_IF_UNSET, EXF_LOC_CODE, { { EXF_LOC_CODE, 2, 1 } } }, \
	{ "LOC", COND2(1, 1, "!147", 2, 1, "*"), EXK_LOCATION, \
	  EXA_SEGMENT_IF_UNSET, EXF_LOC_CODE, { \
		{ EXF_LOC_OTHER_CODE, 2, 1 }, { EXF_LOC_CODE_LIST, 2, 2 }, \
		{ EXF_LOC_CODE_LIST, 2, 3, ":", .lead_sep = true } } }

/* Rows every EDIFACT message shares: parties, references, places, dates,
 * transport, equipment, free-text goods. */
static const struct ex_rule generic_rows[] = {
	/* NAD 3035 + C082 id:list:agency + C058 name and address + C080 party
	 * name + C059 street + 3164 city + C819 + 3251 postcode + 3207 country */
	{ "NAD", NOCOND, EXK_PARTY, EXA_NEW, 0, {
		{ EXF_PARTY_ROLE, 1, 1 },
		{ EXF_PARTY_ID, 2, 1 },
		{ EXF_PARTY_ID_SCHEME, 2, 2 },
		{ EXF_PARTY_ID_SCHEME, 2, 3, ":" },
		{ EXF_PARTY_NAME, 4, 0 },
		{ EXF_PARTY_NAME, 3, 1 },          /* fallback: C058 line 1 */
		{ EXF_PARTY_ADDRESS, 5, 0, NULL, ", " },
		{ EXF_PARTY_CITY, 6, 1 },
		{ EXF_PARTY_POSTCODE, 8, 1 },
		{ EXF_PARTY_COUNTRY, 9, 1 } } },
	/* C058 without C080: unstructured name and address lines, the first
	 * the name (above), the others the address when C059 has none */
	{ "NAD", COND2(4, 1, "-", 5, 1, "-"), EXK_PARTY, EXA_EXISTING, 0, {
		{ EXF_PARTY_ADDRESS, 3, 2, ", " }, { EXF_PARTY_ADDRESS, 3, 3, ", " },
		{ EXF_PARTY_ADDRESS, 3, 4, ", " }, { EXF_PARTY_ADDRESS, 3, 5, ", " } } },
	/* RFF C506 1153 qualifier : 1154 reference */
	{ "RFF", NOCOND, EXK_REFERENCE, EXA_NEW, 0, {
		{ EXF_REF_QUAL, 1, 1 }, { EXF_REF_VALUE, 1, 2 } } },
	PLACE_ROWS,
	/* LOC+147 in the EQD group after its EQD (COPRAR, COARRI, CODECO...):
	 * the current container's cell */
	{ "LOC", COND(1, 1, "147"), EXK_EQUIPMENT, EXA_CURRENT, 0, {
		{ EXF_EQ_STOWAGE, 2, 1 } } },
	/* DTM C507 2005 qualifier : 2380 value : 2379 format */
	{ "DTM", NOCOND, EXK_DATE, EXA_NEW, 0, {
		{ EXF_DATE_QUAL, 1, 1 }, { EXF_DATE_VALUE, 1, 2 }, { EXF_DATE_FORMAT, 1, 3 } } },
	/* TDT 8051 stage + 8028 voyage + C220 mode + C228/C001 + C040 carrier
	 * + 8101 + C401 + C222 8213 id : 1131 list : 3055 : 8212 name */
	{ "TDT", NOCOND, EXK_TRANSPORT, EXA_NEW, 0, {
		{ EXF_TR_STAGE, 1, 1 },
		{ EXF_TR_VOYAGE, 2, 1 },
		{ EXF_TR_MODE, 3, 1 },
		{ EXF_TR_CARRIER, 5, 1 },
		{ EXF_TR_CARRIER, 5, 4 },          /* fallback: carrier name */
		{ EXF_TR_VESSEL, 8, 4 } } },
	/* The C222 id is an IMO number by the evidence: code list 146 (means
	 * of transport identification) with agency 11 (Lloyd's register)
	 * declares one, kept when it has the shape (its check digit judged
	 * and flagged in extract_end); one of the two alone (146 with another
	 * or no agency, 11 with no list, or 11 written in the list slot) only
	 * when the check digit holds. Anything else (103 call sign, other
	 * lists, no evidence, a declared id that is no IMO number) is the
	 * vessel id. */
	{ "TDT", COND3(8, 2, "146", 8, 3, "11", 8, 1, "@imo7"), EXK_TRANSPORT,
	  EXA_SEGMENT_IF_UNSET, EXF_TR_IMO, { { EXF_TR_IMO, 8, 1 } } },
	{ "TDT", COND2(8, 2, "146|11", 8, 1, "@imo"), EXK_TRANSPORT,
	  EXA_SEGMENT_IF_UNSET, EXF_TR_IMO, { { EXF_TR_IMO, 8, 1 } } },
	{ "TDT", COND3(8, 2, "-", 8, 3, "11", 8, 1, "@imo"), EXK_TRANSPORT,
	  EXA_SEGMENT_IF_UNSET, EXF_TR_IMO, { { EXF_TR_IMO, 8, 1 } } },
	{ "TDT", NOCOND, EXK_TRANSPORT, EXA_SEGMENT_IF_UNSET, EXF_TR_IMO, {
		{ EXF_TR_VESSEL_ID, 8, 1 } } },
	/* EQD 8053 qualifier + C237 8260 number + C224 8155 size and type */
	{ "EQD", NOCOND, EXK_EQUIPMENT, EXA_NEW, 0, {
		{ EXF_EQ_QUALIFIER, 1, 1 },
		{ EXF_EQ_NUMBER, 2, 1 },
		{ EXF_EQ_SIZE_TYPE, 3, 1 } } },
	/* SEL 9308 seal number, in the EQD group */
	{ "SEL", NOCOND, EXK_EQUIPMENT, EXA_EXISTING, 0, {
		{ EXF_EQ_SEAL, 1, 1 } } },
	/* FTX+AAA goods description: C108 4440 text lines */
	{ "FTX", COND(1, 1, "AAA"), EXK_GOODS, EXA_NEW_IF_SET, EXF_GOODS_DESC, {
		{ EXF_GOODS_DESC, 4, 0 } } },
	/* GID 1496 item + C213 7224 packages : 7065 type */
	{ "GID", NOCOND, EXK_GOODS, EXA_NEW, 0, {
		{ EXF_GOODS_ITEM, 1, 1 },
		{ EXF_GOODS_PACKAGES, 2, 1 },
		{ EXF_GOODS_PKG_TYPE, 2, 2 } } },
	/* CST 1496 + C246 7361 customs code (CUSCAR CST++code, CUSDEC
	 * CST+1+code:list:agency) */
	{ "CST", NOCOND, EXK_GOODS, EXA_NEW_IF_SET, EXF_GOODS_HS, {
		{ EXF_GOODS_HS, 2, 1 } } },
	/* PIA 4347 + C212 7140 code : 7143 type (HS); C212 repeats in
	 * elements 2 to 6 (the HS code may follow the sender's article number) */
	{ "PIA", COND(2, 2, "HS"), EXK_GOODS, EXA_CURRENT, 0, {
		{ EXF_GOODS_HS, 2, 1 } } },
	{ "PIA", COND(3, 2, "HS"), EXK_GOODS, EXA_CURRENT, 0, {
		{ EXF_GOODS_HS, 3, 1 } } },
	{ "PIA", COND(4, 2, "HS"), EXK_GOODS, EXA_CURRENT, 0, {
		{ EXF_GOODS_HS, 4, 1 } } },
	{ "PIA", COND(5, 2, "HS"), EXK_GOODS, EXA_CURRENT, 0, {
		{ EXF_GOODS_HS, 5, 1 } } },
	{ "PIA", COND(6, 2, "HS"), EXK_GOODS, EXA_CURRENT, 0, {
		{ EXF_GOODS_HS, 6, 1 } } },
};

const struct ex_table extract_edifact_generic = {
	"EDIFACT", NULL, ROWS(generic_rows), NULL,
};

/* Goods item group (GID ... FTX CST PIA MEA SGP) of the customs and
 * forwarding messages: the text of one item spans several FTX+AAA. */
static const struct ex_rule goods_group_rows[] = {
	{ "FTX", COND(1, 1, "AAA"), EXK_GOODS, EXA_CURRENT, 0, {
		{ EXF_GOODS_DESC, 4, 0, " " } } },
	/* MEA+WT/AAE+G|AAB+unit:value: gross weight of the current item */
	{ "MEA", COND(2, 1, "G|AAB"), EXK_GOODS, EXA_EXISTING, 0, {
		{ EXF_GOODS_WEIGHT, 3, 2 }, { EXF_GOODS_WEIGHT_UNIT, 3, 1 } } },
	/* SGP C237 8260: the container an item is packed in */
	{ "SGP", NOCOND, EXK_EQUIPMENT, EXA_NEW, 0, {
		{ EXF_EQ_NUMBER, 1, 1 }, { EXF_EQ_QUALIFIER, 0, 0, NULL, NULL, "CN" } } },
};
static const struct ex_table goods_group = {
	"goods-item group", NULL, ROWS(goods_group_rows), &extract_edifact_generic,
};

/* CUSCAR cargo report: goods group plus CNI consignment B/L (1154). */
static const struct ex_rule cuscar_rows[] = {
	{ "CNI", NOCOND, EXK_REFERENCE, EXA_NEW, 0, {
		{ EXF_REF_QUAL, 0, 0, NULL, NULL, "BM" }, { EXF_REF_VALUE, 2, 1 } } },
};
static const char *const cuscar_types[] = { "CUSCAR", "CUSREP", NULL };
static const struct ex_table cuscar = { "CUSCAR", cuscar_types, ROWS(cuscar_rows), &goods_group };

/* CUSDEC declaration: goods group; TOD/terms are not metadata here. The
 * declaration's own number sits in BGM 1004. */
static const struct ex_rule cusdec_rows[] = {
	{ "BGM", NOCOND, EXK_REFERENCE, EXA_NEW, 0, {
		{ EXF_REF_QUAL, 0, 0, NULL, NULL, "ABT" }, { EXF_REF_VALUE, 2, 1 } } },
};
static const char *const cusdec_types[] = { "CUSDEC", NULL };
static const struct ex_table cusdec = { "CUSDEC", cusdec_types, ROWS(cusdec_rows), &goods_group };

/* CUSRES customs response: the declaration it answers is an RFF; the
 * response's status sits in GIS 7365 (kept as reference "GIS"). */
static const struct ex_rule cusres_rows[] = {
	{ "GIS", NOCOND, EXK_REFERENCE, EXA_NEW, 0, {
		{ EXF_REF_QUAL, 0, 0, NULL, NULL, "GIS" }, { EXF_REF_VALUE, 1, 1 } } },
};
static const char *const cusres_types[] = { "CUSRES", NULL };
static const struct ex_table cusres = { "CUSRES", cusres_types, ROWS(cusres_rows), &goods_group };

/* IFTMIN / IFTMBC instructions: goods group; CNI as in CUSCAR. */
static const char *const iftmin_types[] = { "IFTMIN", "IFTMBC", "IFTMBF", "IFTMCS", NULL };
static const struct ex_table iftmin = { "IFTMIN", iftmin_types, ROWS(cuscar_rows), &goods_group };
/* IFCSUM: the consignments are house bills, so CNI 1154 is a house B/L. */
static const struct ex_rule ifcsum_rows[] = {
	{ "CNI", NOCOND, EXK_REFERENCE, EXA_NEW, 0, {
		{ EXF_REF_QUAL, 0, 0, NULL, NULL, "BH" }, { EXF_REF_VALUE, 2, 1 } } },
};
static const char *const ifcsum_types[] = { "IFCSUM", NULL };
static const struct ex_table ifcsum = { "IFCSUM", ifcsum_types, ROWS(ifcsum_rows), &goods_group };

/* BAPLIE bay plan: one group per occupied cell, opened by its stowage
 * LOC+147, then MEA+WT (gross weight; VGM in D.13+), the container's
 * ports LOC+9/11..., RFF, and the EQD(s) in the cell. The cell is held
 * and taken by the EQDs up to the next LOC+147 (a cell without EQD, break
 * bulk, makes no record). */
static const struct ex_rule baplie_rows[] = {
	PLACE_ROWS,
	{ "LOC", COND(1, 1, "147"), EXK_EQUIPMENT, EXA_HOLD, 0, {
		{ EXF_EQ_STOWAGE, 2, 1 } } },
	{ "EQD", NOCOND, EXK_EQUIPMENT, EXA_NEW, 0, {
		{ EXF_EQ_QUALIFIER, 1, 1 },
		{ EXF_EQ_NUMBER, 2, 1 },
		{ EXF_EQ_SIZE_TYPE, 3, 1 },
		{ EXF_EQ_SIZE_TYPE, 3, 4 },       /* D.04B writes the type in 8154 */
		{ EXF_EQ_STOWAGE, .held = true } } },
};
static const char *const baplie_types[] = { "BAPLIE", NULL };
static const struct ex_table baplie = { "BAPLIE", baplie_types, ROWS(baplie_rows), &extract_edifact_generic };

/* Container operations (COPRAR, CODECO, COARRI): every EQD group has its
 * own FTX+AAA cargo text, so each FTX+AAA is one goods item. */
static const struct ex_rule container_ops_rows[] = {
	{ "FTX", COND(1, 1, "AAA"), EXK_GOODS, EXA_NEW, 0, {
		{ EXF_GOODS_DESC, 4, 0 } } },
};
static const char *const container_ops_types[] = { "COPRAR", "CODECO", "COARRI", "COPARN", NULL };
static const struct ex_table container_ops = {
	"COPRAR/CODECO/COARRI", container_ops_types, ROWS(container_ops_rows), &extract_edifact_generic,
};

/* IFTSTA status: the status event STS and its references, places, dates
 * and equipment are all generic rows; CNI carries the consignment number. */
static const struct ex_rule iftsta_rows[] = {
	{ "CNI", NOCOND, EXK_REFERENCE, EXA_NEW, 0, {
		{ EXF_REF_QUAL, 0, 0, NULL, NULL, "CNI" }, { EXF_REF_VALUE, 2, 1 } } },
};
static const char *const iftsta_types[] = { "IFTSTA", "IFTSAI", NULL };
static const struct ex_table iftsta = { "IFTSTA", iftsta_types, ROWS(iftsta_rows), &extract_edifact_generic };

const struct ex_table *const extract_edifact_tables[] = {
	&cuscar, &cusdec, &cusres, &iftmin, &ifcsum, &baplie, &container_ops, &iftsta, NULL,
};
