/* bench-feeds: loads a synthetic 1M-indicator Zeek feed and matches
 * synthetic messages against stores of 1k, 100k and 1M indicators, and the
 * 1k set against a naive loop over the same indicators. Prints
 *   bench: feed_load_1m_s VALUE s
 *   bench: feed_bytes_per_indicator VALUE B     (store bytes beyond feed text)
 *   bench: feed_bytes_per_indicator_text_only VALUE B   (a feed of names and keywords only)
 *   bench: match_msgs_per_s_{1k,100k,1m} VALUE msg/s
 *   bench: match_vs_linear_1k_ratio VALUE       (store rate / naive rate)
 * and exits non-zero when the store and the naive loop disagree. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "iso6346.h"
#include "lpm.h"
#include "match.h"
#include "synth.h"

#define N_MSGS 2000
#define PLANT_PCT 1

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: bench-feeds [--indicators N] [--seconds S] [--dir DIR]\n"
		     "  --indicators N  size of the large store (default 1000000)\n"
		     "  --seconds S     time per match measurement (default 1)\n"
		     "  --dir DIR       where the synthetic feed is written (default $TMPDIR or /tmp)\n");
}

static struct indicator_store *store_in_memory(uint64_t n)
{
	struct indicator_builder *b = indicator_builder_new();
	char v[160];

	if (!b || indicator_builder_add_feed(b, "synthetic") < 0)
		return NULL;
	for (uint64_t i = 0; i < n; i++) {
		struct feed_entry e = { .indicator = v, .type = synth_type(i), .source = "bench" };
		const char *why;

		synth_value(i, v, sizeof(v));
		if (indicator_builder_add(b, 0, &e, &why) < 0) {
			fprintf(stderr, "bench-feeds: indicator %" PRIu64 " %s: %s\n", i, v, why);
			indicator_builder_free(b);
			return NULL;
		}
	}
	return indicator_builder_finish(b);
}

/* The costliest kind of feed for memory: only names and keywords, every
 * character a node of the automaton. */
static int bench_text_only(uint64_t n)
{
	struct indicator_builder *b = indicator_builder_new();
	struct indicator_store *s;
	char v[160];

	if (!b || indicator_builder_add_feed(b, "names") < 0)
		return 1;
	for (uint64_t k = 0; k < n; k++) {
		uint64_t i = k / 4 * 20 + 12 + k % 4;   /* slots 12-15: names and keywords */
		struct feed_entry e = { .indicator = v, .type = synth_type(i), .source = "bench" };
		const char *why;

		synth_value(i, v, sizeof(v));
		if (indicator_builder_add(b, 0, &e, &why) < 0) {
			indicator_builder_free(b);
			return 1;
		}
	}
	s = indicator_builder_finish(b);
	if (!s)
		return 1;
	printf("bench: feed_bytes_per_indicator_text_only %.1f B\n",
	       (double)(indicator_store_memory(s) - indicator_store_text_bytes(s)) / (double)n);
	fprintf(stderr, "# %" PRIu64 " names and keywords: %.1f MB store, %.1f MB of it feed text\n", n,
		indicator_store_memory(s) / 1e6, indicator_store_text_bytes(s) / 1e6);
	indicator_store_free(s);
	return 0;
}

static Edisensor__V1__Message **messages(uint64_t n)
{
	Edisensor__V1__Message **m = calloc(N_MSGS, sizeof(*m));

	for (size_t i = 0; m && i < N_MSGS; i++)
		m[i] = synth_message(i + n, n, PLANT_PCT);
	return m;
}

static void free_messages(Edisensor__V1__Message **m)
{
	for (size_t i = 0; i < N_MSGS; i++)
		synth_message_free(m[i]);
	free(m);
}

/* Messages per second through indicator_store_match; *found = matches in one pass. */
static double match_rate(const struct indicator_store *s, Edisensor__V1__Message **m,
			 double seconds, uint64_t *found)
{
	struct match_set ms;
	uint64_t done = 0;
	double t0 = now_s(), t;

	match_set_init(&ms);
	*found = 0;
	for (size_t i = 0; i < N_MSGS; i++) {
		int rc = indicator_store_match(s, m[i], 1, &ms);

		*found += rc > 0 ? ms.n_matches : 0;
	}
	t0 = now_s();
	do {
		for (size_t i = 0; i < N_MSGS; i++)
			indicator_store_match(s, m[i], 1, &ms);
		done += N_MSGS;
		t = now_s();
	} while (t - t0 < seconds);
	match_set_fini(&ms);
	return (double)done / (t - t0);
}

/* ---- the naive baseline: every indicator against every field ------------------ */

struct naive_ind {
	enum indicator_type type;
	char key[160];
	bool v6;
	uint8_t addr[16];
	unsigned len;
	bool imo;
};

static void naive_prepare(struct naive_ind *ni, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		char v[160];

		synth_value(i, v, sizeof(v));
		ni[i].type = synth_type(i);
		ni[i].imo = false;
		switch (ni[i].type) {
		case INDICATOR_ADDR:
		case INDICATOR_SUBNET: lpm_parse(v, &ni[i].v6, ni[i].addr, &ni[i].len); break;
		case INDICATOR_PARTY_NAME:
		case INDICATOR_KEYWORD: indicator_norm_text(v, ni[i].key, sizeof(ni[i].key)); break;
		case INDICATOR_HS_CODE: indicator_norm_digits(v, ni[i].key, sizeof(ni[i].key)); break;
		case INDICATOR_CONTAINER: iso6346_normalise(v, ni[i].key, sizeof(ni[i].key)); break;
		case INDICATOR_VESSEL:
			ni[i].imo = indicator_norm_imo(v, ni[i].key) == 0;
			if (!ni[i].imo)
				indicator_norm_text(v, ni[i].key, sizeof(ni[i].key));
			break;
		default: indicator_norm_exact(v, ni[i].key, sizeof(ni[i].key)); break;
		}
	}
}

static bool ip_in(const struct naive_ind *ni, const char *ip)
{
	uint8_t a[16], masked[16];
	unsigned len;
	bool v6;

	if (lpm_parse(ip, &v6, a, &len) < 0 || v6 != ni->v6)
		return false;
	if (lpm_parse(ip, &v6, a, &len) < 0)
		return false;
	for (unsigned b = 0; b < 16; b++) {
		unsigned bits = ni->len > b * 8 ? ni->len - b * 8 : 0;

		masked[b] = bits >= 8 ? a[b] : bits ? (uint8_t)(a[b] & (0xff << (8 - bits))) : 0;
	}
	return memcmp(masked, ni->addr, 16) == 0;
}

static unsigned naive_exact(const struct naive_ind *ni, size_t n, enum indicator_type t,
			    const char *key)
{
	unsigned c = 0;

	for (size_t i = 0; i < n; i++)
		c += ni[i].type == t && !ni[i].imo && strcmp(ni[i].key, key) == 0;
	return c;
}

static unsigned naive_text(const struct naive_ind *ni, size_t n, enum indicator_type t,
			   const char *raw)
{
	char text[512];
	unsigned c = 0;

	indicator_norm_text(raw, text, sizeof(text));
	for (size_t i = 0; i < n; i++)
		c += ni[i].type == t && strstr(text, ni[i].key) != NULL;
	return c;
}

static unsigned naive_message(const struct naive_ind *ni, size_t n, const Edisensor__V1__Message *m)
{
	char k[512];
	unsigned c = 0;

	for (size_t i = 0; i < n; i++)
		if (ni[i].type == INDICATOR_ADDR || ni[i].type == INDICATOR_SUBNET)
			c += ip_in(&ni[i], m->flow->src_ip) + ip_in(&ni[i], m->flow->dst_ip);
	for (size_t p = 0; p < m->n_parties; p++) {
		indicator_norm_exact(m->parties[p]->id, k, sizeof(k));
		c += naive_exact(ni, n, INDICATOR_PARTY_ID, k);
		c += naive_text(ni, n, INDICATOR_PARTY_NAME, m->parties[p]->name);
	}
	for (size_t g = 0; g < m->n_goods; g++) {
		c += naive_text(ni, n, INDICATOR_KEYWORD, m->goods[g]->description);
		indicator_norm_digits(m->goods[g]->hs_code, k, sizeof(k));
		for (size_t i = 0; i < n; i++)
			c += ni[i].type == INDICATOR_HS_CODE && strncmp(k, ni[i].key, strlen(ni[i].key)) == 0;
	}
	for (size_t e = 0; e < m->n_equipment; e++) {
		iso6346_normalise(m->equipment[e]->number, k, sizeof(k));
		c += naive_exact(ni, n, INDICATOR_CONTAINER, k);
	}
	for (size_t r = 0; r < m->n_references; r++) {
		indicator_norm_exact(m->references[r]->value, k, sizeof(k));
		c += naive_exact(ni, n, INDICATOR_REFERENCE, k);
	}
	for (size_t l = 0; l < m->n_locations; l++) {
		indicator_norm_exact(m->locations[l]->locode, k, sizeof(k));
		c += naive_exact(ni, n, INDICATOR_LOCODE, k);
	}
	for (size_t t = 0; t < m->n_transport; t++) {
		char imo[8];

		if (indicator_norm_imo(m->transport[t]->imo, imo) == 0)
			for (size_t i = 0; i < n; i++)
				c += ni[i].type == INDICATOR_VESSEL && ni[i].imo && strcmp(ni[i].key, imo) == 0;
		indicator_norm_text(m->transport[t]->vessel_name, k, sizeof(k));
		c += naive_exact(ni, n, INDICATOR_VESSEL, k);
	}
	return c;
}

static double naive_rate(const struct naive_ind *ni, size_t n, Edisensor__V1__Message **m,
			 double seconds, uint64_t *found)
{
	uint64_t done = 0;
	double t0, t;

	*found = 0;
	for (size_t i = 0; i < N_MSGS; i++)
		*found += naive_message(ni, n, m[i]);
	t0 = now_s();
	do {
		for (size_t i = 0; i < N_MSGS; i++)
			naive_message(ni, n, m[i]);
		done += N_MSGS;
		t = now_s();
	} while (t - t0 < seconds);
	return (double)done / (t - t0);
}

/* ---- main ---------------------------------------------------------------------------- */

static int bench_small(uint64_t n, const char *label, double seconds, bool vs_naive)
{
	struct indicator_store *s = store_in_memory(n);
	Edisensor__V1__Message **m = messages(n);
	uint64_t found, naive_found;
	double rate;
	int rc = 0;

	if (!s || !m) {
		fprintf(stderr, "bench-feeds: cannot build the %s store\n", label);
		return 1;
	}
	rate = match_rate(s, m, seconds, &found);
	printf("bench: match_msgs_per_s_%s %.0f msg/s\n", label, rate);
	fprintf(stderr, "# %s: %" PRIu64 " matches in %d messages\n", label, found, N_MSGS);
	if (vs_naive) {
		struct naive_ind *ni = calloc(n, sizeof(*ni));
		double nrate;

		naive_prepare(ni, n);
		nrate = naive_rate(ni, n, m, seconds, &naive_found);
		printf("bench: match_vs_linear_%s_ratio %.1f\n", label, rate / nrate);
		fprintf(stderr, "# naive loop: %.0f msg/s, %" PRIu64 " matches\n", nrate, naive_found);
		if (naive_found != found || found == 0) {
			fprintf(stderr, "bench-feeds: store found %" PRIu64 ", naive loop %" PRIu64 "\n",
				found, naive_found);
			rc = 1;
		}
		free(ni);
	}
	free_messages(m);
	indicator_store_free(s);
	return rc;
}

static int bench_large(uint64_t n, const char *dir, double seconds)
{
	char path[512];
	struct indicator_builder *b = indicator_builder_new();
	struct indicator_store *s;
	struct feed_parse_result res;
	Edisensor__V1__Message **m;
	uint64_t found;
	double t0, t1;
	int rc;

	snprintf(path, sizeof(path), "%s/bench-feeds-%d.intel", dir, (int)getpid());
	rc = synth_write_feed(path, n);
	if (rc < 0) {
		fprintf(stderr, "bench-feeds: %s: %s\n", path, strerror(-rc));
		return 1;
	}
	t0 = now_s();
	rc = indicator_builder_load(b, path, NULL, NULL, &res);
	s = rc < 0 ? NULL : indicator_builder_finish(b);
	t1 = now_s();
	unlink(path);
	if (!s || res.accepted != n) {
		fprintf(stderr, "bench-feeds: loaded %u of %" PRIu64 " indicators\n", res.accepted, n);
		return 1;
	}
	printf("bench: feed_load_1m_s %.2f s\n", (t1 - t0) * 1e6 / (double)n);
	printf("bench: feed_bytes_per_indicator %.1f B\n",
	       (double)(indicator_store_memory(s) - indicator_store_text_bytes(s)) / (double)n);
	fprintf(stderr, "# %" PRIu64 " indicators: %.1f MB store, %.1f MB of it feed text\n", n,
		indicator_store_memory(s) / 1e6, indicator_store_text_bytes(s) / 1e6);
	m = messages(n);
	printf("bench: match_msgs_per_s_1m %.0f msg/s\n", match_rate(s, m, seconds, &found));
	fprintf(stderr, "# 1m: %" PRIu64 " matches in %d messages\n", found, N_MSGS);
	free_messages(m);
	indicator_store_free(s);
	return found ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "indicators", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 's' },
		{ "dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	uint64_t large = 1000000;
	double seconds = 1.0;
	char *end;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "n:s:d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			errno = 0;
			large = strtoull(optarg, &end, 10);
			if (errno || *end || large < 1000 || large > 50000000) {
				fprintf(stderr, "bench-feeds: --indicators must be 1000..50000000\n");
				return 2;
			}
			break;
		case 's':
			seconds = strtod(optarg, &end);
			if (*end || !(seconds > 0 && seconds <= 60)) {
				fprintf(stderr, "bench-feeds: --seconds must be in (0, 60]\n");
				return 2;
			}
			break;
		case 'd': dir = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	rc |= bench_large(large, dir, seconds);
	rc |= bench_text_only(large);
	rc |= bench_small(1000, "1k", seconds, true);
	rc |= bench_small(100000, "100k", seconds, false);
	return rc;
}
