/* Realistic field values for generated EDI: company names, party ids,
 * ISO 6346 container numbers, HS codes, UN/LOCODEs, IMO numbers, bills of
 * lading. All text is UTF-8; the EDI writer converts it per charset. */
#ifndef PCAPGEN_VALUES_H
#define PCAPGEN_VALUES_H
#include <stdbool.h>
#include <stddef.h>
#include "rng.h"

/* A 2026 date, CCYYMMDD (century) or YYMMDD, and a time HHMM. The day is
 * drawn before the month and the minute before the hour (rng.h). */
void val_date(struct rng *r, bool century, char *out, size_t cap);
void val_time(struct rng *r, char *out, size_t cap);

/* Company name; may contain EDI separator characters and, when latin is
 * true, non-ASCII Latin-1 letters (written here as UTF-8). */
void val_company(struct rng *r, bool latin, char *out, size_t cap);
/* Party id: EORI-like, GLN-like (13 digits) or SCAC-like. */
void val_party_id(struct rng *r, char *out, size_t cap);
/* ISO 6346 container number, 11 characters. With bad, the check digit is
 * deliberately wrong. */
void val_container(struct rng *r, bool bad, char *out, size_t cap);
/* HS code of 4, 6, 8 or 10 digits. */
void val_hs_code(struct rng *r, char *out, size_t cap);
/* A real UN/LOCODE (5 characters) and its country (first 2). */
const char *val_locode(struct rng *r);
/* IMO number: 7 digits with a valid IMO check digit. */
void val_imo(struct rng *r, char *out, size_t cap);
/* IMO check digit of the first 6 digits of s, or -1 when not digits. */
int val_imo_check_digit(const char *s);
void val_bill_of_lading(struct rng *r, char *out, size_t cap);
void val_booking(struct rng *r, char *out, size_t cap);
void val_reference(struct rng *r, const char *prefix, char *out, size_t cap);
const char *val_vessel_name(struct rng *r);
void val_voyage(struct rng *r, char *out, size_t cap);
void val_seal(struct rng *r, char *out, size_t cap);
/* Goods description; may contain separator characters, and Latin-1 letters
 * when latin is true. */
void val_goods_text(struct rng *r, bool latin, char *out, size_t cap);
const char *val_street(struct rng *r);
const char *val_city(struct rng *r);
void val_postcode(struct rng *r, char *out, size_t cap);
const char *val_country(struct rng *r);
const char *val_scac(struct rng *r);
const char *val_us_port(struct rng *r);       /* 4-digit CBP port code */
const char *val_foreign_port(struct rng *r);  /* 5-digit Schedule K code */
const char *val_size_type(struct rng *r);     /* ISO 6346 size/type, e.g. 45G1 */
/* Interchange party id: letters and digits only (fits ISA's 15 columns). */
void val_edi_address(struct rng *r, char *out, size_t cap);

#endif
