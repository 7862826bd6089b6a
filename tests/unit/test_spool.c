/* spool: durable queue accounting: append/read/ack, recovery after a crash
 * (unacknowledged records pending again, torn tail cut), the size cap with
 * drop accounting, rewind. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "edisensor.pb-c.h"
#include "recordio.h"
#include "spool.h"
#include "../lib/tmpdir.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	return tmpdir_make(dir, sizeof(dir), "test_spool");
}

static int teardown(void **state)
{
	(void)state;
	return tmpdir_remove(dir);
}

/* A framed record with the given sequence and a padding string. */
static void framed(struct recordio_buf *b, uint64_t seq, size_t pad)
{
	Edisensor__V1__Record rec = EDISENSOR__V1__RECORD__INIT;
	Edisensor__V1__Loss loss = EDISENSOR__V1__LOSS__INIT;
	char *text = malloc(pad + 1);

	memset(text, 'p', pad);
	text[pad] = '\0';
	rec.sequence = seq;
	rec.sensor_id = "t";
	rec.kind_case = EDISENSOR__V1__RECORD__KIND_LOSS;
	rec.loss = &loss;
	loss.reason = text;
	b->len = 0;
	assert_true(recordio_append(b, &rec.base) > 0);
	free(text);
}

static void append_seqs(struct spool *sp, uint64_t from, uint64_t to, size_t pad,
			struct spool_drop *total)
{
	struct recordio_buf b = { 0 };
	struct spool_drop d;

	for (uint64_t s = from; s <= to; s++) {
		framed(&b, s, pad);
		assert_int_equal(spool_append(sp, b.data, b.len, &d), 0);
		if (total && d.count) {
			if (!total->count)
				total->first_sequence = d.first_sequence;
			total->last_sequence = d.last_sequence;
			total->count += d.count;
		}
	}
	recordio_buf_free(&b);
}

static uint64_t read_seq(struct spool *sp, struct spool_pos *end)
{
	static uint8_t *buf;
	static size_t cap;
	size_t len;
	struct record_peek pk;

	assert_int_equal(spool_read(sp, &buf, &cap, &len, end), 1);
	assert_int_equal(record_peek(buf, len, &pk), 0);
	return pk.sequence;
}

static void test_append_read_ack(void **state)
{
	(void)state;
	struct spool_options o = { .max_bytes = 1 << 20 };
	struct spool *sp;
	struct spool_stats st;
	struct spool_pos end;
	uint8_t *buf = NULL;
	size_t cap = 0, len;

	assert_int_equal(spool_open(&sp, dir, &o), 0);
	struct spool *second;
	assert_int_equal(spool_open(&second, dir, &o), -EBUSY);	/* one process per spool */
	append_seqs(sp, 1, 10, 10, NULL);
	for (uint64_t s = 1; s <= 10; s++)
		assert_int_equal(read_seq(sp, &end), s);
	assert_int_equal(spool_read(sp, &buf, &cap, &len, &end), 0);
	assert_int_equal(spool_wait_empty(sp, 10), -ETIMEDOUT);
	spool_ack(sp, end, 10);
	assert_int_equal(spool_wait_empty(sp, 10), 0);
	spool_get_stats(sp, &st);
	assert_true(st.bytes > 0);	/* small: kept until it grows */
	spool_get_stats(sp, &st);
	assert_int_equal(st.appended, 10);
	assert_int_equal(st.acked, 10);
	assert_int_equal(st.pending, 0);
	spool_close(sp);

	/* Nothing pending after a reopen. */
	assert_int_equal(spool_open(&sp, dir, &o), 0);
	spool_get_stats(sp, &st);
	assert_int_equal(st.pending, 0);
	assert_int_equal(spool_read(sp, &buf, &cap, &len, &end), 0);
	/* Once everything is acknowledged, a grown spool shrinks to 0 bytes. */
	append_seqs(sp, 11, 1000, 100, NULL);
	for (uint64_t s = 11; s <= 1000; s++)
		assert_int_equal(read_seq(sp, &end), s);
	spool_ack(sp, end, 990);
	spool_get_stats(sp, &st);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(st.pending, 0);
	append_seqs(sp, 1001, 1001, 10, NULL);
	assert_int_equal(read_seq(sp, &end), 1001);
	spool_close(sp);
	assert_int_equal(spool_open(&sp, dir, &o), 0);
	spool_get_stats(sp, &st);
	assert_int_equal(st.pending, 1);
	assert_int_equal(read_seq(sp, &end), 1001);
	spool_close(sp);
	free(buf);
}

static void test_unacked_survive_reopen_and_torn_tail_cut(void **state)
{
	(void)state;
	struct spool_options o = { .max_bytes = 1 << 20, .segment_bytes = 4096 };
	struct spool *sp;
	struct spool_stats st;
	struct spool_pos end, after4 = { 0, 0 };

	assert_int_equal(spool_open(&sp, dir, &o), 0);
	append_seqs(sp, 1, 100, 60, NULL);	/* several segments */
	for (uint64_t s = 1; s <= 60; s++) {
		assert_int_equal(read_seq(sp, &end), s);
		if (s == 40)
			after4 = end;
	}
	spool_ack(sp, after4, 40);
	/* "Crash": close without acknowledging 41..100 (60 records). */
	spool_close(sp);

	/* A torn record at the end, as a SIGKILL mid-write would leave. */
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "f=$(ls %s/*.seg | tail -1); printf '\\x40abc' >> $f", dir);
	assert_int_equal(system(cmd), 0);

	assert_int_equal(spool_open(&sp, dir, &o), 0);
	spool_get_stats(sp, &st);
	assert_int_equal(st.pending, 60);
	assert_int_equal(read_seq(sp, &end), 41);
	spool_rewind(sp);
	assert_int_equal(read_seq(sp, &end), 41);
	for (uint64_t s = 42; s <= 100; s++)
		assert_int_equal(read_seq(sp, &end), s);
	/* Appending after the cut tail yields whole records. */
	append_seqs(sp, 101, 101, 5, NULL);
	assert_int_equal(read_seq(sp, &end), 101);
	spool_ack(sp, end, 61);
	spool_get_stats(sp, &st);
	assert_int_equal(st.pending, 0);
	spool_close(sp);

	/* Acknowledged segments are gone: only the active one is left. */
	snprintf(cmd, sizeof(cmd), "test $(ls %s/*.seg | wc -l) -eq 1", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_cap_drops_oldest_and_counts(void **state)
{
	(void)state;
	struct spool_options o = { .max_bytes = 16384, .segment_bytes = 4096 };
	struct spool *sp;
	struct spool_stats st;
	struct spool_drop total = { 0 };
	struct spool_pos end;

	assert_int_equal(spool_open(&sp, dir, &o), 0);
	/* ~110 bytes a record, 1000 records: far over 16 KiB. */
	append_seqs(sp, 1, 1000, 100, &total);
	spool_get_stats(sp, &st);
	assert_true(st.bytes <= 16384);
	assert_true(total.count > 800);
	assert_int_equal(st.dropped, total.count);
	assert_int_equal(total.first_sequence, 1);
	/* Oldest first: the survivors are exactly the newest records. */
	assert_int_equal(total.last_sequence, total.count);
	assert_int_equal(st.pending + st.dropped, 1000);
	assert_int_equal(read_seq(sp, &end), total.count + 1);

	/* Records already acknowledged are not counted as dropped. */
	uint64_t s;
	for (s = total.count + 2; s <= 1000; s++)
		assert_int_equal(read_seq(sp, &end), s);
	spool_ack(sp, end, st.pending);
	uint64_t dropped_before = st.dropped;
	total = (struct spool_drop){ 0 };
	append_seqs(sp, 1001, 1400, 100, &total);
	spool_get_stats(sp, &st);
	assert_true(total.count > 0);
	assert_true(total.first_sequence >= 1001);
	assert_true(st.bytes <= 16384);
	assert_int_equal(st.dropped, dropped_before + total.count);
	assert_int_equal(st.pending + total.count, 400);

	/* A record bigger than the cap is refused. */
	struct recordio_buf b = { 0 };
	struct spool_drop d;
	framed(&b, 2000, 20000);
	assert_int_equal(spool_append(sp, b.data, b.len, &d), -EMSGSIZE);
	recordio_buf_free(&b);
	spool_close(sp);
}

static void test_drop_moves_reader(void **state)
{
	(void)state;
	struct spool_options o = { .max_bytes = 8192, .segment_bytes = 4096 };
	struct spool *sp;
	struct spool_drop total = { 0 };
	struct spool_pos end, first_end;

	assert_int_equal(spool_open(&sp, dir, &o), 0);
	append_seqs(sp, 1, 5, 100, NULL);
	assert_int_equal(read_seq(sp, &first_end), 1);	/* in flight */
	append_seqs(sp, 6, 200, 100, &total);
	assert_true(total.count > 0);
	/* The late acknowledgement of a dropped record changes nothing. */
	spool_ack(sp, first_end, 1);
	assert_int_equal(read_seq(sp, &end), total.last_sequence + 1);
	spool_close(sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_append_read_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unacked_survive_reopen_and_torn_tail_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_drops_oldest_and_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drop_moves_reader, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
