/*-------------------------------------------------------------------------
 *
 * pacing.c
 *		Capacity budgets: a statement's reads or writes held to so many
 *		DynamoDB capacity units per second.
 *
 * A budget belongs to one statement, one DynamoDB table (of one server)
 * and one kind, read or write: every scan node, segment, writer and
 * conditional write of the statement that uses that table that way shares
 * it, so a parallel scan's segments together keep within the cap.  Budgets
 * are found by the statement's EState and freed with its query context.
 * TRUNCATE, which has no EState, gets a budget of its own.
 *
 * The cap comes from the options (the table's override the server's):
 * max_read_capacity / max_write_capacity in units per second, or
 * read_capacity_percent / write_capacity_percent of the provisioned
 * capacity DescribeTable reports (of the index, for a read of a global
 * secondary index that DescribeTable lists; else of the table); with both, the
 * smaller.  A cap is at least AW_MIN_CAPACITY.  A percent of a table billed
 * on demand, without a max_*_capacity, is an error.  Two foreign tables of
 * the same DynamoDB table in one statement share the smaller cap (a read of an
 * index shares the table's budget: the smaller cap, never more).
 *
 * A request asks the budget for its expected cost before it goes
 * (awstore_budget_acquire), which waits while the budget is short: the
 * wait drives the client's calls in flight and is interruptible, and the
 * backend shows wait event Extension meanwhile.  When the answer comes,
 * awstore_budget_settle debits what DynamoDB says it consumed beyond the
 * estimate (an estimate too high is not given back: see bucket.c; callers
 * learn their estimates from the answers), and lowers the rate when
 * DynamoDB throttled (dyn_bucket_throttled).  The
 * burst of the bucket, and so the cost a request is sized to, is
 * AW_PACE_SHARE of the cap: one request's worth, so that no second
 * consumes more than the cap and that request.  A budget starts empty
 * (bucket.c), and takes over what the last budget of the same server,
 * table and kind still owed when its statement ended (aw_debts), so that
 * statements run one after the other keep within the cap together too.
 *
 * The units consumed under a budget and its cap are also added to
 * backend-wide counters that the migration functions read
 * (awstore.migration_capacity()).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "fdw/fdw.h"

PG_FUNCTION_INFO_V1(awstore_migration_capacity);

/* one request's share of a second's budget: the bucket's burst */
#define AW_PACE_SHARE 0.05
/* the longest one wait for budget before it looks again, in seconds */
#define AW_PACE_MAX_WAIT 60.0

struct AwBudget
{
	EState	   *estate;			/* NULL: not shared */
	Oid			serverid;
	char	   *table;
	AwBudgetKind kind;
	double		min_request;	/* the least one request costs */
	DynBucket	bucket;
	double		consumed;		/* units, as answered (or estimated) */
	double		waited_ms;
	struct AwBudget *next;
	MemoryContextCallback cb;
};

static AwBudget *aw_budgets = NULL;

/*
 * What budgets that ended in deficit still owed, per server, table and
 * kind: the next statement's budget for the same takes it over, less what
 * the cap has paid back since, so that statements run one after the other
 * keep within the cap together.  A few are kept; the oldest goes first.
 */
#define AW_DEBTS 8
#define AW_DEBT_TABLE 256		/* DynamoDB table names: at most 255 bytes */

typedef struct AwDebt
{
	Oid			serverid;		/* InvalidOid: free */
	AwBudgetKind kind;
	char		table[AW_DEBT_TABLE];
	double		owed;
	double		at;				/* seconds, aw_now() */
} AwDebt;

static AwDebt aw_debts[AW_DEBTS];

/* backend-wide, for the migration functions */
static double aw_total_consumed[2];
static double aw_total_cap[2];

static double
aw_now(void)
{
	return (double) dyn_now_ms() / 1000.0;
}

static AwDebt *
aw_debt_find(Oid serverid, const char *table, AwBudgetKind kind)
{
	for (int i = 0; i < AW_DEBTS; i++)
		if (aw_debts[i].serverid == serverid && OidIsValid(serverid) &&
			aw_debts[i].kind == kind && strcmp(aw_debts[i].table, table) == 0)
			return &aw_debts[i];
	return NULL;
}

/* Keeps what a budget that ends owes, for the next one of the same. */
static void
aw_debt_keep(AwBudget *b)
{
	double		now = aw_now();
	double		owed = dyn_bucket_owed(&b->bucket, now);
	AwDebt	   *d;

	if (owed <= 0 || strlen(b->table) >= AW_DEBT_TABLE)
		return;
	d = aw_debt_find(b->serverid, b->table, b->kind);
	if (d == NULL)
	{
		/* a free entry, else the oldest */
		d = &aw_debts[0];
		for (int i = 0; i < AW_DEBTS; i++)
		{
			if (!OidIsValid(aw_debts[i].serverid))
			{
				d = &aw_debts[i];
				break;
			}
			if (aw_debts[i].at < d->at)
				d = &aw_debts[i];
		}
	}
	d->serverid = b->serverid;
	d->kind = b->kind;
	strlcpy(d->table, b->table, AW_DEBT_TABLE);
	d->owed = owed;
	d->at = now;
}

/* What is still owed for a new budget of the same, paid back at cap. */
static double
aw_debt_take(Oid serverid, const char *table, AwBudgetKind kind, double cap)
{
	AwDebt	   *d = aw_debt_find(serverid, table, kind);
	double		owed;

	if (d == NULL)
		return 0;
	owed = d->owed - cap * (aw_now() - d->at);
	d->serverid = InvalidOid;
	return owed > 0 ? owed : 0;
}

/* A statement's budget is done with (its query context is reset). */
static void
aw_budget_forget(void *arg)
{
	AwBudget   *b = arg;

	aw_debt_keep(b);
	for (AwBudget **p = &aw_budgets; *p; p = &(*p)->next)
		if (*p == b)
		{
			*p = b->next;
			break;
		}
}

static const char *
aw_kind_word(AwBudgetKind kind)
{
	return kind == AW_BUDGET_READ ? "read" : "write";
}

/*
 * The cap of a table's reads or writes from the options, 0 when none.
 * index: the global secondary index read, or NULL.
 */
static double
aw_budget_cap(const AwOptions *opts, AwBudgetKind kind, UserMapping *user,
			  DynClient *client, const char *table, const char *index)
{
	double		max = kind == AW_BUDGET_READ ? opts->max_read_capacity : opts->max_write_capacity;
	double		percent = kind == AW_BUDGET_READ ? opts->read_capacity_percent :
		opts->write_capacity_percent;
	AwTableInfo *info;
	double		provisioned;
	double		cap;
	ListCell   *lc;

	if (percent <= 0)
		return max;
	info = awstore_describe(user, client, table, false);
	provisioned = kind == AW_BUDGET_READ ? info->read_units : info->write_units;
	if (index && kind == AW_BUDGET_READ)
		foreach(lc, info->indexes)
		{
			AwIndex    *ix = lfirst(lc);

			if (ix->global && strcmp(ix->name, index) == 0)
				provisioned = ix->read_units;
		}
	if (provisioned <= 0)
	{
		if (max > 0)
			return max;
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s_capacity_percent\" needs provisioned capacity, and DynamoDB table \"%s\"%s%s%s is billed on demand",
						aw_kind_word(kind), table,
						index ? " (index \"" : "", index ? index : "", index ? "\")" : ""),
				 errhint("Give max_%s_capacity (capacity units per second) instead, or as well.",
						 aw_kind_word(kind))));
	}
	cap = provisioned * percent / 100.0;
	if (max > 0 && max < cap)
		return max;
	if (cap < AW_MIN_CAPACITY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s_capacity_percent\" makes a cap of %g units per second for DynamoDB table \"%s\", below the least cap, %g",
						aw_kind_word(kind), cap, table, AW_MIN_CAPACITY),
				 errdetail("%g %% of the %g units provisioned.", percent, provisioned),
				 errhint("Give a larger percent, or max_%s_capacity instead of the percent.",
						 aw_kind_word(kind))));
	return cap;
}

/*
 * The budget of a statement for reading or writing a DynamoDB table, or
 * NULL when the options set no cap.  estate: the statement's, or NULL for
 * a budget of its own in the current memory context.  min_request: what
 * one request costs at least (half a unit for an eventually consistent
 * read, one for a strongly consistent one or a write).
 */
AwBudget *
awstore_budget(EState *estate, Oid serverid, const AwOptions *opts, AwBudgetKind kind,
			   UserMapping *user, DynClient *client, const char *table,
			   const char *index, double min_request)
{
	double		cap = aw_budget_cap(opts, kind, user, client, table, index);
	MemoryContext cxt = estate ? estate->es_query_cxt : CurrentMemoryContext;
	AwBudget   *b;

	if (cap <= 0)
		return NULL;
	if (estate)
		for (b = aw_budgets; b; b = b->next)
			if (b->estate == estate && b->serverid == serverid && b->kind == kind &&
				strcmp(b->table, table) == 0)
			{
				dyn_bucket_lower(&b->bucket, cap, Max(cap * AW_PACE_SHARE, min_request),
								 aw_now());
				b->min_request = Max(b->min_request, min_request);
				return b;
			}

	b = MemoryContextAllocZero(cxt, sizeof(AwBudget));
	b->estate = estate;
	b->serverid = serverid;
	b->table = MemoryContextStrdup(cxt, table);
	b->kind = kind;
	b->min_request = min_request;
	dyn_bucket_init(&b->bucket, cap, Max(cap * AW_PACE_SHARE, min_request), aw_now());
	dyn_bucket_take(&b->bucket, aw_debt_take(serverid, table, kind, cap));
	if (estate)
	{
		b->next = aw_budgets;
		aw_budgets = b;
		b->cb.func = aw_budget_forget;
		b->cb.arg = b;
		MemoryContextRegisterResetCallback(cxt, &b->cb);
	}
	return b;
}

double
awstore_budget_cap(const AwBudget *b)
{
	return b->bucket.cap;
}

/* The cost one request should be sized to: the bucket's burst. */
double
awstore_budget_request_units(const AwBudget *b)
{
	return b->bucket.burst;
}

/*
 * Waits until the budget allows a request of the expected cost, and
 * debits it.  Meanwhile the client's calls in flight go on (their owners
 * find them finished); a cancel raises its error at once.  sweep, when
 * given, runs before each look at the budget: the caller settles there
 * the requests that have finished meanwhile, so that what they consumed
 * beyond their estimate counts at once.  Returns the milliseconds waited.
 */
double
awstore_budget_acquire(AwBudget *b, DynClient *client, double expected,
					   AwBudgetSweep sweep, void *sweep_arg)
{
	long long	started = 0;
	double		waited = 0;

	if (b == NULL)
		return 0;
	expected = Max(expected, b->min_request);
	for (;;)
	{
		double		delay;
		long long	deadline;
		DynCall    *done;

		if (sweep)
			sweep(sweep_arg);
		delay = dyn_bucket_delay(&b->bucket, expected, aw_now());
		if (delay <= 0)
			break;
		if (started == 0)
			started = dyn_now_ms();
		/* a long deficit is waited out a minute at a time */
		deadline = dyn_now_ms() + (long long) ceil(Min(delay, AW_PACE_MAX_WAIT) * 1000.0);
		switch (client ? dyn_wait_until(client, awstore_wait, NULL, deadline, &done) :
				DYN_WAIT_IDLE)
		{
			case DYN_WAIT_INTERRUPTED:
				awstore_raise_canceled();
				break;
			case DYN_WAIT_IDLE:
				awstore_pause((long) Max(deadline - dyn_now_ms(), 1));
				break;
			case DYN_WAIT_DONE:	/* its owner finds it finished */
			case DYN_WAIT_TIMEOUT:
				break;
		}
		CHECK_FOR_INTERRUPTS();
	}
	dyn_bucket_take(&b->bucket, expected);
	if (started)
	{
		waited = (double) (dyn_now_ms() - started);
		b->waited_ms += waited;
	}
	return waited;
}

/*
 * A request that acquired `expected` was answered: what it consumed
 * replaces the estimate (which stays when the answer did not say), and a
 * throttle lowers the rate.  Also for requests that failed.
 */
void
awstore_budget_settle(AwBudget *b, double expected, const DynStats *st)
{
	double		actual;

	if (b == NULL)
		return;
	expected = Max(expected, b->min_request);
	/* (the dynamo layer holds what an answer reports to sane bounds) */
	actual = st->capacity_reports > 0 ? st->capacity : expected;
	dyn_bucket_settle(&b->bucket, expected, actual);
	if (st->throttles > 0)
		dyn_bucket_throttled(&b->bucket, aw_now());
	b->consumed += actual;
	aw_total_consumed[b->kind] += actual;
	aw_total_cap[b->kind] = b->bucket.cap;
}

/* DynamoDB left part of a request unprocessed: as a throttle. */
void
awstore_budget_throttled(AwBudget *b)
{
	if (b)
		dyn_bucket_throttled(&b->bucket, aw_now());
}

/*
 * The Limit of a Scan or Query page sized to one request's share of the
 * budget, given the bytes an item is thought to take (0: unknown, taken
 * as one 4 KB block), and in *expected what such a page costs (unit: what
 * 4 KB cost, AW_READ_UNIT).  A page never holds more than 1 MB.
 */
int
awstore_budget_read_limit(const AwBudget *b, double unit, double item_bytes, double *expected)
{
	double		per_item = item_bytes > 0 ? item_bytes : AW_READ_BLOCK;
	double		limit = floor(b->bucket.burst / unit * AW_READ_BLOCK / per_item);
	double		bytes;

	limit = Max(limit, 1);
	limit = Min(limit, 1000000);
	bytes = Min(limit * per_item, 1024.0 * 1024.0);
	*expected = Max(ceil(bytes / AW_READ_BLOCK), 1) * unit;
	return (int) limit;
}

/*
 * What an item takes, learnt from a page: the 4 KB blocks it consumed (the
 * capacity over what a block costs) over the items it read.  A page of
 * several blocks was rounded up by at most one: half a block is taken off.
 * A page of one block, the least a page costs, says only that its items
 * fit in it: the next page tries twice as many (costing one block more at
 * worst), so that small items are not read one a page for ever.
 * item_bytes stays when the page says nothing.
 */
double
awstore_budget_learn_item_bytes(double item_bytes, double unit, const DynStats *st,
								long scanned)
{
	double		blocks;

	if (st->capacity_reports == 0 || st->capacity <= 0 || scanned <= 0)
		return item_bytes;
	blocks = st->capacity / unit;
	if (blocks <= 1.0 + 1e-9)
		return AW_READ_BLOCK / (2.0 * (double) scanned);
	return (blocks - 0.5) * AW_READ_BLOCK / (double) scanned;
}

/*
 * What writing an item costs: its size in 1 KB units, at least one, once
 * for the table and once for each global secondary index it may touch.
 */
double
awstore_write_units(long item_size, int nindexes)
{
	double		units = ceil((double) Max(item_size, 1) / AW_WRITE_BLOCK);

	return units * (1 + nindexes);
}

/*
 * What writing an item of the table costs; item_size < 0 when unknown (a
 * delete): then the table's average item, as DescribeTable last said.
 */
double
awstore_table_write_units(const AwTableInfo *t, long item_size)
{
	int			nglobal = 0;
	ListCell   *lc;

	foreach(lc, t->indexes)
		if (((AwIndex *) lfirst(lc))->global)
			nglobal++;
	if (item_size < 0)
		item_size = t->item_count > 0 ? (long) (t->size_bytes / t->item_count) : 1;
	return awstore_write_units(item_size, nglobal);
}

/*
 * The units consumed under budgets of this backend, and the last cap of
 * each kind, since the last call; the counters start again at 0.
 */
void
awstore_pacing_take_totals(double consumed[2], double cap[2])
{
	for (int k = 0; k < 2; k++)
	{
		consumed[k] = aw_total_consumed[k];
		cap[k] = aw_total_cap[k];
		aw_total_consumed[k] = 0;
		aw_total_cap[k] = 0;
	}
}

/*
 * awstore.migration_capacity(OUT read_units, OUT write_units, OUT read_cap,
 * OUT write_cap): the units consumed under budgets since the last call,
 * and the caps (0: none); the counters start again at 0.  The migration
 * functions report the effective rate of each statement with it.
 */
Datum
awstore_migration_capacity(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	double		consumed[2];
	double		cap[2];

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "awstore.migration_capacity must return a record");
	awstore_pacing_take_totals(consumed, cap);
	values[0] = Float8GetDatum(consumed[AW_BUDGET_READ]);
	values[1] = Float8GetDatum(consumed[AW_BUDGET_WRITE]);
	values[2] = Float8GetDatum(cap[AW_BUDGET_READ]);
	values[3] = Float8GetDatum(cap[AW_BUDGET_WRITE]);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
