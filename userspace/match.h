/* Matching one message against an indicator store.
 *
 *   struct match_set ms;
 *   match_set_init(&ms);
 *   for each message:
 *       n = indicator_store_match(store, msg, time(NULL), &ms);   // resets ms first
 *       Edisensor__V1__Hit hit = EDISENSOR__V1__HIT__INIT;
 *       if (n > 0 && match_build_hit(&hit, msg, &ms))
 *           output(&hit);             // pack / print it now
 *   match_set_fini(&ms);
 *
 * Ownership: the match_set owns every Match and Finding it lists and all
 * their strings and evidence Segments (copies: nothing points into the
 * store or the message), until the next indicator_store_match,
 * match_set_reset or match_set_fini on it. The Hit built by match_build_hit
 * borrows the message and the set's arrays: never free it with
 * protobuf_c_message_free_unpacked; let it go out of scope.
 *
 * Fields checked, and the indicator types each accepts:
 *   flow.src_ip, flow.dst_ip                 Intel::ADDR, Intel::SUBNET (longest prefix)
 *   envelope.sender_id, envelope.recipient_id, parties[R].id    EDI::PARTY_ID
 *   parties[R].name                          EDI::PARTY_NAME (substring)
 *   goods[i].description                     EDI::KEYWORD (substring)
 *   goods[i].hs_code                         EDI::HS_CODE (digit prefix)
 *   equipment[i].number                      EDI::CONTAINER (+ CONTAINER_CHECK_DIGIT finding)
 *   references[Q].value                      EDI::REFERENCE
 *   locations[Q].locode                      EDI::LOCODE
 *   transport[i].imo, transport[i].vessel_name  EDI::VESSEL (+ IMO_CHECK_DIGIT finding)
 * R is the party role (CN, CZ...), Q the qualifier (BM, 9...), or the
 * index when the message has none. An indicator with meta.fields matches
 * only the fields its list allows; an expired one (expires <= now) never. */
#ifndef EDISENSOR_MATCH_H
#define EDISENSOR_MATCH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "edisensor.pb-c.h"
#include "indicator_store.h"

/* Where a match came from, for counters (parallel to matches[]). */
struct match_origin {
	uint32_t indicator;     /* id in the store */
	uint16_t feed;          /* feed index in the store */
	uint8_t type;           /* enum indicator_type */
};

struct match_block;

struct match_set {
	Edisensor__V1__Match **matches;
	size_t n_matches;
	Edisensor__V1__Finding **findings;
	size_t n_findings;
	struct match_origin *origins;
	/* private */
	size_t cap_matches, cap_findings;
	struct match_block *blocks, *cur;
	char *scratch;
	size_t scratch_cap;
};

void match_set_init(struct match_set *ms);
/* Forgets every match and finding, keeping the memory for the next message. */
void match_set_reset(struct match_set *ms);
void match_set_fini(struct match_set *ms);

/* Resets out, then adds a Match per (indicator, field) that matched and a
 * Finding per equipment number with ISO 6346 shape and a wrong check digit
 * and per IMO number (7 digits) with a wrong check digit.
 * store may be NULL (findings only). Returns matches + findings, or -ENOMEM
 * (out then holds what was found before memory ran out). */
int indicator_store_match(const struct indicator_store *store, const Edisensor__V1__Message *msg,
			  uint64_t now_s, struct match_set *out);

/* Fills hit (initialised with EDISENSOR__V1__HIT__INIT) from the message
 * and the set when the set is not empty; false, hit untouched, otherwise. */
bool match_build_hit(Edisensor__V1__Hit *hit, Edisensor__V1__Message *msg,
		     const struct match_set *ms);

#endif
