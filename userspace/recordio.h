/* recordio: length-delimited record streams (each record preceded by its
 * length as a protobuf varint), the format of edisensor record files and of
 * the spool.
 *
 * The reader works on a file that may still be written: a record whose bytes
 * are not all there yet is reported as -EAGAIN (a torn tail after a crash, or
 * a write in progress), never as corruption; calling again after more bytes
 * arrived continues where it stopped.
 */
#ifndef EDISENSOR_RECORDIO_H
#define EDISENSOR_RECORDIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <protobuf-c/protobuf-c.h>

/* Largest record accepted: a bigger length prefix means a corrupt file. */
#define RECORDIO_MAX_RECORD (16u << 20)
#define RECORDIO_VARINT_MAX 10

size_t recordio_put_varint(uint64_t v, uint8_t out[RECORDIO_VARINT_MAX]);

/* Decodes a varint at p[0..n). Returns 0 (value in *v, bytes in *used),
 * -EAGAIN when more bytes are needed, -EBADMSG when it is too long. */
int recordio_get_varint(const uint8_t *p, size_t n, uint64_t *v, size_t *used);

/* Growable buffer holding one or more framed records. */
struct recordio_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
};

/* Appends msg packed and framed (length prefix + bytes) to b. Returns the
 * framed size or -ENOMEM / -EMSGSIZE. */
ssize_t recordio_append(struct recordio_buf *b, const ProtobufCMessage *msg);
void recordio_buf_free(struct recordio_buf *b);

/* write(2) until all of p is written (EINTR retried): 0 or -errno. */
int recordio_write_all(int fd, const void *p, size_t len);

struct recordio_reader {
	int fd;
	uint8_t *buf;
	size_t cap;
	size_t start;		/* first unconsumed byte */
	size_t end;		/* end of bytes read */
	uint64_t offset;	/* file offset of buf[start] */
};

void recordio_reader_init(struct recordio_reader *r, int fd);
void recordio_reader_fini(struct recordio_reader *r);

/* Next record: 1 with *rec and *len valid until the next call, 0 at a clean end
 * of file, -EAGAIN when the file ends inside a record (torn, or still
 * being written: more data may come), -EBADMSG for a corrupt length, -errno for
 * read errors. r->offset is the file offset after the returned record. */
int recordio_next(struct recordio_reader *r, const uint8_t **rec, size_t *len);

/* Bytes held of an incomplete record at the end of what was read. */
size_t recordio_pending(const struct recordio_reader *r);

/* Length of the longest prefix of fd made of whole records (from offset 0),
 * in *good; *count gets the number of records when not NULL. Used to cut a
 * torn tail before appending to a file again. */
int recordio_scan(int fd, uint64_t *good, uint64_t *count);

/* The top-level fields of a packed edisensor Record that routing needs,
 * read without unpacking the whole message. */
struct record_peek {
	uint64_t sequence;
	const char *sensor_id;	/* not NUL-terminated; points into the record */
	size_t sensor_id_len;
	uint32_t kind;		/* field number of the oneof member, 0 if none */
};
int record_peek(const uint8_t *rec, size_t len, struct record_peek *out);

/* Name of a Record kind field number: message, hit, loss, gap or unknown. */
const char *record_kind_name(uint32_t kind);

#endif
