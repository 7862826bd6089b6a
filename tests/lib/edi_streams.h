/*
 * EDI streams the BPF fixtures and unit tests send, as string literals so
 * that a test can append its own tail ("..." EDI_STREAM_X12_309). Each
 * test's counts and offsets are of the exact bytes here: change a stream
 * and every test that uses it must follow.
 */
#ifndef EDISENSOR_TEST_EDI_STREAMS_H
#define EDISENSOR_TEST_EDI_STREAMS_H

/* One CUSCAR interchange with UNA, a released '+' in NAD, 6 segments. */
#define EDI_STREAM_CUSCAR_SHORT \
	"UNA:+.? 'UNB+UNOC:3+SENDER:ZZ+CUSTOMS:ZZ+240101:1200+77'\r\n" \
	"UNH+1+CUSCAR:D:95B:UN'BGM+85+MANIFEST1+9'" \
	"NAD+CZ+++ACME EXPORTS LTD?+CO+1 HARBOUR RD+ROTTERDAM++3011+NL'" \
	"EQD+CN+MSKU9070323+22G1:102:5'CST++392690:HS'UNT+6+1'UNZ+1+77'"

/* Two CUSCAR messages in one interchange, released '+' and ':'. */
#define EDI_STREAM_CUSCAR_TWO \
	"UNA:+.? 'UNB+UNOC:3+SENDER:ZZ+CUSTOMS:ZZ+240101:1200+77'\r\n" \
	"UNH+1+CUSCAR:D:95B:UN'BGM+85+MANIFEST1+9'DTM+137:202401011200:203'" \
	"NAD+CZ+++ACME EXPORTS LTD?+CO+1 HARBOUR RD+ROTTERDAM++3011+NL'" \
	"EQD+CN+MSKU9070323+22G1:102:5'SEL+SEAL12345+CA'" \
	"GID+1+10:CT'FTX+AAA+++PLASTICS?:ARTICLES, HOUSEHOLD'CST++392690:HS'" \
	"UNT+9+1'UNH+2+CUSCAR:D:95B:UN'LOC+9+NLRTM'UNT+3+2'UNZ+2+77'"

#endif
