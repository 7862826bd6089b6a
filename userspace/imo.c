#include "imo.h"

#include <errno.h>

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int imo_check_digit(const char *s)
{
	int sum = 0;

	for (int i = 0; i < 6; i++) {
		if (!is_digit(s[i]))
			return -1;
		sum += (s[i] - '0') * (7 - i);
	}
	return sum % 10;
}

bool imo_valid(const char *s)
{
	int want = imo_check_digit(s);

	return want >= 0 && is_digit(s[6]) && s[7] == '\0' && s[6] - '0' == want;
}

/* Skips the "IMO" prefix and the punctuation senders put after it. */
static const char *after_prefix(const char *s)
{
	while (is_blank(*s))
		s++;
	if ((s[0] | 0x20) == 'i' && (s[1] | 0x20) == 'm' && (s[2] | 0x20) == 'o')
		s += 3;
	while (is_blank(*s) || *s == ':' || *s == '-' || *s == '.' || *s == '#')
		s++;
	return s;
}

int imo_normalise(const char *in, char out[8])
{
	int n = 0;

	for (const char *s = after_prefix(in); *s; s++) {
		if (is_blank(*s))
			continue;
		if (!is_digit(*s) || n == 7) {
			out[0] = '\0';
			return -EINVAL;
		}
		out[n++] = *s;
	}
	out[n] = '\0';
	return n == 7 ? 0 : -EINVAL;
}
