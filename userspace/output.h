/* outputs: everything from a finished Edisensor__V1__Record to the outside
 * world.
 *
 * API summary
 *   struct outputs_options opts;
 *   outputs_options_default(&opts);
 *   opts.sensor_id = "gw-1";                 // required
 *   opts.state_dir = "/var/lib/edisensor";    // sequence file + spools;
 *                                             // required with a network sink
 *   struct outputs *o;
 *   err = outputs_open(&o, specs, nspecs, &opts);
 *       specs: "json:-" (stdout), "json:PATH", "file:PATH" (length-delimited
 *       protobuf, rotated at opts.rotate_bytes), "nats://HOST:PORT[,HOST:PORT]
 *       [?key=value&...]" (JetStream; keys in output_nats.c and
 *       docs/ARCHITECTURE.md: stream, subject, replicas, retention, creds,
 *       nkey, nkey_seed, tls, tls_ca, tls_cert, tls_key, ...).
 *   err = outputs_emit(o, rec);   // sets rec->sequence (persistent, survives
 *       // restarts), rec->time_ns when 0, and the sensor id in what is
 *       // written (rec->sensor_id is left as the caller had it); writes to
 *       // every sink. Network sinks only append to their durable spool here;
 *       // a background thread per network sink sends, so emit never waits on
 *       // the network. Returns the first sink error (others still written).
 *   err = outputs_flush(o, timeout_ms);  // local sinks fsynced, network sinks
 *       // fully acknowledged; -ETIMEDOUT otherwise. For end of replay and
 *       // SIGTERM.
 *   n = outputs_stats(o, stats, max);    // one struct output_stats per sink
 *   outputs_close(o);                    // unacknowledged records stay
 *       // spooled and are sent by the next run
 *
 * Losses are never silent: when a spool is full its oldest records are
 * dropped, counted (stats.dropped) and reported by a Loss record (stage
 * "spool", count, sequence range) written to every sink.
 * emit, flush and stats lock internally and may be called from any thread.
 */
#ifndef EDISENSOR_OUTPUT_H
#define EDISENSOR_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "edisensor.pb-c.h"

struct outputs;

struct outputs_options {
	const char *sensor_id;
	const char *state_dir;		/* NULL: sequence in memory, from 1 */
	uint64_t spool_max_bytes;	/* per network sink; default 256 MiB */
	uint64_t rotate_bytes;		/* file sinks; 0 = never rotate; default 64 MiB */
	unsigned rotate_keep;		/* rotated files kept per file sink; 0 = all */
	unsigned fsync_every;		/* fsync after this many records; 0 = off */
	unsigned fsync_interval_ms;	/* fsync written data this often; 0 = off */
};

/* Defaults: 256 MiB spool, 64 MiB rotation, fsync every second. */
void outputs_options_default(struct outputs_options *opts);

struct output_stats {
	const char *spec;		/* as opened; valid while the outputs are */
	uint64_t records;		/* written (local) or spooled (network) */
	uint64_t bytes;
	uint64_t errors;		/* failed writes */
	/* network sinks only */
	bool network;
	bool connected;
	uint64_t acked;			/* acknowledged by the server */
	uint64_t published;		/* publish attempts, retries included */
	uint64_t retries;		/* times sending restarted after a failure */
	uint64_t rebuilds;		/* connections built anew after one was closed */
	uint64_t connect_failures;	/* connections refused/closed or not created */
	uint64_t dropped;		/* records deleted from a full spool */
	uint64_t spool_pending;		/* spool depth: records not yet acknowledged */
	uint64_t spool_bytes;
};

int outputs_open(struct outputs **o, const char *const *specs, size_t n,
		 const struct outputs_options *opts);
int outputs_emit(struct outputs *o, Edisensor__V1__Record *rec);
int outputs_flush(struct outputs *o, int timeout_ms);
size_t outputs_stats(struct outputs *o, struct output_stats *stats, size_t max);
void outputs_close(struct outputs *o);

/* A file output rotates PATH to PATH.1, PATH.2, ... (higher = newer).
 * Returns the highest N present, 0 when none; *found (when match and found
 * are given) gets the N of the file that is match (device and inode). */
struct stat;
unsigned long output_file_rotated(const char *path, const struct stat *match,
				  unsigned long *found);

/* Whether spec names a sink kind this build supports (for option parsing). */
bool outputs_spec_valid(const char *spec);
/* Whether spec is a network sink (needs opts.state_dir for its spool). */
bool outputs_spec_network(const char *spec);

#endif
