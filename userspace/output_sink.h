/* The one small interface every output sink implements (file, JSON lines,
 * NATS JetStream). The outputs set (output.c) owns the sinks, assigns
 * sequence numbers, encodes each record once and hands it to every sink. */
#ifndef EDISENSOR_OUTPUT_SINK_H
#define EDISENSOR_OUTPUT_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "output.h"
#include "spool.h"

struct output_sink;

/* One record, in both forms the sinks need. */
struct output_record {
	const Edisensor__V1__Record *rec;	/* sequence and sensor id set */
	const uint8_t *framed;			/* varint length + packed */
	size_t framed_len;
};

/* Records a sink could not deliver; the outputs set turns each into a
 * Loss record written to every sink. */
struct output_loss {
	const char *stage;		/* static: "spool", "output:nats" */
	const char *reason;		/* static */
	struct spool_drop range;	/* count and sequence range */
};

struct output_sink_ops {
	/* Writes one record. A sink that had to give records up to take it
	 * (a full spool) reports them in *loss (left zeroed otherwise).
	 * Returns 0 or -errno. */
	int (*write)(struct output_sink *s, const struct output_record *r,
		     struct output_loss *loss);
	/* A duplicate of the descriptor to fsync (outside the outputs lock),
	 * or -errno when there is nothing to sync. */
	int (*dup_fd)(struct output_sink *s);
	/* Waits until everything written is delivered: 0 or -ETIMEDOUT. */
	int (*flush)(struct output_sink *s, int timeout_ms);
	void (*stats)(struct output_sink *s, struct output_stats *st);
	/* Optional: losses found outside write (e.g. by a sender thread),
	 * handed over once; *loss stays zeroed when there is none. */
	void (*take_loss)(struct output_sink *s, struct output_loss *loss);
	void (*close)(struct output_sink *s);
};

struct output_sink {
	const struct output_sink_ops *ops;
	bool network;		/* written before local sinks: see output.c */
};

/* Records a local sink failed to write (disk full, I/O error). They are
 * handed over as a loss once the sink writes again, so the Loss record
 * reaches that sink too instead of failing with it. */
struct output_unwritten {
	struct spool_drop range;
	bool recovered;
};
void output_unwritten_failed(struct output_unwritten *u, uint64_t seq);
void output_unwritten_written(struct output_unwritten *u);
void output_unwritten_take(struct output_unwritten *u, const char *stage,
			   struct output_loss *loss);

/* Constructors; arg is the spec after its "kind:" prefix (the whole spec
 * for nats URLs). */
int output_json_open(struct output_sink **s, const char *arg, const struct outputs_options *o);
int output_file_open(struct output_sink **s, const char *arg, const struct outputs_options *o);
int output_nats_open(struct output_sink **s, const char *url, const struct outputs_options *o);

#endif
