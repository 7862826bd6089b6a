/* Process memory for the flood tests: /proc/self/status fields (VmRSS,
 * VmHWM in KiB) and a reset of the peak (VmHWM) so each test measures its
 * own. Header-only. */
#ifndef EDISENSOR_TEST_MEMSTAT_H
#define EDISENSOR_TEST_MEMSTAT_H
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Under AddressSanitizer the RSS includes its quarantine of freed memory
 * and shadow pages: bounds on it are checked in the plain build only. */
#if defined(__SANITIZE_ADDRESS__)
#define MEMSTAT_RSS_CHECKED 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MEMSTAT_RSS_CHECKED 0
#endif
#endif
#ifndef MEMSTAT_RSS_CHECKED
#define MEMSTAT_RSS_CHECKED 1
#endif

/* True when peak growth (KiB) is within max_kb, or when RSS is not
 * meaningful in this build. */
#define MEMSTAT_WITHIN(growth_kb, max_kb) (!MEMSTAT_RSS_CHECKED || (growth_kb) < (max_kb))

/* A "Field:   N kB" line of /proc/self/status; 0 when absent. */
static inline uint64_t memstat_kb(const char *field)
{
	char line[256];
	unsigned long long v = 0;
	size_t n = strlen(field);
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && sscanf(line + n, ": %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* Resets the peak RSS to the current RSS (Linux >= 4.0); returns VmRSS.
 * -1 when the reset failed. */
static inline int64_t memstat_reset_peak(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");

	if (!f)
		return -1;
	fputs("5", f);   /* 5: reset the peak resident set size */
	if (fclose(f))
		return -1;
	return (int64_t)memstat_kb("VmRSS");
}

#endif
