/* Manifest lines (JSON lines, see docs/MANIFEST.md). */
#include <stdio.h>
#include <string.h>

#include "gen.h"

uint64_t fnv1a64(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void put_pathologies(FILE *f, uint8_t patho)
{
	static const char *const names[] = { "retransmit", "duplicate", "reorder", "gap",
					     "truncated", "midstream", "garbage", "bare" };
	bool first = true;

	fputs("\"pathologies\":[", f);
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(patho & (1u << i)))
			continue;
		fprintf(f, "%s\"%s\"", first ? "" : ",", names[i]);
		first = false;
	}
	fputc(']', f);
}

void manifest_line(struct gen *g, const char *json, size_t len, int64_t offset, uint8_t patho)
{
	fwrite(json, 1, len, g->manifest);
	fprintf(g->manifest, ",\"streamOffset\":%lld,", (long long)offset);
	put_pathologies(g->manifest, patho);
	fputs("}\n", g->manifest);
}

void manifest_connection(struct gen *g, const struct conn *c, int d)
{
	const struct tdir *t = &c->d[d];
	FILE *f = g->manifest;

	fprintf(f, "{\"kind\":\"connection\",\"flow\":%s,\"bytes\":%llu,\"fnv1a64\":\"%016llx\","
		   "\"background\":%s,\"transport\":\"%s\",\"syn\":%s,\"close\":\"%s\"",
		t->flow_json, (unsigned long long)t->sent, (unsigned long long)t->fnv,
		c->background ? "true" : "false", c->transport, c->midstream ? "false" : "true",
		c->rst ? "RST" : "FIN");
	if (t->a.nvlan) {
		fprintf(f, ",\"vlan\":[%u", t->a.vlan[0]);
		if (t->a.nvlan > 1)
			fprintf(f, ",%u", t->a.vlan[1]);
		fputc(']', f);
	}
	fprintf(f, ",\"packets\":%llu,\"retransmits\":%llu,\"duplicates\":%llu,\"reorders\":%llu,"
		   "\"lostSegments\":%llu,\"lostBytes\":%llu}\n",
		(unsigned long long)t->packets, (unsigned long long)t->retransmits,
		(unsigned long long)t->duplicates, (unsigned long long)t->reorders,
		(unsigned long long)t->lost_segments, (unsigned long long)t->lost_bytes);
}

void manifest_summary(struct gen *g)
{
	const struct gen_cfg *c = &g->cfg;

	fprintf(g->manifest,
		"{\"kind\":\"udp\",\"packets\":%llu,\"bytes\":%llu}\n"
		"{\"kind\":\"summary\",\"seed\":%llu,\"packets\":%llu,\"messages\":%llu,"
		"\"interchanges\":%llu,\"connections\":%llu,\"backgroundConnections\":%llu,"
		"\"backgroundPackets\":%llu,\"flags\":{\"mss\":%u,\"concurrency\":%u,"
		"\"background\":%g,\"retransmit\":%g,\"reorder\":%g,\"gap\":%g,\"duplicate\":%g,"
		"\"midstream\":%g,\"truncate\":%g,\"garbage\":%g,\"ipv6\":%g,\"vlan\":%g,"
		"\"rst\":%g,\"badCheckDigit\":%g,\"bare\":%g,\"isaNonfixed\":%g}}\n",
		(unsigned long long)g->udp_packets, (unsigned long long)g->udp_bytes,
		(unsigned long long)c->seed, (unsigned long long)g->pcap.frames,
		(unsigned long long)g->messages, (unsigned long long)g->interchanges,
		(unsigned long long)g->edi_connections, (unsigned long long)g->bg_connections,
		(unsigned long long)g->bg_packets, c->mss, c->concurrency, c->background,
		c->p_retransmit, c->p_reorder, c->p_gap, c->p_duplicate, c->p_midstream,
		c->p_truncate, c->p_garbage, c->ipv6_share, c->vlan_share, c->rst_share,
		c->ichg.bad_check_share, c->ichg.bare_share, c->ichg.isa_nonfixed_share);
}
