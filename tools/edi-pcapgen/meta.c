#include "meta.h"

#include <string.h>

#define META_ADD(fn, type, arr, cnt, cap)                  \
	type *fn(struct msg_meta *m)                       \
	{                                                  \
		if (m->cnt >= (cap))                       \
			return NULL;                       \
		memset(&m->arr[m->cnt], 0, sizeof(m->arr[0])); \
		return &m->arr[m->cnt++];                  \
	}

META_ADD(meta_add_party, struct meta_party, parties, nparties, META_MAX_ITEMS)
META_ADD(meta_add_ref, struct meta_reference, refs, nrefs, META_MAX_ITEMS)
META_ADD(meta_add_equipment, struct meta_equipment, equip, nequip, META_MAX_ITEMS)
META_ADD(meta_add_goods, struct meta_goods, goods, ngoods, META_MAX_ITEMS)
META_ADD(meta_add_location, struct meta_location, locs, nlocs, META_MAX_ITEMS)
META_ADD(meta_add_transport, struct meta_transport, transport, ntransport, 2)

void json_str(struct ebuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;

	ebuf_putc(b, '"');
	for (; *p; p++) {
		const unsigned char *run = p;

		/* Copy runs that need no escaping in one go. */
		while (*p >= 0x20 && *p != '"' && *p != '\\' && *p != 0x7f)
			p++;
		ebuf_put(b, run, (size_t)(p - run));
		if (!*p)
			break;
		if (*p == '"' || *p == '\\') {
			ebuf_putc(b, '\\');
			ebuf_putc(b, *p);
		} else if (*p < 0x20 || *p == 0x7f) {
			char e[6] = { '\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15] };

			ebuf_put(b, e, sizeof(e));
		} else {
			ebuf_putc(b, *p);
		}
	}
	ebuf_putc(b, '"');
}

void json_kv(struct ebuf *b, bool *first, const char *key, const char *value)
{
	if (!value || !*value)
		return;
	if (!*first)
		ebuf_putc(b, ',');
	*first = false;
	json_str(b, key);
	ebuf_putc(b, ':');
	json_str(b, value);
}

void meta_envelope_json(struct ebuf *b, const struct meta_envelope *e)
{
	bool first = true;

	ebuf_putc(b, '{');
	json_kv(b, &first, "senderId", e->sender_id);
	json_kv(b, &first, "senderQualifier", e->sender_qualifier);
	json_kv(b, &first, "recipientId", e->recipient_id);
	json_kv(b, &first, "recipientQualifier", e->recipient_qualifier);
	json_kv(b, &first, "date", e->date);
	json_kv(b, &first, "time", e->time);
	json_kv(b, &first, "controlRef", e->control_ref);
	if (e->test) {
		ebuf_puts(b, first ? "\"test\":true" : ",\"test\":true");
		first = false;
	}
	json_kv(b, &first, "syntaxId", e->syntax_id);
	json_kv(b, &first, "syntaxVersion", e->syntax_version);
	json_kv(b, &first, "groupId", e->group_id);
	json_kv(b, &first, "groupSender", e->group_sender);
	json_kv(b, &first, "groupRecipient", e->group_recipient);
	json_kv(b, &first, "groupControlRef", e->group_control_ref);
	json_kv(b, &first, "messageType", e->message_type);
	json_kv(b, &first, "messageVersion", e->message_version);
	json_kv(b, &first, "messageRelease", e->message_release);
	json_kv(b, &first, "agency", e->agency);
	json_kv(b, &first, "associationCode", e->association_code);
	json_kv(b, &first, "messageRef", e->message_ref);
	ebuf_putc(b, '}');
}

static void parties_json(struct ebuf *b, const struct msg_meta *m)
{
	ebuf_puts(b, ",\"parties\":[");
	for (unsigned i = 0; i < m->nparties; i++) {
		const struct meta_party *p = &m->parties[i];
		bool first = true;

		ebuf_puts(b, i ? ",{" : "{");
		json_kv(b, &first, "role", p->role);
		json_kv(b, &first, "id", p->id);
		json_kv(b, &first, "name", p->name);
		json_kv(b, &first, "country", p->country);
		ebuf_putc(b, '}');
	}
	ebuf_putc(b, ']');
}

static void refs_json(struct ebuf *b, const struct msg_meta *m)
{
	ebuf_puts(b, ",\"references\":[");
	for (unsigned i = 0; i < m->nrefs; i++) {
		bool first = true;

		ebuf_puts(b, i ? ",{" : "{");
		json_kv(b, &first, "qualifier", m->refs[i].qualifier);
		json_kv(b, &first, "value", m->refs[i].value);
		ebuf_putc(b, '}');
	}
	ebuf_putc(b, ']');
}

static void equipment_json(struct ebuf *b, const struct msg_meta *m)
{
	ebuf_puts(b, ",\"equipment\":[");
	for (unsigned i = 0; i < m->nequip; i++) {
		const struct meta_equipment *e = &m->equip[i];
		bool first = true;

		ebuf_puts(b, i ? ",{" : "{");
		json_kv(b, &first, "number", e->number);
		ebuf_printf(b, ",\"iso6346\":true,\"checkDigitValid\":%s,\"seals\":[",
			    e->check_digit_valid ? "true" : "false");
		for (unsigned s = 0; s < e->nseals; s++) {
			if (s)
				ebuf_putc(b, ',');
			json_str(b, e->seals[s]);
		}
		ebuf_putc(b, ']');
		json_kv(b, &first, "stowagePosition", e->stowage);
		ebuf_putc(b, '}');
	}
	ebuf_putc(b, ']');
}

static void goods_json(struct ebuf *b, const struct msg_meta *m)
{
	ebuf_puts(b, ",\"goods\":[");
	for (unsigned i = 0; i < m->ngoods; i++) {
		const struct meta_goods *g = &m->goods[i];
		bool first = true;

		ebuf_puts(b, i ? ",{" : "{");
		json_kv(b, &first, "description", g->description);
		json_kv(b, &first, "hsCode", g->hs_code);
		json_kv(b, &first, "packages", g->packages);
		ebuf_putc(b, '}');
	}
	ebuf_putc(b, ']');
}

static void locations_json(struct ebuf *b, const struct msg_meta *m)
{
	ebuf_puts(b, ",\"locations\":[");
	for (unsigned i = 0; i < m->nlocs; i++) {
		bool first = true;

		ebuf_puts(b, i ? ",{" : "{");
		json_kv(b, &first, "qualifier", m->locs[i].qualifier);
		json_kv(b, &first, "locode", m->locs[i].locode);
		json_kv(b, &first, "code", m->locs[i].code);
		json_kv(b, &first, "codeList", m->locs[i].code_list);
		ebuf_putc(b, '}');
	}
	ebuf_putc(b, ']');
}

static void transport_json(struct ebuf *b, const struct msg_meta *m)
{
	ebuf_puts(b, ",\"transport\":[");
	for (unsigned i = 0; i < m->ntransport; i++) {
		const struct meta_transport *t = &m->transport[i];
		bool first = true;

		ebuf_puts(b, i ? ",{" : "{");
		json_kv(b, &first, "vesselName", t->vessel_name);
		json_kv(b, &first, "imo", t->imo);
		json_kv(b, &first, "voyage", t->voyage);
		ebuf_putc(b, '}');
	}
	ebuf_putc(b, ']');
}

void meta_values_json(struct ebuf *b, const struct msg_meta *m)
{
	parties_json(b, m);
	refs_json(b, m);
	equipment_json(b, m);
	goods_json(b, m);
	locations_json(b, m);
	transport_json(b, m);
	ebuf_printf(b, ",\"segmentCount\":%u", m->segment_count);
}
