/* The table of tag classes the scanner's fast path reads (bpf/tags.h),
 * built from the tags a configuration asks for. */
#ifndef EDISENSOR_TAG_TABLE_H
#define EDISENSOR_TAG_TABLE_H
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "tags.h"

/*
 * Fills tbl (ES_TAGT_WORDS words): every tag of two or three letters or
 * digits gets es_tagt_class() with the answer whether tags[] names it or
 * holds "*" (every tag). Names that are no such tag change nothing.
 * Returns whether "*" was among them.
 */
bool tag_table_build(__u64 *tbl, const char (*tags)[4], size_t n);

#endif /* EDISENSOR_TAG_TABLE_H */
