/* The ground truth of one generated message: what a correct parser extracts.
 * Filled by the templates while they write, turned into one manifest line. */
#ifndef PCAPGEN_META_H
#define PCAPGEN_META_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ebuf.h"

#define META_MAX_ITEMS 16

struct meta_envelope {
	char sender_id[40], sender_qualifier[8];
	char recipient_id[40], recipient_qualifier[8];
	char date[16], time[8], control_ref[20];
	bool test;
	char syntax_id[8], syntax_version[8];
	char group_id[12], group_sender[40], group_recipient[40], group_control_ref[20];
	char message_type[8], message_version[12], message_release[8];
	char agency[8], association_code[12], message_ref[20];
};

struct meta_party {
	char role[4], id[40], name[128], country[4];
};
struct meta_reference {
	char qualifier[8], value[48];
};
struct meta_equipment {
	char number[16];
	bool check_digit_valid;
	unsigned nseals;
	char seals[2][24];
	char stowage[12];      /* BAPLIE LOC+147 cell: a position, not a place */
};
struct meta_goods {
	char description[160], hs_code[16], packages[12];
};
struct meta_location {
	char qualifier[8], locode[16];
	char code[16], code_list[4];   /* a place code that is no UN/LOCODE, its list */
};
struct meta_transport {
	char vessel_name[64], imo[12], voyage[16];
};

enum meta_syntax { META_EDIFACT = 1, META_X12 = 2 };

struct msg_meta {
	enum meta_syntax syntax;
	struct meta_envelope env;
	unsigned nparties, nrefs, nequip, ngoods, nlocs, ntransport;
	struct meta_party parties[META_MAX_ITEMS];
	struct meta_reference refs[META_MAX_ITEMS];
	struct meta_equipment equip[META_MAX_ITEMS];
	struct meta_goods goods[META_MAX_ITEMS];
	struct meta_location locs[META_MAX_ITEMS];
	struct meta_transport transport[2];
	unsigned segment_count;
	uint64_t offset;       /* of the UNH/ST tag within the chunk being built */
	uint64_t end;          /* one past the trailer's terminator (or last byte sent) */
	bool truncated;
};

/* Add an item; returns NULL when the message already has META_MAX_ITEMS
 * (the template then skips writing it, so truth and wire stay equal). */
struct meta_party *meta_add_party(struct msg_meta *m);
struct meta_reference *meta_add_ref(struct msg_meta *m);
struct meta_equipment *meta_add_equipment(struct msg_meta *m);
struct meta_goods *meta_add_goods(struct msg_meta *m);
struct meta_location *meta_add_location(struct msg_meta *m);
struct meta_transport *meta_add_transport(struct msg_meta *m);

/* JSON helpers. */
void json_str(struct ebuf *b, const char *s);
/* Appends ,"key":"value" (or "key":"value" when first) if value is non-empty. */
void json_kv(struct ebuf *b, bool *first, const char *key, const char *value);
/* The envelope object (non-empty fields only). */
void meta_envelope_json(struct ebuf *b, const struct meta_envelope *e);
/* The message's value fields: ,"parties":[...],...,"segmentCount":N */
void meta_values_json(struct ebuf *b, const struct msg_meta *m);

#endif
