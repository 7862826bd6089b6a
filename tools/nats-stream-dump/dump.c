/* nats-stream-dump: prints every message of a JetStream stream, one line
 * each: "<Nats-Msg-Id> <subject> <record as JSON>". Test helper for reading
 * back what the NATS output delivered (no extra packages needed). */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edisensor.pb-c.h"
#include "pbjson.h"

#ifdef HAVE_NATS
#include <nats/nats.h>

static void usage(FILE *out)
{
	fprintf(out,
		"usage: nats-stream-dump [--stream NAME] [--leader] [--creds FILE] URL\n"
		"Prints each message of the stream (default EDISENSOR) as\n"
		"\"<Nats-Msg-Id> <subject> <record JSON>\", then \"messages N\" on stderr.\n"
		"--leader prints the name of the server leading the stream instead.\n"
		"--creds FILE logs in with a user JWT + NKey seed (.creds) file.\n");
}

static void print_msg(natsMsg *m, struct pbjson_buf *json)
{
	const char *id = NULL;
	const uint8_t *data = (const uint8_t *)natsMsg_GetData(m);
	Edisensor__V1__Record *rec;

	if (natsMsgHeader_Get(m, "Nats-Msg-Id", &id) != NATS_OK || !id)
		id = "-";
	pbjson_buf_reset(json);
	rec = edisensor__v1__record__unpack(NULL, (size_t)natsMsg_GetDataLength(m), data);
	if (!rec || pbjson_append(json, &rec->base))
		pbjson_append_raw(json, "null", 4);
	if (rec)
		edisensor__v1__record__free_unpacked(rec, NULL);
	printf("%s %s %s\n", id, natsMsg_GetSubject(m), json->data);
}

/* Decentralized auth (operator mode) needs the user's JWT + seed file. */
static natsStatus connect_to(natsConnection **nc, const char *url, const char *creds)
{
	natsOptions *o = NULL;
	natsStatus st;

	if (!creds)
		return natsConnection_ConnectTo(nc, url);
	st = natsOptions_Create(&o);
	if (st == NATS_OK)
		st = natsOptions_SetURL(o, url);
	if (st == NATS_OK)
		st = natsOptions_SetUserCredentialsFromFiles(o, creds, NULL);
	if (st == NATS_OK)
		st = natsConnection_Connect(nc, o);
	natsOptions_Destroy(o);
	return st;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "stream", required_argument, NULL, 's' },
		{ "leader", no_argument, NULL, 'l' },
		{ "creds", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *stream = "EDISENSOR", *creds = NULL;
	bool leader = false;
	natsConnection *nc = NULL;
	jsCtx *js = NULL;
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	struct pbjson_buf json = { 0 };
	natsStatus st;
	uint64_t n = 0;
	int opt;

	while ((opt = getopt_long(argc, argv, "s:h", longopts, NULL)) != -1) {
		if (opt == 's') {
			stream = optarg;
		} else if (opt == 'c') {
			creds = optarg;
		} else if (opt == 'l') {
			leader = true;
		} else if (opt == 'h') {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	st = connect_to(&nc, argv[optind], creds);
	if (st == NATS_OK)
		st = natsConnection_JetStream(&js, nc, NULL);
	if (st == NATS_OK)
		st = js_GetStreamInfo(&si, js, stream, NULL, &jerr);
	if (st != NATS_OK) {
		fprintf(stderr, "nats-stream-dump: %s (%d)\n", natsStatus_GetText(st), (int)jerr);
		return 1;
	}
	if (leader) {
		/* The server name leading the stream (clustered streams only). */
		printf("%s\n", si->Cluster && si->Cluster->Leader ? si->Cluster->Leader : "");
		jsStreamInfo_Destroy(si);
		jsCtx_Destroy(js);
		natsConnection_Destroy(nc);
		return 0;
	}
	/* By sequence: deterministic, and a deleted sequence is simply absent. */
	for (uint64_t seq = si->State.FirstSeq; seq && seq <= si->State.LastSeq; seq++) {
		natsMsg *m = NULL;
		st = js_GetMsg(&m, js, stream, seq, NULL, &jerr);
		if (st == NATS_NOT_FOUND)
			continue;
		if (st != NATS_OK) {
			fprintf(stderr, "nats-stream-dump: seq %" PRIu64 ": %s\n", seq,
				natsStatus_GetText(st));
			return 1;
		}
		print_msg(m, &json);
		natsMsg_Destroy(m);
		n++;
	}
	fprintf(stderr, "messages %" PRIu64 "\n", n);
	jsStreamInfo_Destroy(si);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	pbjson_buf_free(&json);
	return 0;
}
#else
int main(void)
{
	fprintf(stderr, "nats-stream-dump: built without libnats\n");
	return 1;
}
#endif
