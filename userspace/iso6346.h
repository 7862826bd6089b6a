/* ISO 6346 container numbers: 4 letters (owner code + category U/J/Z),
 * 6 digits serial, 1 check digit. */
#ifndef EDISENSOR_ISO6346_H
#define EDISENSOR_ISO6346_H
#include <stdbool.h>
#include <stddef.h>

/* Check digit (0-9) of the first 10 characters, or -1 when they are not
 * 4 upper-case letters followed by 6 digits. */
int iso6346_check_digit(const char *s);

/* True when s (NUL-terminated) has the ISO 6346 shape: 4 letters, 7 digits. */
bool iso6346_shape(const char *s);

/* True when s has the shape and its 11th character is the right check digit. */
bool iso6346_valid(const char *s);

/* Normalise a container number as written in a feed or message: drop
 * spaces, dashes, dots and slashes, upper-case letters. Writes at most
 * cap-1 bytes and a NUL; returns the length written. */
size_t iso6346_normalise(const char *in, char *out, size_t cap);

#endif
