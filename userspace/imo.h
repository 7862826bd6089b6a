/* IMO ship identification numbers: 7 digits, the last a check digit (the
 * first six times the weights 7, 6, 5, 4, 3, 2, summed; the sum's last
 * digit). */
#ifndef EDISENSOR_IMO_H
#define EDISENSOR_IMO_H
#include <stdbool.h>

/* Check digit (0-9) of the first 6 characters, or -1 when they are not 6
 * digits. */
int imo_check_digit(const char *s);

/* True when s is exactly 7 digits whose last is the check digit. */
bool imo_valid(const char *s);

/* An IMO number as written in a message or feed -> its 7 digits and a
 * NUL in out. Accepted: blanks around it, an "IMO" prefix in any case
 * followed by any of " :-.#", blanks between the digits. 0, or -EINVAL
 * when what is left is not exactly 7 digits (the check digit is not
 * judged here: see imo_valid). */
int imo_normalise(const char *in, char out[8]);

#endif
