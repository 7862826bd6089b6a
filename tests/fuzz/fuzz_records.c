/* Fuzz target: reading a record file (the file output, the spool), as
 * edisensor-cat and the spool's recovery do: the recordio reader over an
 * fd, recordio_scan for the torn-tail cut, record_peek, protobuf unpack of
 * each Record and its proto3 JSON rendering. Invariants: scan's good prefix
 * never exceeds the input, and the reader returns exactly the records scan
 * counted. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "edisensor.pb-c.h"
#include "pbjson.h"
#include "recordio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void render(const uint8_t *rec, size_t len, struct pbjson_buf *json)
{
	Edisensor__V1__Record *r;
	struct record_peek peek;

	if (!record_peek(rec, len, &peek) && peek.sensor_id_len > len)
		abort();
	(void)record_kind_name(peek.kind);
	r = edisensor__v1__record__unpack(NULL, len, rec);
	if (!r)
		return;
	pbjson_buf_reset(json);
	if (!pbjson_append(json, &r->base) && json->data[json->len] != '\0')
		abort();   /* the buffer is NUL-terminated after a successful call */
	edisensor__v1__record__free_unpacked(r, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz_records", MFD_CLOEXEC);
	struct pbjson_buf json = { 0 };
	struct recordio_reader r;
	uint64_t good = 0, count = 0, seen = 0;
	const uint8_t *rec;
	size_t len;
	int rc;

	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	if (recordio_scan(fd, &good, &count) == 0 && good > size)
		abort();
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	recordio_reader_init(&r, fd);
	while ((rc = recordio_next(&r, &rec, &len)) == 1) {
		seen++;
		render(rec, len, &json);
	}
	if (rc == 0 && seen != count)
		abort();   /* a clean end: the reader and the scan agree */
	recordio_reader_fini(&r);
	pbjson_buf_free(&json);
	close(fd);
	return 0;
}
