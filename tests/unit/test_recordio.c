/* recordio: varints, length-delimited reading incl. a torn tail that is
 * completed later, scanning for the whole-record prefix, record peeking. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "edisensor.pb-c.h"
#include "recordio.h"

static void test_varint(void **state)
{
	(void)state;
	uint8_t b[RECORDIO_VARINT_MAX];
	uint64_t v;
	size_t used;

	assert_int_equal(recordio_put_varint(0, b), 1);
	assert_int_equal(b[0], 0);
	assert_int_equal(recordio_put_varint(300, b), 2);   /* the protobuf docs' example */
	assert_int_equal(b[0], 0xac);
	assert_int_equal(b[1], 0x02);
	assert_int_equal(recordio_get_varint(b, 2, &v, &used), 0);
	assert_int_equal(v, 300);
	assert_int_equal(used, 2);
	assert_int_equal(recordio_get_varint(b, 1, &v, &used), -EAGAIN);
	assert_int_equal(recordio_put_varint(UINT64_MAX, b), 10);
	assert_int_equal(recordio_get_varint(b, 10, &v, &used), 0);
	assert_true(v == UINT64_MAX);

	uint8_t too_long[11];
	memset(too_long, 0xff, sizeof(too_long));
	assert_int_equal(recordio_get_varint(too_long, 11, &v, &used), -EBADMSG);
}

static void make_record(struct recordio_buf *b, uint64_t seq, const char *reason)
{
	Edisensor__V1__Record rec = EDISENSOR__V1__RECORD__INIT;
	Edisensor__V1__Loss loss = EDISENSOR__V1__LOSS__INIT;

	rec.sequence = seq;
	rec.sensor_id = "unit";
	rec.kind_case = EDISENSOR__V1__RECORD__KIND_LOSS;
	rec.loss = &loss;
	loss.reason = (char *)reason;
	assert_true(recordio_append(b, &rec.base) > 0);
}

static int temp_file(void)
{
	char path[] = "/tmp/test_recordio.XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	return fd;
}

static uint64_t read_sequence(const uint8_t *data, size_t len)
{
	Edisensor__V1__Record *rec = edisensor__v1__record__unpack(NULL, len, data);
	uint64_t seq;

	assert_non_null(rec);
	seq = rec->sequence;
	edisensor__v1__record__free_unpacked(rec, NULL);
	return seq;
}

static void test_torn_tail_then_completed(void **state)
{
	(void)state;
	struct recordio_buf b = { 0 };
	struct recordio_reader r;
	const uint8_t *data;
	size_t len, whole;
	int fd = temp_file();
	char big[3000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	make_record(&b, 1, "one");
	make_record(&b, 2, big);       /* length prefix of two bytes */
	whole = b.len;
	make_record(&b, 3, "three");
	/* Everything but the last 4 bytes of record 3: a torn write. */
	assert_int_equal(write(fd, b.data, b.len - 4), (ssize_t)(b.len - 4));
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);

	recordio_reader_init(&r, fd);
	assert_int_equal(recordio_next(&r, &data, &len), 1);
	assert_int_equal(read_sequence(data, len), 1);
	assert_int_equal(recordio_next(&r, &data, &len), 1);
	assert_int_equal(read_sequence(data, len), 2);
	assert_int_equal(r.offset, whole);
	assert_int_equal(recordio_next(&r, &data, &len), -EAGAIN);
	assert_int_equal(recordio_pending(&r), b.len - 4 - whole);

	uint64_t good, count;
	assert_int_equal(recordio_scan(fd, &good, &count), 0);
	assert_int_equal(good, whole);
	assert_int_equal(count, 2);

	/* The writer finishes the record: the reader continues with it. */
	assert_int_equal(pwrite(fd, b.data + b.len - 4, 4, (off_t)(b.len - 4)), 4);
	assert_int_equal(lseek(fd, (off_t)(r.offset + recordio_pending(&r)), SEEK_SET),
			 (off_t)(b.len - 4));
	assert_int_equal(recordio_next(&r, &data, &len), 1);
	assert_int_equal(read_sequence(data, len), 3);
	assert_int_equal(recordio_next(&r, &data, &len), 0);
	assert_int_equal(r.offset, b.len);

	recordio_reader_fini(&r);
	recordio_buf_free(&b);
	close(fd);
}

static void test_corrupt_length(void **state)
{
	(void)state;
	struct recordio_reader r;
	const uint8_t *data;
	size_t len;
	int fd = temp_file();
	uint8_t hdr[RECORDIO_VARINT_MAX];
	size_t n = recordio_put_varint(RECORDIO_MAX_RECORD + 1, hdr);

	assert_int_equal(write(fd, hdr, n), (ssize_t)n);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	recordio_reader_init(&r, fd);
	assert_int_equal(recordio_next(&r, &data, &len), -EBADMSG);
	recordio_reader_fini(&r);
	close(fd);
}

static void test_empty_file_is_clean_eof(void **state)
{
	(void)state;
	struct recordio_reader r;
	const uint8_t *data;
	size_t len;
	int fd = temp_file();

	recordio_reader_init(&r, fd);
	assert_int_equal(recordio_next(&r, &data, &len), 0);
	recordio_reader_fini(&r);
	close(fd);
}

static void test_peek(void **state)
{
	(void)state;
	struct recordio_buf b = { 0 };
	struct record_peek pk;
	uint64_t size;
	size_t used;
	Edisensor__V1__Record rec = EDISENSOR__V1__RECORD__INIT;
	Edisensor__V1__Gap gap = EDISENSOR__V1__GAP__INIT;

	make_record(&b, 987654321, "r");
	assert_int_equal(recordio_get_varint(b.data, b.len, &size, &used), 0);
	assert_int_equal(record_peek(b.data + used, (size_t)size, &pk), 0);
	assert_int_equal(pk.sequence, 987654321);
	assert_int_equal(pk.sensor_id_len, 4);
	assert_memory_equal(pk.sensor_id, "unit", 4);
	assert_string_equal(record_kind_name(pk.kind), "loss");

	rec.kind_case = EDISENSOR__V1__RECORD__KIND_GAP;
	rec.gap = &gap;
	rec.time_ns = 5;
	b.len = 0;
	assert_true(recordio_append(&b, &rec.base) > 0);
	assert_int_equal(recordio_get_varint(b.data, b.len, &size, &used), 0);
	assert_int_equal(record_peek(b.data + used, (size_t)size, &pk), 0);
	assert_int_equal(pk.sequence, 0);
	assert_int_equal(pk.sensor_id_len, 0);
	assert_string_equal(record_kind_name(pk.kind), "gap");
	assert_string_equal(record_kind_name(1), "unknown");

	/* A length running past the end is refused, not read beyond. */
	const uint8_t bad[] = { 0x12, 0x05, 'a' };
	assert_int_equal(record_peek(bad, sizeof(bad), &pk), -EBADMSG);
	recordio_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_varint),
		cmocka_unit_test(test_torn_tail_then_completed),
		cmocka_unit_test(test_corrupt_length),
		cmocka_unit_test(test_empty_file_is_clean_eof),
		cmocka_unit_test(test_peek),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
