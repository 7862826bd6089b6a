/* nats:// sink: NATS JetStream through libnats, fed from a durable spool.
 *
 * Spec: nats://HOST:PORT[,HOST:PORT...][?key=value&...]  (tls://... = tls=1)
 *   stream=EDISENSOR       stream name (created when missing, unless create=0)
 *   subject=edisensor      subject prefix: PREFIX.<sensor id>.<kind>, the
 *                          stream takes PREFIX.>
 *   replicas=1  retention=limits|interest|workqueue  storage=file|memory
 *   max_age_s=0  max_bytes=0 (0 = unlimited)  dupe_window_s=120
 *   inflight=256           publishes awaiting their acknowledgement
 *   ack_timeout_ms=5000    an unacknowledged publish is retried after this
 *   creds=FILE  nkey=PUBLIC_KEY  nkey_seed=FILE
 *   tls=1  tls_ca=FILE  tls_cert=FILE  tls_key=FILE
 *   spool=NAME             spool folder under the state dir (default from
 *                          the server list)
 *
 * The caller's write only appends to the spool. One sender thread reads the
 * spool and publishes asynchronously with at most `inflight` acknowledgements
 * outstanding; the spool releases records in order as acknowledgements
 * arrive. Any failure (error reply, timeout, lost connection) sends again
 * from the oldest unacknowledged record after a bounded exponential
 * back-off; every publish carries Nats-Msg-Id = <sensor id>-<sequence>, so
 * JetStream stores each record once however often it is sent.
 *
 * libnats reconnects by itself, but gives a connection up for good (CLOSED)
 * in some cases, e.g. when the server refuses the login. The sender then
 * builds a new connection, with its own back-off (1 s .. 60 s), counting
 * the rebuilds and the connections that failed.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output_sink.h"
#include "log.h"
#include "output_time.h"
#include "recordio.h"

#ifndef HAVE_NATS

int output_nats_open(struct output_sink **s, const char *url, const struct outputs_options *o)
{
	(void)s;
	(void)url;
	(void)o;
	return -ENOTSUP;	/* built without libnats */
}

#else

#include <nats/nats.h>

#define BACKOFF_MIN_MS 50
#define BACKOFF_MAX_MS 5000
#define REBUILD_MIN_MS 1000	/* back-off between connection rebuilds */
#define REBUILD_MAX_MS 60000
#define ERROR_LOG_MS 60000	/* the same connection error is logged this often */
#define ERROR_TEXT_MAX 256
#define MAX_SERVERS 16
#define MAX_INFLIGHT 65536
#define SUBJECT_MAX 256
#define MSG_ID_MAX 192
#define PUBLISH_OVERHEAD 512	/* subject and headers beside the record */

struct nats_config {
	char *servers[MAX_SERVERS];
	int nservers;
	const char *stream;
	const char *subject;
	const char *creds;
	const char *nkey;
	const char *nkey_seed;
	const char *tls_ca;
	const char *tls_cert;
	const char *tls_key;
	const char *spool_name;
	bool tls;
	bool create;
	int64_t replicas;
	jsRetentionPolicy retention;
	jsStorageType storage;
	uint64_t max_age_s;
	uint64_t max_bytes;
	uint64_t dupe_window_s;
	unsigned inflight;
	unsigned ack_timeout_ms;
};

enum slot_state { SLOT_PENDING, SLOT_ACKED, SLOT_FAILED };

struct inflight {
	uint64_t seq;
	struct spool_pos end;
	int64_t sent_ms;
	enum slot_state state;
};

struct nats_sink {
	struct output_sink base;
	struct nats_config cfg;
	char *query;		/* owns the strings cfg points into */
	struct spool *spool;
	natsOptions *nopts;
	natsOptions *nopts_now;	/* the same, first connect in the foreground */
	/* nc and js are replaced by the sender thread only; conn_lock guards
	 * the pointer for readers on other threads (stats). */
	pthread_mutex_t conn_lock;
	natsConnection *nc;
	jsCtx *js;
	bool stream_ready;
	int rebuild_backoff_ms;	/* sender only */
	int64_t rebuild_at_ms;
	int64_t error_logged_ms;
	char logged_error[ERROR_TEXT_MAX];

	pthread_t thread;
	bool thread_running;
	pthread_mutex_t lock;	/* ring, stop, sender counters */
	pthread_cond_t cond;
	bool stop;
	bool any_failed;	/* a publish in the ring failed */
	int64_t outstanding;	/* publishes whose callback has not run yet */
	struct spool_drop refused;	/* too large for the server, not yet reported */
	uint64_t refused_total;
	uint64_t refused_upto;	/* highest sequence counted as refused */
	struct inflight *ring;
	unsigned head;
	unsigned count;

	uint8_t *buf;		/* sender's copy of the record */
	size_t bufcap;

	/* write side (under the outputs lock) */
	uint64_t records, bytes, errors;
	/* sender side (under lock) */
	uint64_t published, retries;
	uint64_t rebuilds;		/* connections built again after CLOSED */
	uint64_t connect_failures;	/* connections closed or not created */
	natsStatus last_status;		/* why the last connection failed */
	char last_error[ERROR_TEXT_MAX];
};

/* ---- configuration ----------------------------------------------------- */

static int parse_u64(const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;

	if (!*v || *v == '-')
		return -EINVAL;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (errno || *end || n < min || n > max)
		return -EINVAL;
	*out = n;
	return 0;
}

static int parse_option(struct nats_config *c, const char *key, const char *v)
{
	uint64_t n;

	if (!strcmp(key, "stream")) c->stream = v;
	else if (!strcmp(key, "subject")) c->subject = v;
	else if (!strcmp(key, "creds")) c->creds = v;
	else if (!strcmp(key, "nkey")) c->nkey = v;
	else if (!strcmp(key, "nkey_seed")) c->nkey_seed = v;
	else if (!strcmp(key, "tls_ca")) c->tls_ca = v;
	else if (!strcmp(key, "tls_cert")) c->tls_cert = v;
	else if (!strcmp(key, "tls_key")) c->tls_key = v;
	else if (!strcmp(key, "spool")) c->spool_name = v;
	else if (!strcmp(key, "retention")) {
		if (!strcmp(v, "limits")) c->retention = js_LimitsPolicy;
		else if (!strcmp(v, "interest")) c->retention = js_InterestPolicy;
		else if (!strcmp(v, "workqueue")) c->retention = js_WorkQueuePolicy;
		else return -EINVAL;
	} else if (!strcmp(key, "storage")) {
		if (!strcmp(v, "file")) c->storage = js_FileStorage;
		else if (!strcmp(v, "memory")) c->storage = js_MemoryStorage;
		else return -EINVAL;
	} else {
		struct { const char *name; uint64_t min, max; } num[] = {
			{ "tls", 0, 1 }, { "create", 0, 1 }, { "replicas", 1, 5 },
			{ "max_age_s", 0, UINT32_MAX }, { "max_bytes", 0, INT64_MAX },
			{ "dupe_window_s", 1, 86400 }, { "inflight", 1, MAX_INFLIGHT },
			{ "ack_timeout_ms", 100, 600000 },
		};
		size_t i;
		for (i = 0; i < sizeof(num) / sizeof(num[0]); i++)
			if (!strcmp(key, num[i].name))
				break;
		if (i == sizeof(num) / sizeof(num[0]) || parse_u64(v, num[i].min, num[i].max, &n))
			return -EINVAL;
		switch (i) {
		case 0: c->tls = n; break;
		case 1: c->create = n; break;
		case 2: c->replicas = (int64_t)n; break;
		case 3: c->max_age_s = n; break;
		case 4: c->max_bytes = n; break;
		case 5: c->dupe_window_s = n; break;
		case 6: c->inflight = (unsigned)n; break;
		default: c->ack_timeout_ms = (unsigned)n; break;
		}
	}
	return 0;
}

/* Splits "scheme://h:p,h:p?k=v&k=v"; the query is edited in place. */
static int parse_url(struct nats_sink *s, const char *url)
{
	struct nats_config *c = &s->cfg;
	const char *scheme = !strncmp(url, "tls://", 6) ? "tls://" : "nats://";
	const char *hosts = url + strlen(scheme);
	const char *q = strchr(hosts, '?');
	size_t hlen = q ? (size_t)(q - hosts) : strlen(hosts);
	int err;

	c->stream = "EDISENSOR";
	c->subject = "edisensor";
	c->create = true;
	c->replicas = 1;
	c->retention = js_LimitsPolicy;
	c->storage = js_FileStorage;
	c->dupe_window_s = 120;
	c->inflight = 256;
	c->ack_timeout_ms = 5000;
	c->tls = scheme[0] == 't';

	for (const char *h = hosts; h < hosts + hlen;) {
		const char *comma = memchr(h, ',', (size_t)(hosts + hlen - h));
		size_t len = comma ? (size_t)(comma - h) : (size_t)(hosts + hlen - h);
		if (!len || c->nservers == MAX_SERVERS)
			return -EINVAL;
		if (asprintf(&c->servers[c->nservers], "%s%.*s", scheme, (int)len, h) < 0)
			return -ENOMEM;
		c->nservers++;
		h += len + (comma ? 1 : 0);
	}
	if (!c->nservers)
		return -EINVAL;
	s->query = strdup(q ? q + 1 : "");
	if (!s->query)
		return -ENOMEM;
	for (char *save = NULL, *kv = strtok_r(s->query, "&", &save); kv;
	     kv = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(kv, '=');
		if (!eq)
			return -EINVAL;
		*eq = '\0';
		err = parse_option(c, kv, eq + 1);
		if (err)
			return err;
	}
	if (!*c->stream || !*c->subject || strpbrk(c->subject, " *>") ||
	    strpbrk(c->stream, " .*>") || (c->nkey && !c->nkey_seed) ||
	    (!c->nkey && c->nkey_seed) || (!c->tls_cert != !c->tls_key))
		return -EINVAL;
	return 0;
}

/* ---- acknowledgements (libnats thread) --------------------------------- */

static struct inflight *ring_at(struct nats_sink *s, unsigned i)
{
	return &s->ring[(s->head + i) % s->cfg.inflight];
}

static void on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
	struct nats_sink *s = closure;
	const char *id = NULL, *dash;
	uint64_t seq;

	(void)js;
	pthread_mutex_lock(&s->lock);
	s->outstanding--;
	if (s->stop || s->outstanding <= 0)
		pthread_cond_broadcast(&s->cond);	/* close and rebuild wait for these */
	if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &id) == NATS_OK && id &&
	    (dash = strrchr(id, '-')) && !parse_u64(dash + 1, 0, UINT64_MAX, &seq)) {
		for (unsigned i = 0; i < s->count; i++) {
			struct inflight *e = ring_at(s, i);
			if (e->seq == seq) {
				e->state = pa && !pae ? SLOT_ACKED : SLOT_FAILED;
				s->any_failed |= e->state == SLOT_FAILED;
				/* Wake the sender only when it can act: the oldest
				 * is released, or something must be sent again. */
				if (i == 0 || e->state == SLOT_FAILED)
					pthread_cond_signal(&s->cond);
				break;
			}
		}
	}
	pthread_mutex_unlock(&s->lock);
	natsMsg_Destroy(msg);
}

/* ---- connection and stream --------------------------------------------- */

/* First connection made in the background: wake the sender to set up the
 * stream now rather than after its back-off. */
static void on_connected(natsConnection *nc, void *closure)
{
	struct nats_sink *s = closure;

	(void)nc;
	pthread_mutex_lock(&s->lock);
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

/* background: the first connect is retried in the background (startup
 * goes on while no server answers: the spool holds the records).
 * Otherwise it happens in the caller's thread and fails with the reason
 * (e.g. the server's -ERR), which background retries do not keep. */
static int make_options(struct nats_sink *s, natsOptions **out, const char *sensor_id,
			bool background)
{
	struct nats_config *c = &s->cfg;
	char name[128];
	natsOptions *o = NULL;
	natsStatus st;

	snprintf(name, sizeof(name), "edisensor %s", sensor_id);
	st = natsOptions_Create(&o);
	if (st == NATS_OK)
		st = natsOptions_SetServers(o, (const char **)c->servers, c->nservers);
	if (st == NATS_OK)
		st = natsOptions_SetName(o, name);
	if (st == NATS_OK)
		st = natsOptions_SetMaxReconnect(o, -1);
	if (st == NATS_OK)
		st = natsOptions_SetReconnectWait(o, 250);
	if (st == NATS_OK)
		st = natsOptions_SetTimeout(o, 2000);
	if (st == NATS_OK)
		st = natsOptions_SetPingInterval(o, 2000);
	if (st == NATS_OK)
		st = natsOptions_SetMaxPingsOut(o, 2);
	if (st == NATS_OK && background)
		st = natsOptions_SetRetryOnFailedConnect(o, true, on_connected, s);
	if (st == NATS_OK && c->creds)
		st = natsOptions_SetUserCredentialsFromFiles(o, c->creds, NULL);
	if (st == NATS_OK && c->nkey)
		st = natsOptions_SetNKeyFromSeed(o, c->nkey, c->nkey_seed);
	if (st == NATS_OK && c->tls)
		st = natsOptions_SetSecure(o, true);
	if (st == NATS_OK && c->tls_ca)
		st = natsOptions_LoadCATrustedCertificates(o, c->tls_ca);
	if (st == NATS_OK && c->tls_cert)
		st = natsOptions_LoadCertificatesChain(o, c->tls_cert, c->tls_key);
	*out = o;	/* the caller destroys it, also after a failure */
	return st == NATS_OK ? 0 : -EINVAL;
}

/* libnats' error text without its "(file.c:line): " prefix. */
static const char *error_text(const char *text)
{
	const char *end;

	if (text && text[0] == '(' && (end = strstr(text, "): ")))
		return end + 3;
	return text;
}

/* Keeps why a connection failed, for flush's error and the log. */
static void note_failure(struct nats_sink *s, natsStatus st, const char *text)
{
	pthread_mutex_lock(&s->lock);
	s->connect_failures++;
	s->last_status = st;
	snprintf(s->last_error, sizeof(s->last_error), "%s",
		 text && *text ? text : natsStatus_GetText(st));
	pthread_mutex_unlock(&s->lock);
}

/* A new connection and JetStream context, published under conn_lock. */
static int connect_nats(struct nats_sink *s, natsOptions *opts)
{
	natsConnection *nc = NULL;
	jsCtx *js = NULL;
	jsOptions jo;
	natsStatus st = natsConnection_Connect(&nc, opts);

	if (st != NATS_OK && st != NATS_NOT_YET_CONNECTED) {
		note_failure(s, st, error_text(nats_GetLastError(NULL)));
		return -ECONNREFUSED;
	}
	jsOptions_Init(&jo);
	jo.Wait = 5000;
	jo.PublishAsync.AckHandler = on_ack;
	jo.PublishAsync.AckHandlerClosure = s;
	st = natsConnection_JetStream(&js, nc, &jo);
	if (st != NATS_OK) {
		natsConnection_Destroy(nc);
		return -ENOMEM;
	}
	pthread_mutex_lock(&s->conn_lock);
	s->nc = nc;
	s->js = js;
	pthread_mutex_unlock(&s->conn_lock);
	return 0;
}

static int ensure_stream(struct nats_sink *s)
{
	struct nats_config *c = &s->cfg;
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	jsStreamConfig sc;
	char subjects[SUBJECT_MAX];
	const char *subj[1] = { subjects };
	natsStatus st;

	if (natsConnection_Status(s->nc) != NATS_CONN_STATUS_CONNECTED)
		return -ENOTCONN;
	st = js_GetStreamInfo(&si, s->js, c->stream, NULL, &jerr);
	if (st == NATS_OK) {
		jsStreamInfo_Destroy(si);
		return 0;
	}
	if ((st != NATS_NOT_FOUND && jerr != JSStreamNotFoundErr) || !c->create)
		return -EAGAIN;
	snprintf(subjects, sizeof(subjects), "%s.>", c->subject);
	jsStreamConfig_Init(&sc);
	sc.Name = c->stream;
	sc.Subjects = subj;
	sc.SubjectsLen = 1;
	sc.Retention = c->retention;
	sc.Storage = c->storage;
	sc.Replicas = c->replicas;
	sc.Duplicates = (int64_t)c->dupe_window_s * 1000000000LL;
	sc.MaxAge = (int64_t)c->max_age_s * 1000000000LL;
	sc.MaxBytes = c->max_bytes ? (int64_t)c->max_bytes : -1;
	st = js_AddStream(&si, s->js, &sc, NULL, &jerr);
	jsStreamInfo_Destroy(si);
	return st == NATS_OK || jerr == JSStreamNameExistErr ? 0 : -EAGAIN;
}

/* Waits up to timeout_ms for every publish's callback to have run; stop
 * also tells the sender to end. Returns whether they all ran. */
static bool wait_settled(struct nats_sink *s, int timeout_ms, bool stop)
{
	struct timespec ts;
	bool settled;

	output_deadline_in(&ts, timeout_ms);
	pthread_mutex_lock(&s->lock);
	s->stop |= stop;
	while (s->outstanding > 0 && (stop || !s->stop))
		if (pthread_cond_timedwait(&s->cond, &s->lock, &ts) == ETIMEDOUT)
			break;
	settled = s->outstanding <= 0;
	pthread_mutex_unlock(&s->lock);
	return settled;
}

static bool sink_connected(struct nats_sink *s)
{
	bool connected;

	pthread_mutex_lock(&s->conn_lock);
	connected = s->nc && natsConnection_Status(s->nc) == NATS_CONN_STATUS_CONNECTED;
	pthread_mutex_unlock(&s->conn_lock);
	return connected;
}

/* ---- connection rebuild (sender thread) -------------------------------- */

/* Gives up a CLOSED connection: its error is kept, what was in flight will
 * be sent again from the spool on the next one. */
static void drop_connection(struct nats_sink *s)
{
	natsConnection *nc = s->nc;
	jsCtx *js = s->js;
	const char *text = NULL;
	natsStatus st = natsConnection_GetLastError(nc, &text);
	char why[ERROR_TEXT_MAX];

	/* After background retries libnats says only "no server"; the
	 * server's own words come from the rebuild's first connect. */
	snprintf(why, sizeof(why), "connection closed: %s",
		 text && *text ? text : natsStatus_GetText(st));
	note_failure(s, st, why);
	pthread_mutex_lock(&s->lock);
	if (s->count) {
		s->count = 0;
		s->retries++;
	}
	s->any_failed = false;
	pthread_mutex_unlock(&s->lock);
	spool_rewind(s->spool);
	s->stream_ready = false;
	/* Publishes pending on the old context get their callback from its
	 * MaxWait timer: let them run before the context goes. */
	wait_settled(s, (int)s->cfg.ack_timeout_ms + 1000, false);
	pthread_mutex_lock(&s->conn_lock);
	s->nc = NULL;
	s->js = NULL;
	pthread_mutex_unlock(&s->conn_lock);
	jsCtx_Destroy(js);	/* it holds a reference to the connection */
	natsConnection_Destroy(nc);
}

/* Schedules the next rebuild and logs the failure: a new text at once,
 * the same one at most every ERROR_LOG_MS. */
static void rebuild_later(struct nats_sink *s)
{
	int64_t now = output_mono_ms();
	int delay = s->rebuild_backoff_ms;
	char text[ERROR_TEXT_MAX];

	s->rebuild_at_ms = now + delay;
	s->rebuild_backoff_ms = delay * 2 > REBUILD_MAX_MS ? REBUILD_MAX_MS : delay * 2;
	pthread_mutex_lock(&s->lock);
	snprintf(text, sizeof(text), "%s", s->last_error);
	pthread_mutex_unlock(&s->lock);
	if (!strcmp(text, s->logged_error) && now - s->error_logged_ms < ERROR_LOG_MS)
		return;
	snprintf(s->logged_error, sizeof(s->logged_error), "%s", text);
	s->error_logged_ms = now;
	log_warn("nats output %s: connection failed: %s; a new connection in %d s",
		 s->cfg.servers[0], text, delay / 1000);
}

/* Returns true when the sink has a connection libnats still works on;
 * otherwise replaces a CLOSED one, after the back-off. */
static bool keep_connection(struct nats_sink *s)
{
	if (s->nc && !natsConnection_IsClosed(s->nc))
		return true;
	if (s->nc) {
		drop_connection(s);
		rebuild_later(s);
		return false;
	}
	if (output_mono_ms() < s->rebuild_at_ms)
		return false;
	pthread_mutex_lock(&s->lock);
	s->rebuilds++;
	pthread_mutex_unlock(&s->lock);
	if (connect_nats(s, s->nopts_now)) {
		rebuild_later(s);
		return false;
	}
	return true;
}

/* ---- sender thread ----------------------------------------------------- */

/* Waits on the sink's condition up to ms, unless there is already
 * something to do (checked under the lock, so a wake-up between the
 * caller's look and this wait is not lost). acks: wait for the oldest
 * publish to be settled; otherwise just sleep (back-off). */
static void sender_wait(struct nats_sink *s, int ms, bool acks)
{
	struct timespec ts;

	output_deadline_in(&ts, ms);
	pthread_mutex_lock(&s->lock);
	if (!s->stop && (!acks || (s->count && ring_at(s, 0)->state == SLOT_PENDING &&
				   !s->any_failed)))
		pthread_cond_timedwait(&s->cond, &s->lock, &ts);
	pthread_mutex_unlock(&s->lock);
}

/* Releases the acknowledged prefix of the ring to the spool; *count gets
 * the publishes still in flight. Returns true when a publish failed or
 * timed out (everything unacknowledged is then sent again). */
static bool release_acked(struct nats_sink *s, bool *progress, unsigned *count)
{
	struct spool_pos end = { 0, 0 };
	uint64_t n = 0;
	bool failed = false;
	int64_t now = output_mono_ms();

	pthread_mutex_lock(&s->lock);
	while (s->count && ring_at(s, 0)->state == SLOT_ACKED) {
		end = ring_at(s, 0)->end;
		s->head = (s->head + 1) % s->cfg.inflight;
		s->count--;
		n++;
	}
	for (unsigned i = 0; i < s->count && !failed; i++) {
		struct inflight *e = ring_at(s, i);
		/* libnats times out with MaxWait; the margin covers a reply
		 * lost with its connection. */
		failed = e->state == SLOT_FAILED ||
			 (e->state == SLOT_PENDING &&
			  now - e->sent_ms > 2 * (int64_t)s->cfg.ack_timeout_ms);
	}
	if (failed) {
		s->count = 0;
		s->retries++;
	}
	s->any_failed = false;
	*count = s->count;
	pthread_mutex_unlock(&s->lock);
	if (n)
		spool_ack(s->spool, end, n);
	*progress = n > 0;
	return failed;
}

/* Subject tokens must not hold separators or wildcards. */
static void subject_token(char *out, size_t cap, const char *in, size_t len)
{
	size_t i;

	for (i = 0; i < len && i + 1 < cap; i++) {
		unsigned char ch = (unsigned char)in[i];
		out[i] = ch <= ' ' || ch >= 0x7f || ch == '.' || ch == '*' || ch == '>' ? '_' : (char)ch;
	}
	out[i] = '\0';
	if (!i && cap > 1) {
		out[0] = '_';
		out[1] = '\0';
	}
}

static void publish_one(struct nats_sink *s, size_t len, struct spool_pos end)
{
	struct record_peek pk;
	char subject[SUBJECT_MAX], token[96], id[MSG_ID_MAX];
	natsMsg *msg = NULL;
	jsPubOptions po;
	natsStatus st;
	struct inflight *e;

	if (record_peek(s->buf, len, &pk))
		memset(&pk, 0, sizeof(pk));	/* still delivered, under "unknown" */
	subject_token(token, sizeof(token), pk.sensor_id, pk.sensor_id_len);
	snprintf(subject, sizeof(subject), "%s.%s.%s", s->cfg.subject, token,
		 record_kind_name(pk.kind));
	snprintf(id, sizeof(id), "%.*s-%" PRIu64, (int)(pk.sensor_id_len < 160 ? pk.sensor_id_len : 160),
		 pk.sensor_id ? pk.sensor_id : "", pk.sequence);

	/* A record the server can never take would block the queue for
	 * ever: give it up, counted and reported as a Loss. */
	int64_t max_payload = natsConnection_GetMaxPayload(s->nc);
	bool refuse = max_payload > 0 && (int64_t)len + PUBLISH_OVERHEAD > max_payload;

	pthread_mutex_lock(&s->lock);
	e = ring_at(s, s->count++);
	*e = (struct inflight){ pk.sequence, end, output_mono_ms(), refuse ? SLOT_ACKED : SLOT_PENDING };
	if (refuse && pk.sequence > s->refused_upto) {
		/* Counted once, though a rewind may read it again. */
		s->refused_upto = pk.sequence;
		if (!s->refused.count || pk.sequence < s->refused.first_sequence)
			s->refused.first_sequence = pk.sequence;
		if (pk.sequence > s->refused.last_sequence)
			s->refused.last_sequence = pk.sequence;
		s->refused.count++;
		s->refused_total++;
	}
	if (refuse) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	s->published++;
	s->outstanding++;	/* before the publish: its callback may come first */
	pthread_mutex_unlock(&s->lock);

	jsPubOptions_Init(&po);
	po.MaxWait = s->cfg.ack_timeout_ms;
	st = natsMsg_Create(&msg, subject, NULL, (const char *)s->buf, (int)len);
	if (st == NATS_OK)
		st = natsMsgHeader_Set(msg, "Nats-Msg-Id", id);
	if (st == NATS_OK)
		st = js_PublishMsgAsync(s->js, &msg, &po);
	natsMsg_Destroy(msg);	/* NULL after a successful publish */
	if (st != NATS_OK) {
		pthread_mutex_lock(&s->lock);
		for (unsigned i = 0; i < s->count; i++)
			if (ring_at(s, i)->seq == pk.sequence)
				ring_at(s, i)->state = SLOT_FAILED;
		s->any_failed = true;
		s->outstanding--;	/* not published: no callback will come */
		pthread_mutex_unlock(&s->lock);
	}
}

static void *sender_main(void *arg)
{
	struct nats_sink *s = arg;
	int backoff = BACKOFF_MIN_MS;

	for (;;) {
		bool progress;
		unsigned count;

		pthread_mutex_lock(&s->lock);
		bool stop = s->stop;
		pthread_mutex_unlock(&s->lock);
		if (stop)
			break;
		if (!keep_connection(s)) {
			int64_t wait_ms = s->rebuild_at_ms - output_mono_ms();
			sender_wait(s, wait_ms < 1 ? 1 : (int)wait_ms, false);
			continue;
		}
		if (!s->stream_ready) {
			if (ensure_stream(s)) {
				sender_wait(s, backoff, false);
				backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
				continue;
			}
			s->stream_ready = true;
			backoff = BACKOFF_MIN_MS;
			s->rebuild_backoff_ms = REBUILD_MIN_MS;	/* connected again */
		}
		if (release_acked(s, &progress, &count)) {
			spool_rewind(s->spool);
			s->stream_ready = false;	/* the stream may be gone: check again */
			sender_wait(s, backoff, false);
			backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
			continue;
		}
		if (progress)
			backoff = BACKOFF_MIN_MS;
		if (count < s->cfg.inflight) {
			size_t len;
			struct spool_pos end;
			if (spool_read(s->spool, &s->buf, &s->bufcap, &len, &end) == 1) {
				publish_one(s, len, end);
				continue;
			}
		}
		if (count)
			sender_wait(s, 20, true);	/* acknowledgements signal the cond */
		else
			spool_wait_readable(s->spool, 200);
	}
	return NULL;
}

/* ---- sink ops ---------------------------------------------------------- */

static struct nats_sink *nats_sink(struct output_sink *s)
{
	return (struct nats_sink *)s;
}

static int nats_write(struct output_sink *base, const struct output_record *r,
		      struct output_loss *loss)
{
	struct nats_sink *s = nats_sink(base);
	struct spool_drop drop;
	int err = spool_append(s->spool, r->framed, r->framed_len, &drop);

	if (drop.count) {
		loss->stage = "spool";
		loss->reason = "spool size cap reached: oldest unacknowledged records deleted";
		loss->range = drop;
	}

	if (err) {
		s->errors++;
		return err;
	}
	s->records++;
	s->bytes += r->framed_len;
	return 0;
}

static int nats_dup_fd(struct output_sink *base)
{
	return spool_dup_fd(nats_sink(base)->spool);
}

/* A timeout while the server refuses the login says so (-EACCES); while
 * there is no connection otherwise, -ENOTCONN. The text is in the log. */
static int nats_flush(struct output_sink *base, int timeout_ms)
{
	struct nats_sink *s = nats_sink(base);
	int err = spool_wait_empty(s->spool, timeout_ms);
	natsStatus st;

	if (err != -ETIMEDOUT || sink_connected(s))
		return err;
	pthread_mutex_lock(&s->lock);
	st = s->last_status;
	pthread_mutex_unlock(&s->lock);
	return st == NATS_CONNECTION_AUTH_FAILED || st == NATS_NOT_PERMITTED ? -EACCES : -ENOTCONN;
}

static void nats_take_loss(struct output_sink *base, struct output_loss *loss)
{
	struct nats_sink *s = nats_sink(base);

	pthread_mutex_lock(&s->lock);
	if (s->refused.count) {
		loss->stage = "output:nats";
		loss->reason = "record larger than the server's max_payload: never deliverable";
		loss->range = s->refused;
		memset(&s->refused, 0, sizeof(s->refused));
	}
	pthread_mutex_unlock(&s->lock);
}

static void nats_stats(struct output_sink *base, struct output_stats *st)
{
	struct nats_sink *s = nats_sink(base);
	struct spool_stats sp;

	spool_get_stats(s->spool, &sp);
	st->network = true;
	st->records = s->records;
	st->bytes = s->bytes;
	st->errors = s->errors;
	st->connected = sink_connected(s);
	st->acked = sp.acked;
	st->dropped = sp.dropped;
	st->spool_pending = sp.pending;
	st->spool_bytes = sp.bytes;
	pthread_mutex_lock(&s->lock);
	st->published = s->published;
	st->retries = s->retries;
	st->rebuilds = s->rebuilds;
	st->connect_failures = s->connect_failures;
	st->dropped += s->refused_total;
	pthread_mutex_unlock(&s->lock);
}

static void nats_close(struct output_sink *base)
{
	struct nats_sink *s = nats_sink(base);

	if (s->thread_running) {
		pthread_mutex_lock(&s->lock);
		s->stop = true;
		pthread_cond_broadcast(&s->cond);
		pthread_mutex_unlock(&s->lock);
		spool_wake(s->spool);
		pthread_join(s->thread, NULL);
	}
	/* Every publish gets exactly one callback (ack, error, or the MaxWait
	 * timeout), and libnats may run it on its own thread even after the
	 * connection is closed: wait for them before freeing what they use.
	 * What is unacknowledged stays in the spool for the next run. */
	bool settled = wait_settled(s, (int)s->cfg.ack_timeout_ms + 1000, true);
	if (s->nc)
		natsConnection_Close(s->nc);
	jsCtx_Destroy(s->js);
	natsConnection_Destroy(s->nc);
	natsOptions_Destroy(s->nopts);
	natsOptions_Destroy(s->nopts_now);
	spool_close(s->spool);
	if (!settled)
		return;	/* a late callback could still touch s: keep it */
	for (int i = 0; i < s->cfg.nservers; i++)
		free(s->cfg.servers[i]);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->conn_lock);
	pthread_mutex_destroy(&s->lock);
	free(s->query);
	free(s->ring);
	free(s->buf);
	free(s);
}

static const struct output_sink_ops nats_ops = {
	.write = nats_write,
	.dup_fd = nats_dup_fd,
	.flush = nats_flush,
	.stats = nats_stats,
	.take_loss = nats_take_loss,
	.close = nats_close,
};

/* Default spool folder name: the server list with separators replaced. */
static int spool_dir(const struct nats_sink *s, const char *state_dir, char **out)
{
	char name[200];
	size_t n = 0;

	if (s->cfg.spool_name) {
		if (strchr(s->cfg.spool_name, '/') || s->cfg.spool_name[0] == '.')
			return -EINVAL;
		return asprintf(out, "%s/spool-%s", state_dir, s->cfg.spool_name) < 0 ? -ENOMEM : 0;
	}
	for (int i = 0; i < s->cfg.nservers && n + 1 < sizeof(name); i++) {
		const char *h = strstr(s->cfg.servers[i], "://") + 3;
		for (; *h && n + 2 < sizeof(name); h++)
			name[n++] = (*h >= '0' && *h <= '9') || (*h >= 'a' && *h <= 'z') ||
				    (*h >= 'A' && *h <= 'Z') || *h == '.' || *h == '-' ? *h : '_';
		if (i + 1 < s->cfg.nservers)
			name[n++] = '+';
	}
	name[n] = '\0';
	return asprintf(out, "%s/spool-%s", state_dir, name) < 0 ? -ENOMEM : 0;
}

int output_nats_open(struct output_sink **out, const char *url, const struct outputs_options *o)
{
	struct nats_sink *s;
	struct spool_options so = { .max_bytes = o->spool_max_bytes };
	char *dir = NULL;
	int err;

	if (!o->state_dir)
		return -EINVAL;	/* the spool must live somewhere durable */
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->base.ops = &nats_ops;
	s->base.network = true;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->conn_lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->rebuild_backoff_ms = REBUILD_MIN_MS;
	err = parse_url(s, url);
	if (!err)
		err = spool_dir(s, o->state_dir, &dir);
	if (!err)
		err = spool_open(&s->spool, dir, &so);
	free(dir);
	if (!err) {
		s->ring = calloc(s->cfg.inflight, sizeof(*s->ring));
		err = s->ring ? 0 : -ENOMEM;
	}
	if (!err)
		err = make_options(s, &s->nopts, o->sensor_id, true);
	if (!err)
		err = make_options(s, &s->nopts_now, o->sensor_id, false);
	if (!err)
		err = connect_nats(s, s->nopts);
	if (!err) {
		err = -pthread_create(&s->thread, NULL, sender_main, s);
		s->thread_running = !err;
	}
	if (err) {
		nats_close(&s->base);
		return err;
	}
	*out = &s->base;
	return 0;
}

#endif /* HAVE_NATS */
