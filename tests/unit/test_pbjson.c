/* pbjson: proto3 JSON mapping of protobuf-c messages. Expected strings are
 * written by hand from the proto3 JSON rules, not from the encoder. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <errno.h>
#include <stdio.h>
#include <cmocka.h>

#include "edisensor.pb-c.h"
#include "pbjson.h"

static char *encode(const ProtobufCMessage *m)
{
	static struct pbjson_buf b;

	pbjson_buf_reset(&b);
	assert_int_equal(pbjson_append(&b, m), 0);
	return b.data;
}

static void test_record_names_int64_enum_repeated(void **state)
{
	(void)state;
	Edisensor__V1__Record rec = EDISENSOR__V1__RECORD__INIT;
	Edisensor__V1__Hit hit = EDISENSOR__V1__HIT__INIT;
	Edisensor__V1__Message msg = EDISENSOR__V1__MESSAGE__INIT;
	Edisensor__V1__Flow flow = EDISENSOR__V1__FLOW__INIT;
	Edisensor__V1__Equipment eq = EDISENSOR__V1__EQUIPMENT__INIT;
	Edisensor__V1__Equipment *eqs[] = { &eq };
	uint32_t evidence[] = { 3, 0, 7 };

	rec.sequence = 12345678901234ULL;
	rec.sensor_id = "gw-1";
	rec.kind_case = EDISENSOR__V1__RECORD__KIND_HIT;
	rec.hit = &hit;
	hit.message = &msg;
	msg.syntax = EDISENSOR__V1__SYNTAX__SYNTAX_X12;
	msg.flow = &flow;
	msg.first_seen_ns = UINT64_MAX;
	flow.src_port = 5000;
	flow.direction = EDISENSOR__V1__DIRECTION__DIRECTION_UNSPECIFIED; /* default: omitted */
	flow.src_ip = "";                                                 /* default: omitted */
	msg.n_equipment = 1;
	msg.equipment = eqs;
	eq.number = "CSQU3054383";
	eq.check_digit_valid = 1;
	eq.iso6346 = 0;                                                   /* false: omitted */
	eq.n_evidence = 3;
	eq.evidence = evidence;

	assert_string_equal(encode(&rec.base),
		"{\"sequence\":\"12345678901234\",\"sensorId\":\"gw-1\","
		"\"hit\":{\"message\":{\"syntax\":\"SYNTAX_X12\",\"flow\":{\"srcPort\":5000},"
		"\"firstSeenNs\":\"18446744073709551615\","
		"\"equipment\":[{\"number\":\"CSQU3054383\",\"checkDigitValid\":true,"
		"\"evidence\":[3,0,7]}]}}}");
}

static void test_oneof_with_defaults_is_written(void **state)
{
	(void)state;
	Edisensor__V1__Record rec = EDISENSOR__V1__RECORD__INIT;
	Edisensor__V1__Loss loss = EDISENSOR__V1__LOSS__INIT;

	rec.kind_case = EDISENSOR__V1__RECORD__KIND_LOSS;
	rec.loss = &loss;
	assert_string_equal(encode(&rec.base), "{\"loss\":{}}");

	loss.stage = "spool";
	loss.count = 3;
	loss.first_sequence = 10;
	loss.last_sequence = 12;
	assert_string_equal(encode(&rec.base),
		"{\"loss\":{\"stage\":\"spool\",\"count\":\"3\",\"firstSequence\":\"10\","
		"\"lastSequence\":\"12\"}}");

	Edisensor__V1__Record empty = EDISENSOR__V1__RECORD__INIT;
	assert_string_equal(encode(&empty.base), "{}");
}

static char *encode_string(const char *s, size_t n)
{
	static struct pbjson_buf b;

	pbjson_buf_reset(&b);
	assert_int_equal(pbjson_append_string(&b, s, n), 0);
	return b.data;
}

static void test_string_escapes(void **state)
{
	(void)state;
	const char in[] = "a\"b\\c\nd\re\tf\x01g\x1f/\x7f";

	assert_string_equal(encode_string(in, sizeof(in) - 1),
			    "\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u001f/\x7f\"");
	/* An embedded NUL is data, not the end. */
	assert_string_equal(encode_string("x\0y", 3), "\"x\\u0000y\"");
}

static void test_utf8_kept_and_garbage_replaced(void **state)
{
	(void)state;
	/* Well-formed: 2, 3 and 4 byte sequences pass through unchanged. */
	const char ok[] = "Z\xc3\xbcrich \xe2\x82\xac \xf0\x9f\x98\x80";
	char expect[64];

	snprintf(expect, sizeof(expect), "\"%s\"", ok);
	assert_string_equal(encode_string(ok, sizeof(ok) - 1), expect);

	/* ISO 8859-1 byte, stray continuation, overlong '/', surrogate,
	 * above U+10FFFF, truncated sequence at the end. */
	assert_string_equal(encode_string("M\xfcller", 6), "\"M\\ufffdller\"");
	assert_string_equal(encode_string("\x80", 1), "\"\\ufffd\"");
	assert_string_equal(encode_string("\xc0\xaf", 2), "\"\\ufffd\\ufffd\"");
	assert_string_equal(encode_string("\xed\xa0\x80", 3), "\"\\ufffd\\ufffd\\ufffd\"");
	assert_string_equal(encode_string("\xf4\x90\x80\x80", 4),
			    "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	assert_string_equal(encode_string("ok\xe2\x82", 4), "\"ok\\ufffd\\ufffd\"");
}

static void test_string_field_escaped_in_record(void **state)
{
	(void)state;
	Edisensor__V1__Record rec = EDISENSOR__V1__RECORD__INIT;

	rec.sensor_id = "gate \"7\"\n\xff";
	assert_string_equal(encode(&rec.base),
			    "{\"sensorId\":\"gate \\\"7\\\"\\n\\ufffd\"}");
}

/* A hand-made descriptor with the types edisensor.proto does not use:
 * bytes, double, float, negative int32, sint64, repeated strings, a
 * proto2-style optional with has_ flag. Shows the encoder needs nothing but
 * the descriptor. */
struct probe {
	ProtobufCMessage base;
	ProtobufCBinaryData blob;
	double ratio;
	float small;
	int32_t delta;
	int64_t big_negative;
	size_t n_tags;
	char **tags;
	protobuf_c_boolean has_count;
	uint32_t count;
};

static const ProtobufCFieldDescriptor probe_fields[] = {
	{ "blob", 1, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_BYTES, 0,
	  offsetof(struct probe, blob), NULL, NULL, 0, 0, NULL, NULL },
	{ "ratio", 2, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_DOUBLE, 0,
	  offsetof(struct probe, ratio), NULL, NULL, 0, 0, NULL, NULL },
	{ "small_value", 3, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_FLOAT, 0,
	  offsetof(struct probe, small), NULL, NULL, 0, 0, NULL, NULL },
	{ "delta", 4, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_INT32, 0,
	  offsetof(struct probe, delta), NULL, NULL, 0, 0, NULL, NULL },
	{ "big_negative", 5, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_SINT64, 0,
	  offsetof(struct probe, big_negative), NULL, NULL, 0, 0, NULL, NULL },
	{ "tags", 6, PROTOBUF_C_LABEL_REPEATED, PROTOBUF_C_TYPE_STRING,
	  offsetof(struct probe, n_tags), offsetof(struct probe, tags), NULL, NULL, 0, 0, NULL, NULL },
	{ "count", 7, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_UINT32,
	  offsetof(struct probe, has_count), offsetof(struct probe, count), NULL, NULL, 0, 0, NULL, NULL },
};

static const ProtobufCMessageDescriptor probe_descriptor = {
	.magic = PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC,
	.name = "test.Probe",
	.short_name = "Probe",
	.c_name = "Probe",
	.package_name = "test",
	.sizeof_message = sizeof(struct probe),
	.n_fields = sizeof(probe_fields) / sizeof(probe_fields[0]),
	.fields = probe_fields,
};

static void test_other_types_by_reflection(void **state)
{
	(void)state;
	struct probe p;
	char *tags[] = { "a", "" };

	memset(&p, 0, sizeof(p));
	p.base.descriptor = &probe_descriptor;
	assert_string_equal(encode(&p.base), "{}");

	p.blob.data = (uint8_t *)"EDI\xff!";
	p.blob.len = 5;
	p.ratio = 0.1;
	p.small = 1.5f;
	p.delta = -42;
	p.big_negative = INT64_MIN;
	p.n_tags = 2;
	p.tags = tags;
	p.has_count = 1;       /* explicit presence: zero is written */
	p.count = 0;
	assert_string_equal(encode(&p.base),
		"{\"blob\":\"RURJ/yE=\",\"ratio\":0.1,\"smallValue\":1.5,\"delta\":-42,"
		"\"bigNegative\":\"-9223372036854775808\",\"tags\":[\"a\",\"\"],\"count\":0}");

	p.ratio = 1.0 / 0.0;
	p.blob.len = 1;
	p.n_tags = 0;
	p.has_count = 0;
	p.small = 0;
	p.delta = 0;
	p.big_negative = 0;
	assert_string_equal(encode(&p.base), "{\"blob\":\"RQ==\",\"ratio\":\"Infinity\"}");
}

static void test_bad_descriptor_leaves_buffer(void **state)
{
	(void)state;
	struct pbjson_buf b = { 0 };
	ProtobufCMessageDescriptor bogus = probe_descriptor;
	struct probe p;

	bogus.magic = 0;
	memset(&p, 0, sizeof(p));
	p.base.descriptor = &bogus;
	assert_int_equal(pbjson_append_string(&b, "x", 1), 0);
	assert_int_equal(pbjson_append(&b, &p.base), -EINVAL);
	assert_string_equal(b.data, "\"x\"");
	pbjson_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_names_int64_enum_repeated),
		cmocka_unit_test(test_oneof_with_defaults_is_written),
		cmocka_unit_test(test_string_escapes),
		cmocka_unit_test(test_utf8_kept_and_garbage_replaced),
		cmocka_unit_test(test_string_field_escaped_in_record),
		cmocka_unit_test(test_other_types_by_reflection),
		cmocka_unit_test(test_bad_descriptor_leaves_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
