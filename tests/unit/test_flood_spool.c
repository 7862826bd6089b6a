/* Flood: a network output that never acknowledges while FLOOD_RECORDS
 * records pour into its spool (20 times the cap). The files never exceed
 * the cap, every record is either still pending or reported dropped, the
 * drops are one contiguous range of sequences from the oldest on (so the
 * Loss record names them exactly), and what is left reads back in order.
 * Process memory stays flat (VmHWM, reset before). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "edisensor.pb-c.h"
#include "recordio.h"
#include "spool.h"
#include "../lib/memstat.h"
#include "../lib/tmpdir.h"

#define FLOOD_RECORDS 200000u
#define SPOOL_CAP (1u << 20)
#define RSS_MAX_KB (16u << 10)   /* the spool holds nothing in memory */

static char dir[64];

static int setup(void **state)
{
	(void)state;
	return tmpdir_make(dir, sizeof(dir), "test_flood_spool");
}

static int teardown(void **state)
{
	(void)state;
	return tmpdir_remove(dir);
}

static uint64_t dir_bytes(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	uint64_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[sizeof(dir) + 260];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (strstr(e->d_name, ".seg") && !stat(path, &st))
			n += (uint64_t)st.st_size;
	}
	closedir(d);
	return n;
}

static void test_spool_flood_capped_and_counted(void **state)
{
	static char reason[80];
	Edisensor__V1__Record rec = EDISENSOR__V1__RECORD__INIT;
	Edisensor__V1__Loss loss = EDISENSOR__V1__LOSS__INIT;
	struct spool_options o = { .max_bytes = SPOOL_CAP };
	struct recordio_buf b = { 0 };
	struct spool_stats st;
	struct spool *sp;
	uint64_t dropped = 0, next_drop = 1, max_disk = 0, rss0, got = 0, expect;
	uint8_t *buf = NULL;
	size_t cap = 0, len;
	struct spool_pos end;

	(void)state;
	rss0 = (uint64_t)memstat_reset_peak();
	assert_true(rss0 > 0);
	assert_int_equal(spool_open(&sp, dir, &o), 0);
	memset(reason, 'r', sizeof(reason) - 1);
	rec.sensor_id = "flood";
	rec.kind_case = EDISENSOR__V1__RECORD__KIND_LOSS;
	rec.loss = &loss;
	loss.reason = reason;
	for (uint64_t seq = 1; seq <= FLOOD_RECORDS; seq++) {
		struct spool_drop d;

		rec.sequence = seq;
		b.len = 0;
		assert_true(recordio_append(&b, &rec.base) > 0);
		assert_int_equal(spool_append(sp, b.data, b.len, &d), 0);
		if (d.count) {
			/* drops come oldest first, one contiguous range after another */
			assert_int_equal(d.first_sequence, next_drop);
			assert_int_equal(d.last_sequence - d.first_sequence + 1, d.count);
			next_drop = d.last_sequence + 1;
			dropped += d.count;
		}
		if (seq % 4096 == 0) {
			uint64_t disk = dir_bytes();

			if (disk > max_disk)
				max_disk = disk;
		}
	}
	spool_get_stats(sp, &st);
	print_message("flood: %u records into a %u KiB spool, never acknowledged: dropped %llu "
		      "(reported %llu), pending %llu, files at most %llu KiB, peak RSS +%llu KiB\n",
		      FLOOD_RECORDS, SPOOL_CAP >> 10, (unsigned long long)st.dropped,
		      (unsigned long long)dropped, (unsigned long long)st.pending,
		      (unsigned long long)(max_disk >> 10),
		      (unsigned long long)(memstat_kb("VmHWM") - rss0));
	assert_int_equal(st.appended, FLOOD_RECORDS);
	assert_int_equal(st.dropped, dropped);
	assert_int_equal(st.dropped + st.pending, FLOOD_RECORDS);
	assert_true(dropped > 0);
	assert_true(max_disk <= SPOOL_CAP);
	assert_true(st.bytes <= SPOOL_CAP);
	/* what is left is exactly the newest records, in order */
	expect = next_drop;
	while (spool_read(sp, &buf, &cap, &len, &end) == 1) {
		struct record_peek pk;

		assert_int_equal(record_peek(buf, len, &pk), 0);
		assert_int_equal(pk.sequence, expect);
		expect++;
		got++;
	}
	assert_int_equal(got, st.pending);
	assert_int_equal(expect, FLOOD_RECORDS + 1);
	assert_true(MEMSTAT_WITHIN(memstat_kb("VmHWM") - rss0, RSS_MAX_KB));
	free(buf);
	recordio_buf_free(&b);
	spool_close(sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spool_flood_capped_and_counted),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
