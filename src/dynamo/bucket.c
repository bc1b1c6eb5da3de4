/*-------------------------------------------------------------------------
 *
 * bucket.c
 *		A token bucket of DynamoDB capacity units, lowered on throttling.
 *
 * Tokens flow in at the bucket's rate (units per second) up to its burst.
 * A bucket starts empty: its first request waits for its share like any
 * other.  A bucket that ends in deficit (a request consumed more than its
 * estimate) says what it owes (dyn_bucket_owed), and the caller's next
 * bucket for the same work takes it over (dyn_bucket_take), so that
 * buckets used one after the other, a statement's each, keep within the
 * cap together as one bucket would.
 *
 * A request whose expected cost is c may go when the bucket holds
 * min(c, burst) tokens; it takes c at once (the bucket may go below zero:
 * a deficit that later requests wait out), and when its answer says it
 * consumed more, the difference is taken too (dyn_bucket_settle).  What an
 * estimate took beyond the real cost is not given back: tokens reserved
 * earlier and spent later would let a burst through, above the rate.  So
 * in any interval of t seconds no more than rate * t + burst units go out,
 * plus what a request consumed beyond its estimate; callers learn their
 * estimates from the answers, so that the rate is not lost either.
 *
 * Throttling by DynamoDB (others share the table) halves the rate, at most
 * once per DYN_BUCKET_CALM seconds and never below cap / DYN_BUCKET_FLOOR;
 * after DYN_BUCKET_CALM seconds without a throttle the rate climbs back by
 * cap * DYN_BUCKET_STEP per second (additive increase, multiplicative
 * decrease), never above the cap.
 *
 * Times are seconds of a monotonic clock, given by the caller; nothing here
 * sleeps, allocates or includes postgres.h.
 *
 *-------------------------------------------------------------------------
 */
#include "dynamo/dynamo.h"

#define DYN_BUCKET_CALM 1.0
#define DYN_BUCKET_FLOOR 64.0
#define DYN_BUCKET_STEP 0.1

static void dyn_bucket_refill(DynBucket *b, double now);

void
dyn_bucket_init(DynBucket *b, double cap, double burst, double now)
{
	b->cap = cap;
	b->rate = cap;
	b->burst = burst > 0 ? burst : cap;
	b->tokens = 0;
	b->last = now;
	b->last_throttle = -1;
}

/*
 * Lowers the cap (and the burst) of a bucket in use: the rate and the
 * tokens held are cut to the new limits, a deficit stays.  The burst is
 * never raised.
 */
void
dyn_bucket_lower(DynBucket *b, double cap, double burst, double now)
{
	if (cap >= b->cap)
		return;
	dyn_bucket_refill(b, now);
	b->cap = cap;
	if (b->rate > cap)
		b->rate = cap;
	if (burst > 0 && burst < b->burst)
		b->burst = burst;
	if (b->tokens > b->burst)
		b->tokens = b->burst;
}

/* Adds the tokens that flowed in since the last refill; raises the rate. */
static void
dyn_bucket_refill(DynBucket *b, double now)
{
	double		dt = now - b->last;

	if (dt <= 0)
		return;
	b->tokens += b->rate * dt;
	if (b->rate < b->cap)
	{
		/* the rate climbs only for the time since the calm period ended */
		double		calm_from = b->last_throttle < 0 ? b->last :
			b->last_throttle + DYN_BUCKET_CALM;
		double		climb = now - (calm_from > b->last ? calm_from : b->last);

		if (climb > 0)
			b->rate += b->cap * DYN_BUCKET_STEP * climb;
		if (b->rate > b->cap)
			b->rate = b->cap;
	}
	if (b->tokens > b->burst)
		b->tokens = b->burst;
	b->last = now;
}

double
dyn_bucket_delay(DynBucket *b, double cost, double now)
{
	double		need = cost < b->burst ? cost : b->burst;

	dyn_bucket_refill(b, now);
	if (b->tokens >= need)
		return 0;
	return (need - b->tokens) / b->rate;
}

double
dyn_bucket_owed(DynBucket *b, double now)
{
	dyn_bucket_refill(b, now);
	return b->tokens < 0 ? -b->tokens : 0;
}

void
dyn_bucket_take(DynBucket *b, double cost)
{
	b->tokens -= cost;
}

void
dyn_bucket_settle(DynBucket *b, double expected, double actual)
{
	if (actual > expected)
		b->tokens -= actual - expected;
}

void
dyn_bucket_throttled(DynBucket *b, double now)
{
	dyn_bucket_refill(b, now);
	if (b->last_throttle >= 0 && now - b->last_throttle < DYN_BUCKET_CALM)
		return;					/* one halving per calm period */
	b->last_throttle = now;
	b->rate /= 2;
	if (b->rate < b->cap / DYN_BUCKET_FLOOR)
		b->rate = b->cap / DYN_BUCKET_FLOOR;
	if (b->tokens > 0)
		b->tokens = 0;
}
