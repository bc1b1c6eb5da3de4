/*-------------------------------------------------------------------------
 *
 * unit.h
 *		A minimal TAP-style harness for awstore's C unit tests.
 *
 * Each check prints "ok N - name" or "not ok N - name" (with the reason on
 * stderr); test/run counts those lines.  unit_done() returns the exit status.
 *
 *-------------------------------------------------------------------------
 */
#ifndef AWSTORE_UNIT_H
#define AWSTORE_UNIT_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int	unit_count;
static int	unit_failures;

static void
unit_check(int ok, const char *name, const char *fmt, ...)
{
	unit_count++;
	if (ok)
		printf("ok %d - %s\n", unit_count, name);
	else
	{
		va_list		ap;

		unit_failures++;
		printf("not ok %d - %s\n", unit_count, name);
		fprintf(stderr, "#   %s: ", name);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fflush(stdout);
}

#define UNIT_EQ_STR(name, got, want) \
	unit_check((got) != NULL && strcmp((got), (want)) == 0, (name), \
			   "got \"%s\", want \"%s\"", (got) ? (got) : "(null)", (want))

#define UNIT_EQ_INT(name, got, want) \
	unit_check((long long) (got) == (long long) (want), (name), \
			   "got %lld, want %lld", (long long) (got), (long long) (want))

#define UNIT_TRUE(name, cond) \
	unit_check((cond) ? 1 : 0, (name), "%s is false", #cond)

static int
unit_done(void)
{
	return unit_failures == 0 ? 0 : 1;
}

#endif							/* AWSTORE_UNIT_H */
