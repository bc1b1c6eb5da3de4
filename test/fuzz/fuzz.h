/*-------------------------------------------------------------------------
 *
 * fuzz.h
 *		Helpers shared by awstore's libFuzzer targets.
 *
 * A target gets a byte string from libFuzzer.  Network input arrives in
 * chunks of any size, so the targets feed it in pieces whose sizes come
 * from the input's first byte: the chunking is fuzzed along with the text.
 * A broken invariant aborts with a message on stderr, which libFuzzer
 * reports as a crash with the input that caused it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef AWSTORE_FUZZ_H
#define AWSTORE_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_ASSERT(cond, what) \
	do { \
		if (!(cond)) \
		{ \
			fprintf(stderr, "fuzz invariant broken: %s (%s)\n", (what), #cond); \
			abort(); \
		} \
	} while (0)

/* Size of the next chunk: 1 to 64 bytes, or all the rest, by a small LCG. */
static inline size_t
fuzz_chunk(uint32_t *state, size_t left)
{
	size_t		n;

	*state = *state * 1103515245u + 12345u;
	n = (*state >> 16) % 67;
	if (n == 0 || n > 64 || n > left)
		return left;
	return n;
}

/* A private copy of the text, so that ASan sees any read past its end. */
static inline char *
fuzz_copy(const uint8_t *data, size_t size)
{
	char	   *copy = malloc(size ? size : 1);

	FUZZ_ASSERT(copy != NULL, "out of memory");
	if (size)
		memcpy(copy, data, size);
	return copy;
}

#endif							/* AWSTORE_FUZZ_H */
