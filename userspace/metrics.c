#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "http_request.h"
#include "metrics.h"
#include "signals.h"

#define MAX_COLLECTORS 32
#define REQ_MAX 4096
#define IO_TIMEOUT_MS 2000
/* A connection's whole request head must arrive within READ_DEADLINE_MS of
 * accept, and the whole answer leave within WRITE_DEADLINE_MS: the server
 * takes one connection at a time, so a per-recv timeout alone would let a
 * client sending a byte a second hold the metrics thread for over an hour
 * (slowloris). */
#define READ_DEADLINE_MS 2000
#define WRITE_DEADLINE_MS 3000
#define LOCK_WAIT_MS 1000

struct collector {
	metrics_collect_fn fn;
	void *ctx;
	bool locked;                   /* runs under m->lock */
};

struct metrics {
	pthread_mutex_t *lock;
	pthread_mutex_t reg_lock;      /* guards the collector list */
	struct collector c[MAX_COLLECTORS];
	size_t n;
	int listen_fd;
	int stop_pipe[2];
	pthread_t thread;
	bool running;
};

struct metrics_out {
	FILE *f;
};

int metrics_new(struct metrics **out, pthread_mutex_t *lock)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->lock = lock;
	m->listen_fd = -1;
	m->stop_pipe[0] = m->stop_pipe[1] = -1;
	pthread_mutex_init(&m->reg_lock, NULL);
	*out = m;
	return 0;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	if (m->running) {
		char b = 1;

		if (write(m->stop_pipe[1], &b, 1) < 0) {
			/* the thread also stops at the next poll timeout */
		}
		pthread_join(m->thread, NULL);
	}
	if (m->listen_fd >= 0)
		close(m->listen_fd);
	if (m->stop_pipe[0] >= 0) {
		close(m->stop_pipe[0]);
		close(m->stop_pipe[1]);
	}
	pthread_mutex_destroy(&m->reg_lock);
	free(m);
}

static int add_collector(struct metrics *m, metrics_collect_fn fn, void *ctx, bool locked)
{
	int err = 0;

	pthread_mutex_lock(&m->reg_lock);
	if (m->n >= MAX_COLLECTORS)
		err = -ENOSPC;
	else
		m->c[m->n++] = (struct collector){ fn, ctx, locked };
	pthread_mutex_unlock(&m->reg_lock);
	return err;
}

int metrics_register(struct metrics *m, metrics_collect_fn fn, void *ctx)
{
	return add_collector(m, fn, ctx, true);
}

int metrics_register_unlocked(struct metrics *m, metrics_collect_fn fn, void *ctx)
{
	return add_collector(m, fn, ctx, false);
}

/* ---- writers ------------------------------------------------------------ */

void metrics_family(struct metrics_out *o, const char *name, const char *type, const char *help)
{
	fprintf(o->f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void metrics_sample(struct metrics_out *o, const char *name, const char *labels, uint64_t v)
{
	if (labels && *labels)
		fprintf(o->f, "%s{%s} %llu\n", name, labels, (unsigned long long)v);
	else
		fprintf(o->f, "%s %llu\n", name, (unsigned long long)v);
}

void metrics_counter(struct metrics_out *o, const char *name, const char *help, uint64_t v)
{
	metrics_family(o, name, "counter", help);
	metrics_sample(o, name, NULL, v);
}

void metrics_gauge(struct metrics_out *o, const char *name, const char *help, uint64_t v)
{
	metrics_family(o, name, "gauge", help);
	metrics_sample(o, name, NULL, v);
}

void metrics_fields(struct metrics_out *o, const char *prefix, const struct metrics_field *f,
		    size_t n, const void *stats)
{
	char name[128];

	for (size_t i = 0; i < n; i++) {
		uint64_t v;

		if (!f[i].name)
			continue;
		memcpy(&v, (const char *)stats + f[i].offset, sizeof(v));
		snprintf(name, sizeof(name), "%s%s%s", prefix, f[i].name, f[i].gauge ? "" : "_total");
		if (f[i].gauge)
			metrics_gauge(o, name, f[i].help, v);
		else
			metrics_counter(o, name, f[i].help, v);
	}
}

const char *metrics_escape(const char *in, char *buf, size_t len)
{
	size_t o = 0;

	for (; *in && o + 3 < len; in++) {
		if (*in == '\\' || *in == '"') {
			buf[o++] = '\\';
			buf[o++] = *in;
		} else if (*in == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else {
			buf[o++] = *in;
		}
	}
	buf[o] = '\0';
	return buf;
}

/* The pipeline lock, waited for at most LOCK_WAIT_MS: a pipeline stuck in
 * a blocked output must not take the metrics that show it down too. */
static bool take_lock(struct metrics *m)
{
	struct timespec ts;

	if (!m->lock)
		return true;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)LOCK_WAIT_MS * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	return pthread_mutex_timedlock(m->lock, &ts) == 0;
}

int metrics_render(struct metrics *m, char **buf, size_t *len)
{
	struct metrics_out o;
	bool locked;

	*buf = NULL;
	*len = 0;
	o.f = open_memstream(buf, len);
	if (!o.f)
		return -errno;
	pthread_mutex_lock(&m->reg_lock);
	for (size_t i = 0; i < m->n; i++)
		if (!m->c[i].locked)
			m->c[i].fn(&o, m->c[i].ctx);
	locked = take_lock(m);
	if (m->lock)
		metrics_gauge(&o, "edisensor_pipeline_stalled",
			      "1 when the pipeline held its lock too long to collect its metrics "
			      "(an output blocks)", !locked);
	for (size_t i = 0; locked && i < m->n; i++)
		if (m->c[i].locked)
			m->c[i].fn(&o, m->c[i].ctx);
	if (locked && m->lock)
		pthread_mutex_unlock(m->lock);
	pthread_mutex_unlock(&m->reg_lock);
	if (fclose(o.f)) {
		free(*buf);
		*buf = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* ---- addresses ---------------------------------------------------------- */

static int parse_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *sl)
{
	char host[64];
	const char *colon = strrchr(addr, ':');
	char *end;
	unsigned long port;

	if (!colon || colon == addr || (size_t)(colon - addr) >= sizeof(host))
		return -EINVAL;
	memcpy(host, addr, colon - addr);
	host[colon - addr] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || !colon[1] || port == 0 || port > 65535)
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		size_t n = strlen(host);

		if (n < 3 || host[n - 1] != ']')
			return -EINVAL;
		host[n - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			return -EINVAL;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return -EINVAL;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*sl = sizeof(*s4);
	}
	return 0;
}

static void set_timeouts(int fd)
{
	struct timeval tv = { IO_TIMEOUT_MS / 1000, (IO_TIMEOUT_MS % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 when fd is ready for events, 0 when deadline (now_ms) passed first. */
static int wait_until(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - now_ms();
		struct pollfd p = { .fd = fd, .events = events };
		int r;

		if (left <= 0)
			return 0;
		r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		return r > 0;
	}
}

static int write_all(int fd, const char *p, size_t n, int64_t deadline)
{
	while (n) {
		int ready = wait_until(fd, POLLOUT, deadline);
		ssize_t w;

		if (ready <= 0)
			return ready ? ready : -ETIMEDOUT;
		w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* ---- server ------------------------------------------------------------- */

static void respond(int fd, const char *status, const char *type, const char *body,
		    size_t len, bool head_only)
{
	int64_t deadline = now_ms() + WRITE_DEADLINE_MS;
	char hdr[256];
	int n = snprintf(hdr, sizeof(hdr),
			 "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n", status, type, len);

	if (write_all(fd, hdr, (size_t)n, deadline) == 0 && !head_only)
		write_all(fd, body, len, deadline);
}

/* Reads the request head, bounded in size (struct http_request) and in
 * time (deadline). False: nothing to answer (client silent, too slow, or
 * gone before sending a byte). */
static bool read_request(int fd, struct http_request *req, int64_t deadline)
{
	char piece[1024];

	http_request_init(req);
	while (req->state == HTTP_MORE) {
		ssize_t r;

		if (wait_until(fd, POLLIN, deadline) <= 0)
			return false;
		r = recv(fd, piece, sizeof(piece), MSG_DONTWAIT);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			return false;
		if (r == 0)   /* client closed its side: answer what it sent */
			return req->len > 0;
		http_request_feed(req, piece, (size_t)r);
	}
	return true;
}

static void serve_one(struct metrics *m, int fd)
{
	static const char text[] = "text/plain; version=0.0.4; charset=utf-8";
	static const char idx[] = "edisensord: metrics at /metrics\n";
	struct http_request req;
	bool head;
	char *body;
	size_t len;

	if (!read_request(fd, &req, now_ms() + READ_DEADLINE_MS))
		return;
	switch (http_request_route(&req, &head)) {
	case HTTP_ROUTE_METRICS:
		if (metrics_render(m, &body, &len)) {
			respond(fd, "500 Internal Server Error", "text/plain", "render failed\n", 14,
				head);
			return;
		}
		respond(fd, "200 OK", text, body, len, head);
		free(body);
		return;
	case HTTP_ROUTE_INDEX:
		respond(fd, "200 OK", "text/plain", idx, sizeof(idx) - 1, head);
		return;
	case HTTP_ROUTE_NOT_FOUND:
		respond(fd, "404 Not Found", "text/plain", "not found: try /metrics\n", 24, head);
		return;
	case HTTP_ROUTE_BAD_METHOD:
		respond(fd, "405 Method Not Allowed", "text/plain", "GET or HEAD only\n", 17, false);
		return;
	case HTTP_ROUTE_TOO_LARGE:
		respond(fd, "431 Request Header Fields Too Large", "text/plain",
			"request head over 4096 bytes\n", 29, false);
		return;
	}
}

static void *server_main(void *arg)
{
	struct metrics *m = arg;
	struct pollfd p[2] = {
		{ .fd = m->listen_fd, .events = POLLIN },
		{ .fd = m->stop_pipe[0], .events = POLLIN },
	};

	signals_block_in_thread();
	for (;;) {
		int r = poll(p, 2, 1000);

		if (r < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (r > 0 && (p[0].revents & POLLIN)) {
			int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0) {
				serve_one(m, fd);
				close(fd);
			}
		}
	}
	return NULL;
}

int metrics_listen(struct metrics *m, const char *addr, char *errbuf, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int one = 1, err;

	if (parse_addr(addr, &ss, &sl)) {
		snprintf(errbuf, errlen, "metrics address '%s': HOST:PORT with a numeric host", addr);
		return -EINVAL;
	}
	m->listen_fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (m->listen_fd < 0)
		goto sys_fail;
	setsockopt(m->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(m->listen_fd, (struct sockaddr *)&ss, sl) || listen(m->listen_fd, 16))
		goto sys_fail;
	if (pipe2(m->stop_pipe, O_CLOEXEC))
		goto sys_fail;
	return 0;
sys_fail:
	err = -errno;
	snprintf(errbuf, errlen, "metrics on %s: %s", addr, strerror(-err));
	return err;
}

int metrics_start(struct metrics *m)
{
	int err;

	if (m->listen_fd < 0 || m->running)
		return -EINVAL;
	err = pthread_create(&m->thread, NULL, server_main, m);
	if (err)
		return -err;
	m->running = true;
	return 0;
}

/* ---- client ------------------------------------------------------------- */

/* A connected socket that has sent the request, or -errno (errbuf). */
static int fetch_connect(const char *addr, char *errbuf, size_t errlen)
{
	static const char req[] = "GET /metrics HTTP/1.0\r\nHost: edisensord\r\n\r\n";
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, err;

	if (parse_addr(addr, &ss, &sl)) {
		snprintf(errbuf, errlen, "metrics address '%s': HOST:PORT with a numeric host", addr);
		return -EINVAL;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || (set_timeouts(fd), connect(fd, (struct sockaddr *)&ss, sl)) ||
	    write_all(fd, req, sizeof(req) - 1, now_ms() + IO_TIMEOUT_MS)) {
		err = -errno;
		snprintf(errbuf, errlen, "no edisensord metrics at %s: %s (is the daemon running, "
			 "with [metrics] listen = %s?)", addr, strerror(-err), addr);
		if (fd >= 0)
			close(fd);
		return err;
	}
	return fd;
}

/* Reads the answer: the status line must say 200; the body goes to out. */
static int fetch_body(int fd, const char *addr, FILE *out, char *errbuf, size_t errlen)
{
	char buf[8192];
	bool in_body = false;
	size_t hdr_fill = 0;
	char hdr[REQ_MAX];

	for (;;) {
		ssize_t r = recv(fd, buf, sizeof(buf), 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (in_body) {
			fwrite(buf, 1, (size_t)r, out);
			continue;
		}
		/* Headers first: keep them until the blank line, then the rest is body. */
		size_t take = (size_t)r < sizeof(hdr) - 1 - hdr_fill ? (size_t)r : sizeof(hdr) - 1 - hdr_fill;

		memcpy(hdr + hdr_fill, buf, take);
		hdr_fill += take;
		hdr[hdr_fill] = '\0';
		char *end = strstr(hdr, "\r\n\r\n");

		if (!end && take < (size_t)r)
			break;
		if (end) {
			if (strncmp(hdr, "HTTP/1.0 200", 12) && strncmp(hdr, "HTTP/1.1 200", 12)) {
				snprintf(errbuf, errlen, "%s answered: %.60s", addr, hdr);
				return -EPROTO;
			}
			in_body = true;
			size_t body_off = (size_t)(end + 4 - hdr);

			fwrite(hdr + body_off, 1, hdr_fill - body_off, out);
			if (take < (size_t)r)
				fwrite(buf + take, 1, (size_t)r - take, out);
		}
	}
	if (!in_body) {
		snprintf(errbuf, errlen, "%s: no HTTP answer", addr);
		return -EPROTO;
	}
	return 0;
}

int metrics_fetch(const char *addr, FILE *out, char *errbuf, size_t errlen)
{
	int fd = fetch_connect(addr, errbuf, errlen);
	int err;

	if (fd < 0)
		return fd;
	err = fetch_body(fd, addr, out, errbuf, errlen);
	close(fd);
	return err;
}
