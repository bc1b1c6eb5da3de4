/*
 * test_bucket.c — the capacity token bucket (src/dynamo/bucket.c) on a
 * simulated clock: the rate it lets through, the worst one-second window,
 * deficits, and the decrease and recovery after throttling.
 */
#include <math.h>
#include <stdlib.h>

#include "dynamo/dynamo.h"
#include "unit.h"

#define MAX_SENDS 100000

static double send_time[MAX_SENDS];
static double send_cost[MAX_SENDS];

/*
 * Sends requests of the given cost as fast as the bucket allows for
 * `seconds`; each really consumes cost * actual_factor.  Returns the
 * number sent; the times and consumption are in send_time / send_cost.
 */
static int
run(DynBucket *b, double cost, double actual_factor, double seconds, double start)
{
	double		now = start;
	int			n = 0;

	while (now < start + seconds && n < MAX_SENDS)
	{
		double		d = dyn_bucket_delay(b, cost, now);

		if (d > 0)
		{
			now += d > 1e-6 ? d : 1e-6;	/* as a real clock moves on */
			continue;
		}
		dyn_bucket_take(b, cost);
		dyn_bucket_settle(b, cost, cost * actual_factor);
		send_time[n] = now;
		send_cost[n] = cost * actual_factor;
		n++;
		now += 0.0001;			/* a request's own latency */
	}
	return n;
}

/* The most consumed in any window [t, t + 1) starting at a send. */
static double
worst_window(int n)
{
	double		worst = 0;

	for (int i = 0; i < n; i++)
	{
		double		sum = 0;

		for (int j = i; j < n && send_time[j] < send_time[i] + 1.0; j++)
			sum += send_cost[j];
		if (sum > worst)
			worst = sum;
	}
	return worst;
}

static double
total(int n)
{
	double		sum = 0;

	for (int i = 0; i < n; i++)
		sum += send_cost[i];
	return sum;
}

int
main(void)
{
	DynBucket	b;
	int			n;
	double		rate;

	/* steady: 50 units/s in requests of 2.5 */
	dyn_bucket_init(&b, 50, 2.5, 0);
	n = run(&b, 2.5, 1.0, 20, 0);
	rate = total(n) / 20;
	unit_check(rate > 49 && rate <= 50.2, "rate of a steady stream is the cap", "%.2f", rate);
	unit_check(worst_window(n) <= 50 + 2.5 + 1e-9, "worst window: cap plus one request",
			   "%.2f", worst_window(n));

	/* requests bigger than the burst go one at a time, then wait it out */
	dyn_bucket_init(&b, 10, 1, 0);
	n = run(&b, 25, 1.0, 30, 0);
	rate = total(n) / 30;
	unit_check(rate <= 10 * 1.0 + 25.0 / 30 + 1e-9 && rate > 8,
			   "a request above the burst waits out its deficit", "%.2f", rate);

	/* underestimated requests: the deficit slows what follows */
	dyn_bucket_init(&b, 100, 5, 0);
	n = run(&b, 5, 2.0, 20, 0);
	rate = total(n) / 20;
	unit_check(rate <= 100 * 1.0 + 10.0 / 20 && rate > 90,
			   "actual consumption, not the estimate, is paced", "%.2f", rate);

	/* overestimated requests: not given back, so no later burst */
	dyn_bucket_init(&b, 100, 5, 0);
	n = run(&b, 5, 0.5, 20, 0);
	rate = total(n) / 20;
	unit_check(rate > 45 && rate <= 50.5, "an overestimate is not given back", "%.2f", rate);
	unit_check(worst_window(n) <= 50 + 5, "an overestimate lets no burst through", "%.2f",
			   worst_window(n));

	/* throttling halves the rate, once per calm period, then it recovers */
	dyn_bucket_init(&b, 100, 5, 0);
	dyn_bucket_throttled(&b, 1.0);
	unit_check(fabs(b.rate - 50) < 1e-9, "a throttle halves the rate", "%.2f", b.rate);
	dyn_bucket_throttled(&b, 1.2);
	unit_check(fabs(b.rate - 50) < 1e-9, "one halving per calm second", "%.2f", b.rate);
	dyn_bucket_throttled(&b, 2.3);
	unit_check(fabs(b.rate - 26.5) < 1e-9, "a later throttle halves again (after 0.3 s of climbing)", "%.2f", b.rate);
	for (int i = 0; i < 20; i++)
		dyn_bucket_throttled(&b, 3.4 + 1.1 * i);
	unit_check(b.rate >= 100 / 64.0 - 1e-9 && b.rate < 100 / 64.0 + 1,
			   "the rate has a floor", "%.4f", b.rate);
	(void) dyn_bucket_delay(&b, 1, 200.0);
	unit_check(fabs(b.rate - 100) < 1e-9, "recovers to the cap, never above", "%.2f", b.rate);
	dyn_bucket_init(&b, 100, 5, 0);
	dyn_bucket_throttled(&b, 0.5);
	(void) dyn_bucket_delay(&b, 1, 1.0);
	unit_check(fabs(b.rate - 50) < 1e-9, "no increase within the calm second", "%.2f", b.rate);
	(void) dyn_bucket_delay(&b, 1, 3.5);
	unit_check(fabs(b.rate - 70) < 1e-6, "additive increase: cap/10 per second", "%.2f", b.rate);

	/* after an idle spell, no burst beyond the burst size */
	dyn_bucket_init(&b, 20, 1, 0);
	(void) dyn_bucket_delay(&b, 1, 100.0);
	unit_check(b.tokens <= 1.0 + 1e-9, "idle time does not bank budget", "%.2f", b.tokens);

	/* a bucket starts empty: a statement's first request waits its share */
	dyn_bucket_init(&b, 10, 1, 0);
	unit_check(fabs(dyn_bucket_delay(&b, 1, 0) - 0.1) < 1e-9, "a new bucket starts empty",
			   "%.3f", dyn_bucket_delay(&b, 1, 0));

	/* short statements one after the other, each with a bucket of its own */
	{
		double		now = 0;

		n = 0;
		for (int stmt = 0; stmt < 200; stmt++)
		{
			int			sent = 0;

			dyn_bucket_init(&b, 10, 1, now);
			while (sent < 3)
			{
				double		d = dyn_bucket_delay(&b, 1, now);

				if (d > 0)
				{
					now += d > 1e-6 ? d : 1e-6;
					continue;
				}
				dyn_bucket_take(&b, 1);
				send_time[n] = now;
				send_cost[n] = 1;
				n++;
				sent++;
				now += 0.0001;
			}
		}
		unit_check(worst_window(n) <= 10 + 1 + 1e-9,
				   "buckets one after the other keep within the cap together", "%.2f",
				   worst_window(n));
	}

	/* lowering the cap of a bucket in use: no refill, the tokens cut */
	dyn_bucket_init(&b, 100, 5, 0);
	(void) dyn_bucket_delay(&b, 1, 10.0);
	dyn_bucket_take(&b, 1);
	dyn_bucket_lower(&b, 10, 0.5, 10.0);
	unit_check(b.cap == 10 && b.rate == 10 && b.burst == 0.5 && b.tokens <= 0.5,
			   "a lower cap cuts the rate, the burst and the tokens held", "%.2f %.2f %.2f %.2f",
			   b.cap, b.rate, b.burst, b.tokens);
	dyn_bucket_lower(&b, 50, 2.5, 10.0);
	unit_check(b.cap == 10, "a higher cap does not raise a bucket's cap", "%.2f", b.cap);

	return unit_done();
}
