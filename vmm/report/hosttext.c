/*
 * hosttext.c - host text kvmlab did not write (file names, paths) shown
 * safely: on a terminal and in JSON.
 *
 * A file name is any bytes but '/' and NUL.  Printed raw, ESC sequences in
 * it would reach the user's terminal; put in JSON as Latin-1 (as guest
 * output is), a UTF-8 name would come out as mojibake.  So: a valid UTF-8
 * sequence (RFC 3629: shortest form, no surrogates, at most U+10FFFF) is
 * kept; on a terminal every control character (C0, DEL, C1) and every byte
 * outside valid UTF-8 is written as \xNN, and '\' as "\\"; in JSON each
 * invalid byte becomes U+FFFD (docs/json-schema.md).
 */
#include <string.h>

#include "kvmlab.h"

size_t hosttext_utf8_len(const unsigned char *s, size_t n)
{
	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	size_t len = s[0] >= 0xC2 && s[0] <= 0xDF ? 2 : s[0] >= 0xE0 && s[0] <= 0xEF ? 3 :
		     s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : 0;
	if (len == 0 || len > n)
		return 0;               /* 0x80-0xC1 and 0xF5-0xFF never start a sequence */
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	/* The second byte's range excludes overlongs (E0, F0), surrogates (ED)
	 * and code points above U+10FFFF (F4): RFC 3629 section 4. */
	if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] > 0x9F) ||
	    (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] > 0x8F))
		return 0;
	return len;
}

void hosttext_fput(const char *str, FILE *f)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);

	for (size_t i = 0; i < n;) {
		size_t k = hosttext_utf8_len(s + i, n - i);
		bool c1 = k == 2 && s[i] == 0xC2 && s[i + 1] < 0xA0;   /* U+0080-U+009F */
		if (k == 1 && s[i] >= 0x20 && s[i] < 0x7F && s[i] != '\\') {
			fputc(s[i], f);
		} else if (k > 1 && !c1) {
			fwrite(s + i, 1, k, f);
		} else if (k == 1 && s[i] == '\\') {
			fputs("\\\\", f);
		} else {
			for (size_t m = 0; m < (k ? k : 1); m++)
				fprintf(f, "\\x%02x", s[i + m]);
			i += k ? k : 1;
			continue;
		}
		i += k;
	}
}
