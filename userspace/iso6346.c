#include "iso6346.h"

/* Letter values: A=10 upwards, skipping multiples of 11 (11, 22, 33). */
static int letter_value(char c)
{
	int v = 10 + (c - 'A');

	v += v >= 11;
	v += v >= 22;
	v += v >= 33;
	return v;
}

int iso6346_check_digit(const char *s)
{
	int sum = 0;

	for (int i = 0; i < 10; i++) {
		char c = s[i];
		int v;

		if (i < 4) {
			if (c < 'A' || c > 'Z')
				return -1;
			v = letter_value(c);
		} else {
			if (c < '0' || c > '9')
				return -1;
			v = c - '0';
		}
		sum += v << i;   /* weight 2^i */
	}
	return sum % 11 % 10;
}

bool iso6346_shape(const char *s)
{
	for (int i = 0; i < 11; i++) {
		char c = s[i];

		if (i < 4 ? (c < 'A' || c > 'Z') : (c < '0' || c > '9'))
			return false;
	}
	return s[11] == '\0';
}

bool iso6346_valid(const char *s)
{
	return iso6346_shape(s) && iso6346_check_digit(s) == s[10] - '0';
}

size_t iso6346_normalise(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	if (cap == 0)
		return 0;
	for (; *in && n + 1 < cap; in++) {
		char c = *in;

		if (c == ' ' || c == '-' || c == '.' || c == '/')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		out[n++] = c;
	}
	out[n] = '\0';
	return n;
}
