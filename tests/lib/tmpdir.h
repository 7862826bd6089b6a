/* A scratch directory for unit tests that write files (spool, outputs,
 * feeds): made fresh under /tmp for each test, removed with everything in
 * it afterwards (nftw, not a shell). Header-only. */
#ifndef EDISENSOR_TEST_TMPDIR_H
#define EDISENSOR_TEST_TMPDIR_H
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

/* dir receives "/tmp/NAME.XXXXXX" made unique; 0 or -1. */
static inline int tmpdir_make(char *dir, size_t len, const char *name)
{
	if ((size_t)snprintf(dir, len, "/tmp/%s.XXXXXX", name) >= len)
		return -1;
	return mkdtemp(dir) ? 0 : -1;
}

static inline int tmpdir_remove_entry(const char *path, const struct stat *st, int flag,
				      struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* Removes dir and what it holds (links not followed); 0 or -1. */
static inline int tmpdir_remove(const char *dir)
{
	return nftw(dir, tmpdir_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
