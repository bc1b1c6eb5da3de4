/*-------------------------------------------------------------------------
 *
 * backoff.c
 *		The delay before a retry: exponential backoff with full jitter.
 *
 * Retry number n waits a random time from 0 to min(cap, base * 2^(n-1))
 * milliseconds ("full jitter"), so that clients throttled together do not
 * come back together.  The random numbers come from a state the caller
 * keeps (one per client): no global state, nothing allocated.
 *
 *-------------------------------------------------------------------------
 */
#include "dynamo.h"

/* xorshift64*: enough randomness for jitter, no global state. */
static uint64_t
dyn_random(uint64_t *state)
{
	uint64_t	x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1Dull;
}

long
dyn_backoff_ms(long base_ms, long cap_ms, int attempt, uint64_t *rng)
{
	long		ceiling = base_ms;

	for (int i = 1; i < attempt && ceiling < cap_ms; i++)
		ceiling *= 2;
	if (ceiling > cap_ms)
		ceiling = cap_ms;
	if (ceiling <= 0)
		return 0;
	return (long) (dyn_random(rng) % (uint64_t) (ceiling + 1));
}
