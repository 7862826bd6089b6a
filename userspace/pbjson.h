/* pbjson: proto3 JSON mapping for any protobuf-c message, by reflection over
 * its descriptors (no generated code per message type).
 *
 * Output follows https://protobuf.dev/programming-guides/proto3/#json:
 * lowerCamelCase field names, 64-bit integers as strings, enums by name,
 * bytes as base64, repeated fields as arrays, nested messages as objects,
 * fields with default values omitted (a set oneof member is always written).
 * Strings are written as valid UTF-8 JSON whatever bytes they hold: bytes
 * that are not well-formed UTF-8 become U+FFFD, so the output is always
 * valid JSON even for garbage read off the wire.
 */
#ifndef EDISENSOR_PBJSON_H
#define EDISENSOR_PBJSON_H

#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

/* Growable output buffer; always NUL-terminated after a successful call. */
struct pbjson_buf {
	char *data;
	size_t len;
	size_t cap;
};

/* Nesting deeper than this is refused (-ELOOP): a recursive schema fed by
 * untrusted input must not exhaust the stack. */
#define PBJSON_MAX_DEPTH 64

/* Appends the JSON object for msg to out (no newline). Returns 0, -ENOMEM,
 * -ELOOP or -EINVAL (a descriptor the encoder does not know). On error out
 * keeps its previous contents. */
int pbjson_append(struct pbjson_buf *out, const ProtobufCMessage *msg);

/* Appends a string as a JSON string literal (quotes included), replacing
 * ill-formed UTF-8 with U+FFFD. */
int pbjson_append_string(struct pbjson_buf *out, const char *s, size_t n);

/* Appends bytes as they are (e.g. a newline between records). */
int pbjson_append_raw(struct pbjson_buf *out, const char *s, size_t n);

void pbjson_buf_reset(struct pbjson_buf *b);
void pbjson_buf_free(struct pbjson_buf *b);

#endif
