/* edisensor-emit: drives the outputs without the daemon, for tests, ops and
 * benchmarks. Generates synthetic Hit records (each carries a unique
 * marker, RUN-INDEX, in message.envelope.controlRef so a reader can find
 * duplicates by content, not only by id) and sends them through the same
 * outputs API the daemon uses, or through the raw baselines the benchmark
 * compares against. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "edisensor.pb-c.h"
#include "output.h"
#include "recordio.h"

#ifdef HAVE_NATS
#include <nats/nats.h>
#endif

#define MAX_OUTPUTS 8

struct emit_args {
	const char *outputs[MAX_OUTPUTS];
	size_t noutputs;
	const char *raw_file;
	const char *raw_nats;
	const char *run;
	uint64_t count;
	uint64_t start;
	uint64_t pad;			/* extra bytes per record (large records) */
	unsigned rate;			/* records per second, 0 = as fast as possible */
	int flush_timeout_ms;
	char *pad_text;
	bool stats;
	bool bench;
	struct outputs_options opts;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: edisensor-emit [options]\n"
		"Writes synthetic Hit records through the edisensor outputs (the API the\n"
		"daemon uses), or through raw baselines for benchmarks.\n"
		"\n"
		"  -o, --output SPEC        json:-, json:PATH, file:PATH, nats://HOST:PORT[?opts]\n"
		"                           (repeatable, up to 8)\n"
		"  -n, --count N            records to write (default 1000)\n"
		"      --start I            index of the first record (default 0)\n"
		"      --run NAME           marker prefix in controlRef (default \"run\")\n"
		"      --pad BYTES          make each record this much larger\n"
		"      --sensor ID          sensor id (default \"emit\")\n"
		"      --state-dir DIR      sequence file and spools\n"
		"      --spool-max BYTES    spool cap per network output\n"
		"      --rotate BYTES       file output rotation size (0 = never)\n"
		"      --fsync-every N      fsync after N records\n"
		"      --fsync-interval-ms MS\n"
		"      --rate N             records per second (default: no limit)\n"
		"      --flush-timeout-ms MS  wait for acknowledgements at the end\n"
		"                           (default 30000; 0 = do not wait)\n"
		"      --stats              print per-output counters at the end\n"
		"      --bench              print \"records_per_s VALUE\" (emit + flush; the\n"
		"                           records are built before timing, 1024 reused)\n"
		"      --raw-file PATH      baseline: the same encoded records written with\n"
		"                           one write(2) each, no outputs layer\n"
		"      --raw-nats URL       baseline: minimal libnats JetStream loop, async\n"
		"                           publishes with acknowledgements awaited\n"
		"  -h, --help               this text\n");
}

static int parse_num(const char *s, uint64_t max, uint64_t *out)
{
	char *end;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One synthetic hit, as the pipeline would produce it. */
struct sample {
	Edisensor__V1__Record rec;
	Edisensor__V1__Hit hit;
	Edisensor__V1__Message msg;
	Edisensor__V1__Envelope env;
	Edisensor__V1__Match match;
	Edisensor__V1__Match *matches[1];
	Edisensor__V1__Equipment eq;
	Edisensor__V1__Equipment *eqs[1];
	char marker[96];
	char *pad;
};

static void sample_init(struct sample *s, const char *run, uint64_t index, char *pad)
{
	edisensor__v1__record__init(&s->rec);
	edisensor__v1__hit__init(&s->hit);
	edisensor__v1__message__init(&s->msg);
	edisensor__v1__envelope__init(&s->env);
	edisensor__v1__match__init(&s->match);
	edisensor__v1__equipment__init(&s->eq);
	snprintf(s->marker, sizeof(s->marker), "%s-%" PRIu64, run, index);
	s->env.sender_id = "SHIPPERCO";
	s->env.recipient_id = "CUSTOMS";
	s->env.message_type = "CUSCAR";
	s->env.control_ref = s->marker;
	if (pad)
		s->env.application_ref = pad;
	s->eq.number = "CSQU3054383";
	s->eq.iso6346 = 1;
	s->eq.check_digit_valid = 1;
	s->eqs[0] = &s->eq;
	s->msg.syntax = EDISENSOR__V1__SYNTAX__SYNTAX_EDIFACT;
	s->msg.envelope = &s->env;
	s->msg.n_equipment = 1;
	s->msg.equipment = s->eqs;
	s->match.indicator = "CSQU3054383";
	s->match.indicator_type = "EDI::CONTAINER";
	s->match.feed = "containers.tsv";
	s->match.field = "equipment.number";
	s->match.value = "CSQU3054383";
	s->matches[0] = &s->match;
	s->hit.message = &s->msg;
	s->hit.n_matches = 1;
	s->hit.matches = s->matches;
	s->rec.kind_case = EDISENSOR__V1__RECORD__KIND_HIT;
	s->rec.hit = &s->hit;
}

static void pace(const struct emit_args *a, uint64_t done, double t0)
{
	if (!a->rate)
		return;
	double due = t0 + (double)done / a->rate, now = now_s();
	if (due > now) {
		double d = due - now;
		struct timespec ts = { (time_t)d, (long)((d - (double)(time_t)d) * 1e9) };
		nanosleep(&ts, NULL);
	}
}

static void print_stats(struct outputs *o)
{
	struct output_stats st[MAX_OUTPUTS];
	size_t n = outputs_stats(o, st, MAX_OUTPUTS);

	for (size_t i = 0; i < n; i++)
		printf("stats: %s records=%" PRIu64 " bytes=%" PRIu64 " errors=%" PRIu64
		       " acked=%" PRIu64 " published=%" PRIu64 " retries=%" PRIu64
		       " dropped=%" PRIu64 " pending=%" PRIu64 " spool_bytes=%" PRIu64
		       " rebuilds=%" PRIu64 " connect_failures=%" PRIu64 "\n",
		       st[i].spec, st[i].records, st[i].bytes, st[i].errors, st[i].acked,
		       st[i].published, st[i].retries, st[i].dropped, st[i].spool_pending,
		       st[i].spool_bytes, st[i].rebuilds, st[i].connect_failures);
	fflush(stdout);
}

/* Benchmarks time the outputs, not the making of records: they cycle
 * through this many records built before the clock starts. */
#define BENCH_SAMPLES 1024

static int run_outputs(struct emit_args *a)
{
	struct outputs *o;
	struct sample one, *samples = NULL;
	size_t nsamples = 0;
	int err;
	double t0;

	if (a->bench) {
		nsamples = a->count < BENCH_SAMPLES ? (size_t)a->count : BENCH_SAMPLES;
		samples = calloc(nsamples ? nsamples : 1, sizeof(*samples));
		if (!samples)
			return 1;
		for (size_t i = 0; i < nsamples; i++)
			sample_init(&samples[i], a->run, a->start + i, a->pad_text);
	}
	err = outputs_open(&o, a->outputs, a->noutputs, &a->opts);
	if (err) {
		fprintf(stderr, "edisensor-emit: cannot open outputs: %s\n", strerror(-err));
		free(samples);
		return 1;
	}
	t0 = now_s();
	for (uint64_t i = 0; i < a->count; i++) {
		struct sample *s = &one;

		pace(a, i, t0);
		if (samples) {
			s = &samples[i % nsamples];
			s->rec.time_ns = 0;	/* stamped again, as a new record is */
		} else {
			sample_init(s, a->run, a->start + i, a->pad_text);
		}
		err = outputs_emit(o, &s->rec);
		if (err)
			fprintf(stderr, "edisensor-emit: record %" PRIu64 ": %s\n", a->start + i,
				strerror(-err));
	}
	if (a->flush_timeout_ms) {
		err = outputs_flush(o, a->flush_timeout_ms);
		if (err)
			fprintf(stderr, "edisensor-emit: flush: %s\n", strerror(-err));
	}
	double dt = now_s() - t0;
	if (a->bench)
		printf("records_per_s %.0f\n", (double)a->count / dt);
	if (a->stats)
		print_stats(o);
	outputs_close(o);
	free(samples);
	return err ? 1 : 0;
}

/* The same records, numbered and encoded up front, for the baselines. */
static int encode_all(const struct emit_args *a, struct recordio_buf *b, size_t **ends)
{
	struct sample s;

	*ends = calloc(a->count + 1, sizeof(**ends));
	if (!*ends)
		return -ENOMEM;
	for (uint64_t i = 0; i < a->count; i++) {
		sample_init(&s, a->run, a->start + i, a->pad_text);
		s.rec.sequence = i + 1;
		s.rec.sensor_id = (char *)a->opts.sensor_id;
		s.rec.time_ns = 1;
		if (recordio_append(b, &s.rec.base) < 0)
			return -ENOMEM;
		(*ends)[i + 1] = b->len;
	}
	return 0;
}

static int run_raw_file(const struct emit_args *a)
{
	struct recordio_buf b = { 0 };
	size_t *ends = NULL;
	int fd, err;

	err = encode_all(a, &b, &ends);
	fd = open(a->raw_file, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (err || fd < 0) {
		fprintf(stderr, "edisensor-emit: %s: %s\n", a->raw_file, strerror(err ? -err : errno));
		return 1;
	}
	double t0 = now_s();
	for (uint64_t i = 0; i < a->count && !err; i++)
		err = recordio_write_all(fd, b.data + ends[i], ends[i + 1] - ends[i]);
	fdatasync(fd);
	double dt = now_s() - t0;
	close(fd);
	if (a->bench)
		printf("records_per_s %.0f\n", (double)a->count / dt);
	free(ends);
	recordio_buf_free(&b);
	return err ? 1 : 0;
}

#ifdef HAVE_NATS
static int run_raw_nats(const struct emit_args *a)
{
	struct recordio_buf b = { 0 };
	size_t *ends = NULL;
	natsConnection *nc = NULL;
	jsCtx *js = NULL;
	jsOptions jo;
	jsPubOptions po;
	natsStatus st;
	int rc = 1;

	if (encode_all(a, &b, &ends))
		return 1;
	st = natsConnection_ConnectTo(&nc, a->raw_nats);
	if (st == NATS_OK) {
		jsOptions_Init(&jo);
		jo.PublishAsync.MaxPending = 256;	/* same window as the output */
		st = natsConnection_JetStream(&js, nc, &jo);
	}
	double t0 = now_s();
	for (uint64_t i = 0; i < a->count && st == NATS_OK; i++) {
		uint64_t rec_len;
		size_t prefix_len;
		char id[64];
		natsMsg *m = NULL;
		const uint8_t *p = b.data + ends[i];

		/* Same bytes as the output publishes: the record without its
		 * length prefix. */
		recordio_get_varint(p, ends[i + 1] - ends[i], &rec_len, &prefix_len);
		snprintf(id, sizeof(id), "%s-raw-%" PRIu64, a->opts.sensor_id, a->start + i);
		st = natsMsg_Create(&m, "edisensor.raw.hit", NULL, (const char *)p + prefix_len,
				    (int)rec_len);
		if (st == NATS_OK)
			st = natsMsgHeader_Set(m, "Nats-Msg-Id", id);
		if (st == NATS_OK)
			st = js_PublishMsgAsync(js, &m, NULL);
		natsMsg_Destroy(m);
	}
	if (st == NATS_OK) {
		jsPubOptions_Init(&po);
		po.MaxWait = 60000;
		st = js_PublishAsyncComplete(js, &po);
	}
	double dt = now_s() - t0;
	if (st == NATS_OK) {
		if (a->bench)
			printf("records_per_s %.0f\n", (double)a->count / dt);
		rc = 0;
	} else {
		fprintf(stderr, "edisensor-emit: raw nats: %s\n", natsStatus_GetText(st));
	}
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	free(ends);
	recordio_buf_free(&b);
	return rc;
}
#else
static int run_raw_nats(const struct emit_args *a)
{
	(void)a;
	fprintf(stderr, "edisensor-emit: built without libnats\n");
	return 1;
}
#endif

static int parse_args(int argc, char **argv, struct emit_args *a)
{
	enum { O_START = 256, O_RUN, O_SENSOR, O_STATE, O_SPOOL, O_ROTATE, O_FSYNC_N,
	       O_FSYNC_MS, O_RATE, O_FLUSH, O_STATS, O_BENCH, O_RAW_FILE, O_RAW_NATS, O_PAD };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "count", required_argument, NULL, 'n' },
		{ "start", required_argument, NULL, O_START },
		{ "run", required_argument, NULL, O_RUN },
		{ "pad", required_argument, NULL, O_PAD },
		{ "sensor", required_argument, NULL, O_SENSOR },
		{ "state-dir", required_argument, NULL, O_STATE },
		{ "spool-max", required_argument, NULL, O_SPOOL },
		{ "rotate", required_argument, NULL, O_ROTATE },
		{ "fsync-every", required_argument, NULL, O_FSYNC_N },
		{ "fsync-interval-ms", required_argument, NULL, O_FSYNC_MS },
		{ "rate", required_argument, NULL, O_RATE },
		{ "flush-timeout-ms", required_argument, NULL, O_FLUSH },
		{ "stats", no_argument, NULL, O_STATS },
		{ "bench", no_argument, NULL, O_BENCH },
		{ "raw-file", required_argument, NULL, O_RAW_FILE },
		{ "raw-nats", required_argument, NULL, O_RAW_NATS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v = 0;
	int opt;

	outputs_options_default(&a->opts);
	a->opts.sensor_id = "emit";
	a->count = 1000;
	a->run = "run";
	a->flush_timeout_ms = 30000;
	while ((opt = getopt_long(argc, argv, "o:n:h", longopts, NULL)) != -1) {
		int bad = 0;
		switch (opt) {
		case 'o':
			if (a->noutputs == MAX_OUTPUTS || !outputs_spec_valid(optarg)) {
				fprintf(stderr, "edisensor-emit: bad or unsupported output: %s\n", optarg);
				return 2;
			}
			a->outputs[a->noutputs++] = optarg;
			break;
		case 'n': bad = parse_num(optarg, UINT32_MAX, &a->count); break;
		case O_START: bad = parse_num(optarg, UINT64_MAX / 2, &a->start); break;
		case O_RUN: a->run = optarg; break;
		case O_PAD: bad = parse_num(optarg, 8u << 20, &a->pad); break;
		case O_SENSOR: a->opts.sensor_id = optarg; break;
		case O_STATE: a->opts.state_dir = optarg; break;
		case O_SPOOL: bad = parse_num(optarg, UINT64_MAX, &a->opts.spool_max_bytes); break;
		case O_ROTATE: bad = parse_num(optarg, UINT64_MAX, &a->opts.rotate_bytes); break;
		case O_FSYNC_N: bad = parse_num(optarg, UINT32_MAX, &v); a->opts.fsync_every = (unsigned)v; break;
		case O_FSYNC_MS: bad = parse_num(optarg, 3600000, &v); a->opts.fsync_interval_ms = (unsigned)v; break;
		case O_RATE: bad = parse_num(optarg, 10000000, &v); a->rate = (unsigned)v; break;
		case O_FLUSH: bad = parse_num(optarg, 3600000, &v); a->flush_timeout_ms = (int)v; break;
		case O_STATS: a->stats = true; break;
		case O_BENCH: a->bench = true; break;
		case O_RAW_FILE: a->raw_file = optarg; break;
		case O_RAW_NATS: a->raw_nats = optarg; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return 2;
		}
		if (bad) {
			fprintf(stderr, "edisensor-emit: bad number: %s\n", optarg);
			return 2;
		}
	}
	if (optind != argc || (!a->noutputs && !a->raw_file && !a->raw_nats)) {
		usage(stderr);
		return 2;
	}
	if (a->pad) {
		a->pad_text = malloc(a->pad + 1);
		if (!a->pad_text)
			return 1;
		memset(a->pad_text, 'x', a->pad);
		a->pad_text[a->pad] = '\0';
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct emit_args a = { 0 };
	int rc = parse_args(argc, argv, &a);

	if (rc)
		return rc;
	signal(SIGPIPE, SIG_IGN);
	if (a.raw_file)
		rc = run_raw_file(&a);
	else if (a.raw_nats)
		rc = run_raw_nats(&a);
	else
		rc = run_outputs(&a);
	free(a.pad_text);
	return rc;
}
