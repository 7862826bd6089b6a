/* outputs with local sinks: file rotation (sizes, order, nothing lost,
 * keep count), sequence numbers across clean and crashed runs, a torn tail
 * cut before appending, JSON lines equal to the file's records. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "edisensor.pb-c.h"
#include "output.h"
#include "output_sequence.h"
#include "pbjson.h"
#include "recordio.h"
#include "../lib/tmpdir.h"

static char dir[64];
static char path[128], state[128], jpath[128];

static int setup(void **st)
{
	(void)st;
	if (tmpdir_make(dir, sizeof(dir), "test_output"))
		return -1;
	snprintf(path, sizeof(path), "%s/out.pb", dir);
	snprintf(jpath, sizeof(jpath), "%s/out.json", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	return tmpdir_remove(dir);
}

static struct outputs *open_outputs(const char *spec, uint64_t rotate, unsigned keep)
{
	struct outputs_options o;
	struct outputs *out;
	const char *specs[] = { spec };

	outputs_options_default(&o);
	o.sensor_id = "unit-1";
	o.state_dir = state;
	o.rotate_bytes = rotate;
	o.rotate_keep = keep;
	o.fsync_interval_ms = 0;
	assert_int_equal(outputs_open(&out, specs, 1, &o), 0);
	return out;
}

static void emit_n(struct outputs *o, int n)
{
	for (int i = 0; i < n; i++) {
		Edisensor__V1__Record rec = EDISENSOR__V1__RECORD__INIT;
		Edisensor__V1__Gap gap = EDISENSOR__V1__GAP__INIT;

		gap.missing_bytes = 1000 + (uint64_t)i;
		rec.kind_case = EDISENSOR__V1__RECORD__KIND_GAP;
		rec.gap = &gap;
		rec.sensor_id = "caller's";
		assert_int_equal(outputs_emit(o, &rec), 0);
		assert_true(rec.sequence > 0);
		assert_true(rec.time_ns > 0);
		assert_string_equal(rec.sensor_id, "caller's");	/* left alone */
	}
}

/* Appends the sequences in file p to seqs; returns the file size. */
static off_t read_file(const char *p, uint64_t *seqs, size_t *n)
{
	struct recordio_reader r;
	const uint8_t *data;
	size_t len;
	struct stat st;
	int fd = open(p, O_RDONLY);

	assert_true(fd >= 0);
	recordio_reader_init(&r, fd);
	while (recordio_next(&r, &data, &len) == 1) {
		Edisensor__V1__Record *rec = edisensor__v1__record__unpack(NULL, len, data);
		assert_non_null(rec);
		assert_string_equal(rec->sensor_id, "unit-1");
		seqs[(*n)++] = rec->sequence;
		edisensor__v1__record__free_unpacked(rec, NULL);
	}
	assert_int_equal(recordio_pending(&r), 0);
	recordio_reader_fini(&r);
	fstat(fd, &st);
	close(fd);
	return st.st_size;
}

static void test_rotation_keeps_every_record_in_order(void **st)
{
	(void)st;
	uint64_t seqs[256];
	size_t n = 0;
	char rotated[160];
	int files = 0;
	char spec[160];

	snprintf(spec, sizeof(spec), "file:%s", path);
	struct outputs *o = open_outputs(spec, 800, 0);
	emit_n(o, 100);
	outputs_close(o);

	for (int i = 1;; i++) {
		snprintf(rotated, sizeof(rotated), "%s.%d", path, i);
		if (access(rotated, F_OK))
			break;
		assert_true(read_file(rotated, seqs, &n) <= 800);
		files++;
	}
	assert_true(files >= 3);
	assert_true(read_file(path, seqs, &n) <= 800);
	assert_int_equal(n, 100);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(seqs[i], i + 1);

	/* A clean close stores the exact next number. */
	o = open_outputs(spec, 800, 0);
	emit_n(o, 1);
	outputs_close(o);
	n = 0;
	read_file(path, seqs, &n);
	assert_int_equal(seqs[n - 1], 101);
}

static void test_rotate_keep(void **st)
{
	(void)st;
	char spec[160], cmd[256];

	snprintf(spec, sizeof(spec), "file:%s", path);
	struct outputs *o = open_outputs(spec, 500, 2);
	emit_n(o, 100);
	outputs_close(o);
	snprintf(cmd, sizeof(cmd), "test $(ls %s/out.pb.* | wc -l) -eq 2", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_torn_tail_cut_before_append(void **st)
{
	(void)st;
	char spec[160];
	uint64_t seqs[64];
	size_t n = 0;

	snprintf(spec, sizeof(spec), "file:%s", path);
	struct outputs *o = open_outputs(spec, 0, 0);
	emit_n(o, 3);
	outputs_close(o);
	int fd = open(path, O_WRONLY | O_APPEND);
	assert_int_equal(write(fd, "\x30\x08\x01", 3), 3);	/* a record cut short */
	close(fd);

	o = open_outputs(spec, 0, 0);
	emit_n(o, 2);
	outputs_close(o);
	read_file(path, seqs, &n);	/* asserts nothing is left over */
	assert_int_equal(n, 5);
	assert_int_equal(seqs[3], 4);
}

static void test_sequence_survives_crash(void **st)
{
	(void)st;
	struct output_sequence s;
	uint64_t v;

	mkdir(state, 0700);
	assert_int_equal(output_sequence_open(&s, state), 0);
	for (int i = 1; i <= 3; i++) {
		assert_int_equal(output_sequence_next(&s, &v), 0);
		assert_int_equal(v, i);
	}
	/* A second user of the same state is refused while this one lives. */
	struct output_sequence other;
	assert_int_equal(output_sequence_open(&other, state), -EBUSY);
	/* Crash: the process dies without output_sequence_close (its lock
	 * goes with it). */
	free(s.path);
	close(s.lock_fd);
	assert_int_equal(output_sequence_open(&s, state), 0);
	assert_int_equal(output_sequence_next(&s, &v), 0);
	assert_int_equal(v, 1 + OUTPUT_SEQUENCE_BLOCK);	/* skipped, never reused */
	output_sequence_close(&s);

	/* A damaged file is an error, not a restart at 1. */
	char p[160];
	snprintf(p, sizeof(p), "%s/sequence", state);
	FILE *f = fopen(p, "w");
	fputs("garbage\n", f);
	fclose(f);
	assert_int_equal(output_sequence_open(&s, state), -EINVAL);
}

static void test_json_lines_match_file(void **st)
{
	(void)st;
	struct outputs_options o;
	struct outputs *out;
	char fspec[160], jspec[160];
	const char *specs[] = { fspec, jspec };

	snprintf(fspec, sizeof(fspec), "file:%s", path);
	snprintf(jspec, sizeof(jspec), "json:%s", jpath);
	outputs_options_default(&o);
	o.sensor_id = "unit-1";
	o.state_dir = NULL;	/* in-memory sequence */
	assert_int_equal(outputs_open(&out, specs, 2, &o), 0);
	emit_n(out, 20);
	assert_int_equal(outputs_flush(out, 1000), 0);
	struct output_stats stats[2];
	assert_int_equal(outputs_stats(out, stats, 2), 2);
	assert_int_equal(stats[0].records, 20);
	assert_int_equal(stats[1].records, 20);
	outputs_close(out);

	/* Each JSON line is the pbjson of the file's record at that place. */
	FILE *jf = fopen(jpath, "r");
	int fd = open(path, O_RDONLY);
	struct recordio_reader r;
	const uint8_t *data;
	size_t len, lines = 0;
	char line[4096];
	struct pbjson_buf want = { 0 };

	recordio_reader_init(&r, fd);
	while (fgets(line, sizeof(line), jf)) {
		assert_int_equal(recordio_next(&r, &data, &len), 1);
		Edisensor__V1__Record *rec = edisensor__v1__record__unpack(NULL, len, data);
		pbjson_buf_reset(&want);
		assert_int_equal(pbjson_append(&want, &rec->base), 0);
		pbjson_append_raw(&want, "\n", 1);
		assert_string_equal(line, want.data);
		assert_int_equal(rec->sequence, lines + 1);
		edisensor__v1__record__free_unpacked(rec, NULL);
		lines++;
	}
	assert_int_equal(lines, 20);
	pbjson_buf_free(&want);
	recordio_reader_fini(&r);
	close(fd);
	fclose(jf);
}

static void test_bad_specs(void **st)
{
	(void)st;
	struct outputs_options o;
	struct outputs *out;
	const char *bogus[] = { "ftp://x" };
	const char *nats[] = { "nats://127.0.0.1:1" };

	outputs_options_default(&o);
	o.sensor_id = "unit-1";
	assert_int_equal(outputs_open(&out, bogus, 1, &o), -EINVAL);
	assert_false(outputs_spec_valid("file:"));
	assert_false(outputs_spec_valid("ftp://x"));
	assert_true(outputs_spec_valid("json:-"));
	/* A network sink needs a state dir for its spool. */
	assert_true(outputs_open(&out, nats, 1, &o) < 0);
	o.sensor_id = "";
	assert_int_equal(outputs_open(&out, bogus, 1, &o), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rotation_keeps_every_record_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotate_keep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail_cut_before_append, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sequence_survives_crash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_lines_match_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_specs, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
