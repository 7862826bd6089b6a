#include "values.h"

#include <stdio.h>
#include <string.h>

#include "iso6346.h"

static const char *const name_heads[] = {
	"NORDIC", "ATLANTIC", "PACIFIC", "HANSEATIC", "GOLDEN", "ORIENT", "EURO",
	"TRANS", "GLOBAL", "ROYAL", "STAR", "BLUE OCEAN", "SILK ROAD", "DELTA",
	"ALPINE", "MERIDIAN", "CONTINENTAL", "HARBOUR", "SUMMIT", "PIONEER",
};
/* Latin-1 letters in UTF-8: these become single bytes on a UNOC wire. */
static const char *const name_heads_latin[] = {
	"MÜLLER", "SØRENSEN", "GARÇON", "ÅKERLUND", "CORAÑA", "FRÈRES DUPRÉ",
	"Löwenbräu", "ÖRESUND", "JOÃO", "ÉTOILE",
};
static const char *const name_mids[] = {
	"TRADING", "LOGISTICS", "SHIPPING", "IMPORT EXPORT", "FREIGHT", "TEXTILES",
	"ELECTRONICS", "AUTO PARTS", "FOODS", "CHEMICALS", "MACHINERY", "TOYS",
};
/* Characters that are separators or release characters in some interchange. */
static const char *const name_specials[] = {
	" + SONS", " O'NEILL", " A:B", " WHAT? CORP", " 50% * 2", " N^1", " $HOP",
	" J|K", " TILDE~", " R!SE", " A\\B", " & CO",
};
static const char *const name_tails[] = {
	"GMBH", "LTD", "S.A.", "B.V.", "CO., LTD", "INC", "SRL", "AS", "OY", "KG",
	"PTE LTD", "LLC",
};

void val_company(struct rng *r, bool latin, char *out, size_t cap)
{
	const char *head = RNG_PICK(r, name_heads), *mid, *tail;
	const char *special = "";

	if (latin && rng_chance(r, 0.5)) {
		head = RNG_PICK(r, name_heads_latin);
	}
	if (rng_chance(r, 0.35))
		special = RNG_PICK(r, name_specials);
	tail = RNG_PICK(r, name_tails);
	mid = RNG_PICK(r, name_mids);
	snprintf(out, cap, "%s%s %s %s", head, special, mid, tail);
}

static void digits(struct rng *r, char *out, int n)
{
	for (int i = 0; i < n; i++)
		out[i] = (char)('0' + rng_below(r, 10));
	out[n] = '\0';
}

static const char *const countries[] = {
	"DE", "NL", "BE", "FR", "GB", "US", "CN", "SG", "BR", "IN", "DK", "PL",
	"IT", "ES", "KR", "JP", "TR", "VN", "MX", "CL",
};

const char *val_country(struct rng *r)
{
	return RNG_PICK(r, countries);
}

void val_party_id(struct rng *r, char *out, size_t cap)
{
	char d[16];

	switch (rng_below(r, 3)) {
	case 0:
		digits(r, d, (int)rng_range(r, 10, 15));
		snprintf(out, cap, "%s%s", val_country(r), d);
		break;
	case 1:
		digits(r, d, 13);
		snprintf(out, cap, "%s", d);
		break;
	default:
		snprintf(out, cap, "%s", val_scac(r));
		break;
	}
}

static const char *const owner_codes[] = {
	"MSCU", "MAEU", "HLXU", "CMAU", "OOLU", "TCNU", "GESU", "TGHU", "CSQU",
	"EMCU", "MRKU", "SUDU", "HASU", "TRLU", "BMOU", "FSCU", "SEGU", "CAIU",
};

void val_container(struct rng *r, bool bad, char *out, size_t cap)
{
	char s[12];
	int cd;

	memcpy(s, RNG_PICK(r, owner_codes), 4);
	digits(r, s + 4, 6);
	cd = iso6346_check_digit(s);
	if (cd < 0)
		cd = 0;
	if (bad)
		cd = (cd + (int)rng_range(r, 1, 9)) % 10;
	s[10] = (char)('0' + cd);
	s[11] = '\0';
	snprintf(out, cap, "%s", s);
}

static const char *const hs_headings[] = {
	"8504", "6403", "9503", "3004", "8471", "6204", "4011", "8517", "6109",
	"9403", "3926", "8708", "0901", "2204", "7308", "8544", "9018", "4202",
	"6110", "8415", "2710", "3304", "8528", "9401",
};

void val_hs_code(struct rng *r, char *out, size_t cap)
{
	static const int lens[] = { 4, 6, 6, 8, 10 };
	int len = lens[rng_below(r, 5)];
	char d[8];

	digits(r, d, len - 4);
	snprintf(out, cap, "%s%s", RNG_PICK(r, hs_headings), d);
}

static const char *const locodes[] = {
	"NLRTM", "DEHAM", "BEANR", "CNSHA", "CNNGB", "SGSIN", "USNYC", "USLAX",
	"USLGB", "USSAV", "USHOU", "GBFXT", "FRLEH", "ESVLC", "ITGOA", "KRPUS",
	"JPTYO", "BRSSZ", "CLSVE", "INNSA", "TRMER", "PLGDN", "DKAAR", "MXZLO",
	"VNSGN", "CNYTN", "TWKHH", "AEJEA", "EGPSD", "MAPTM",
};

const char *val_locode(struct rng *r)
{
	return RNG_PICK(r, locodes);
}

int val_imo_check_digit(const char *s)
{
	int sum = 0;

	for (int i = 0; i < 6; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		sum += (s[i] - '0') * (7 - i);
	}
	return sum % 10;
}

void val_imo(struct rng *r, char *out, size_t cap)
{
	char s[8];

	s[0] = (char)('9' - rng_below(r, 2));
	digits(r, s + 1, 5);
	s[6] = (char)('0' + val_imo_check_digit(s));
	s[7] = '\0';
	snprintf(out, cap, "%s", s);
}

static const char *const bl_prefixes[] = {
	"MAEU", "MEDU", "HLCU", "CMDU", "OOLU", "COSU", "EGLV", "ONEY", "ZIMU",
};

void val_bill_of_lading(struct rng *r, char *out, size_t cap)
{
	char d[12];

	digits(r, d, (int)rng_range(r, 8, 10));
	snprintf(out, cap, "%s%s", RNG_PICK(r, bl_prefixes), d);
}

void val_booking(struct rng *r, char *out, size_t cap)
{
	char d[12];

	digits(r, d, 9);
	snprintf(out, cap, "%u%s", rng_range(r, 1, 9), d);
}

void val_reference(struct rng *r, const char *prefix, char *out, size_t cap)
{
	char d[12];

	digits(r, d, 8);
	snprintf(out, cap, "%s%s", prefix, d);
}

static const char *const vessels[] = {
	"MONTE CERVANTES", "POLAR ECUADOR", "MAERSK ESSEN", "MSC GULSUN",
	"EVER GIVEN", "CMA CGM MARCO POLO", "HMM ALGECIRAS", "OOCL BEIJING",
	"COSCO SHIPPING ARIES", "ONE APUS", "HAMBURG EXPRESS", "MSC ZOE",
};

const char *val_vessel_name(struct rng *r)
{
	return RNG_PICK(r, vessels);
}

void val_date(struct rng *r, bool century, char *out, size_t cap)
{
	unsigned day = rng_range(r, 1, 28);
	unsigned month = rng_range(r, 1, 12);

	snprintf(out, cap, "%s%02u%02u", century ? "2026" : "26", month, day);
}

void val_time(struct rng *r, char *out, size_t cap)
{
	unsigned minute = rng_below(r, 60);
	unsigned hour = rng_below(r, 24);

	snprintf(out, cap, "%02u%02u", hour, minute);
}

void val_voyage(struct rng *r, char *out, size_t cap)
{
	static const char dirs[] = "NSEW";

	char dir = dirs[rng_below(r, 4)];
	unsigned n = rng_below(r, 1000);

	snprintf(out, cap, "%03u%c", n, dir);
}

void val_seal(struct rng *r, char *out, size_t cap)
{
	char d[8];

	digits(r, d, 7);
	char second = (char)('A' + rng_below(r, 26));
	char first = (char)('A' + rng_below(r, 26));

	snprintf(out, cap, "%c%c%s", first, second, d);
}

static const char *const goods[] = {
	"TRUCK TIRES", "FROZEN SHRIMP", "COTTON T-SHIRTS", "LITHIUM ION BATTERIES",
	"SPARE PARTS FOR PUMPS", "PLASTICS:ARTICLES OF THE KIND", "TOYS+GAMES",
	"WOMEN'S LEATHER SHOES", "WHAT? LABELS", "OFFICE FURNITURE",
	"ROASTED COFFEE BEANS", "RED WINE 75CL", "STEEL STRUCTURES",
	"INSULATED COPPER WIRE", "MEDICAL INSTRUMENTS", "HANDBAGS * LEATHER",
	"AIR CONDITIONERS", "PHARMACEUTICALS 100% PURE", "LCD MONITORS",
};
static const char *const goods_latin[] = {
	"CAFÉ TORRÉFIÉ", "PIÈCES DÉTACHÉES", "SCHUHE AUS LEDER, GRÖSSE 42",
	"JAMÓN SERRANO", "SMØR OG OST",
};

void val_goods_text(struct rng *r, bool latin, char *out, size_t cap)
{
	const char *g = latin && rng_chance(r, 0.3) ? RNG_PICK(r, goods_latin) :
						     RNG_PICK(r, goods);

	snprintf(out, cap, "%u %s", rng_range(r, 1, 999), g);
}

static const char *const streets[] = {
	"HAFENSTRASSE 12", "MAIN STREET 400", "AVENIDA PAULISTA 1717",
	"KEIZERSGRACHT 21", "ESPLANADEN 50", "HARBOUR ROAD 7", "RUE DU PORT 3",
};
static const char *const cities[] = {
	"HAMBURG", "ROTTERDAM", "ANTWERP", "SHANGHAI", "SINGAPORE", "NEWARK",
	"SANTOS", "COPENHAGEN", "LE HAVRE", "GENOA", "BUSAN", "SAVANNAH",
};

const char *val_street(struct rng *r)
{
	return RNG_PICK(r, streets);
}

const char *val_city(struct rng *r)
{
	return RNG_PICK(r, cities);
}

void val_postcode(struct rng *r, char *out, size_t cap)
{
	char d[8];

	digits(r, d, 5);
	snprintf(out, cap, "%s", d);
}

static const char *const scacs[] = {
	"MAEU", "MSCU", "HLCU", "CMDU", "OOLU", "COSU", "EGLV", "ONEY", "ZIMU",
	"HDMU", "YMLU", "WHLC",
};

const char *val_scac(struct rng *r)
{
	return RNG_PICK(r, scacs);
}

static const char *const us_ports[] = {
	"1001", "1803", "2704", "5301", "3002", "1601", "2709", "4601",
};

const char *val_us_port(struct rng *r)
{
	return RNG_PICK(r, us_ports);
}

static const char *const foreign_ports[] = {
	"57035", "42157", "58201", "35177", "42879", "47557", "55976", "21000",
};

const char *val_foreign_port(struct rng *r)
{
	return RNG_PICK(r, foreign_ports);
}

static const char *const size_types[] = { "45G1", "22G1", "42G1", "22R1", "45R1", "L5G1" };

const char *val_size_type(struct rng *r)
{
	return RNG_PICK(r, size_types);
}

void val_edi_address(struct rng *r, char *out, size_t cap)
{
	static const char *const heads[] = {
		"CUSTOMS", "NLCUSTOMS", "DEZOLL", "CBPACE", "PORTNET", "MAERSK",
		"HAPAG", "MSCGVA", "ECTDELTA", "HHLA", "PSA", "DPWORLD",
	};
	char d[8];

	digits(r, d, (int)rng_range(r, 0, 5));
	snprintf(out, cap, "%s%s", RNG_PICK(r, heads), d);
}
