/* Record sequence numbers that survive restarts, crashes included.
 *
 * Numbers are reserved in blocks: the file holds the first number not yet
 * handed out by any run, written (fsync + rename) before a block is used.
 * A crash therefore skips at most one block and never reuses a number, so a
 * record id (sensor id + sequence) always names one record: receivers that
 * deduplicate on it never drop a different record. A clean close stores the
 * exact next number. The block is large because storing it costs an fsync:
 * skipping up to a million numbers after a crash costs nothing in 64 bits. */
#ifndef EDISENSOR_OUTPUT_SEQUENCE_H
#define EDISENSOR_OUTPUT_SEQUENCE_H

#include <stdint.h>

#define OUTPUT_SEQUENCE_BLOCK (1u << 20)

struct output_sequence {
	char *path;		/* NULL: in memory only */
	uint64_t next;
	uint64_t reserved;	/* numbers below this are covered by the file */
	int lock_fd;		/* DIR/sequence.lock, held while open */
};

/* dir NULL: in memory, starting at 1. Otherwise DIR/sequence, locked
 * against a second process using the same state (-EBUSY). */
int output_sequence_open(struct output_sequence *s, const char *dir);
/* Next number; -errno when a new block could not be stored. */
int output_sequence_next(struct output_sequence *s, uint64_t *seq);
void output_sequence_close(struct output_sequence *s);

#endif
