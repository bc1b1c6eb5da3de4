/*-------------------------------------------------------------------------
 *
 * xact.c
 *		Which (sub)transactions wrote to DynamoDB, and what that forbids.
 *
 * DynamoDB has no transactions: a write takes effect when it is sent.
 * Every file that sends a write calls awstore_note_write() first (and
 * awstore_note_write_undo() when the request certainly changed nothing),
 * and the transaction callbacks registered here on the first write then
 * warn when a (sub)transaction that wrote rolls back, and refuse to
 * PREPARE a transaction that wrote.  The marks live in TopMemoryContext
 * and are cleared at every transaction end.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "utils/memutils.h"

#include "fdw/fdw.h"

/*
 * Writes that may have been applied, by (sub)transaction nesting level:
 * aw_wrote[level] says that a request sent at that level, or in one of its
 * committed subtransactions, may have changed DynamoDB.  Rolling back a
 * level with a mark warns that its writes stay; committing a
 * subtransaction hands its mark to its parent.  A request that certainly
 * changed nothing (refused by DynamoDB, its condition false, never
 * delivered) takes its mark back (awstore_note_write_undo), so that only
 * writes that were sent and may have been applied warn.
 */
static bool *aw_wrote = NULL;
static int	aw_wrote_size = 0;
static bool aw_xact_wrote_any = false;	/* for PREPARE */
static bool aw_xact_callback_registered = false;

static bool
aw_wrote_at(int level)
{
	return level >= 0 && level < aw_wrote_size && aw_wrote[level];
}

static void
aw_set_wrote(int level, bool wrote)
{
	if (level >= aw_wrote_size)
	{
		int			size = Max(level + 1, Max(aw_wrote_size * 2, 8));

		if (!wrote)
			return;
		if (aw_wrote == NULL)
			aw_wrote = MemoryContextAllocZero(TopMemoryContext, sizeof(bool) * size);
		else
		{
			aw_wrote = repalloc(aw_wrote, sizeof(bool) * size);
			memset(aw_wrote + aw_wrote_size, 0, sizeof(bool) * (size - aw_wrote_size));
		}
		aw_wrote_size = size;
	}
	aw_wrote[level] = wrote;
}

static void
aw_forget_writes(void)
{
	if (aw_wrote)
		memset(aw_wrote, 0, sizeof(bool) * aw_wrote_size);
	aw_xact_wrote_any = false;
}

static void
aw_xact_callback(XactEvent event, void *arg)
{
	(void) arg;
	switch (event)
	{
		case XACT_EVENT_PRE_PREPARE:
			if (aw_xact_wrote_any)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot PREPARE a transaction that has written to DynamoDB"),
						 errdetail("DynamoDB writes take effect when they are sent; they can be neither prepared nor rolled back.")));
			break;
		case XACT_EVENT_ABORT:
			if (aw_wrote_at(1))
				ereport(WARNING,
						(errmsg("writes already sent to DynamoDB by this transaction were not undone"),
						 errdetail("DynamoDB has no rollback: items written, updated or deleted before the error stay so.")));
			aw_forget_writes();
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
			aw_forget_writes();
			break;
		default:
			break;
	}
}

static void
aw_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					SubTransactionId parentSubid, void *arg)
{
	int			level = GetCurrentTransactionNestLevel();

	(void) mySubid;
	(void) parentSubid;
	(void) arg;
	switch (event)
	{
		case SUBXACT_EVENT_ABORT_SUB:
			if (aw_wrote_at(level))
				ereport(WARNING,
						(errmsg("writes already sent to DynamoDB in the rolled back subtransaction were not undone"),
						 errdetail("DynamoDB has no rollback: items written, updated or deleted there stay so, whatever the transaction does next.")));
			aw_set_wrote(level, false);
			break;
		case SUBXACT_EVENT_COMMIT_SUB:
			if (aw_wrote_at(level))
				aw_set_wrote(level - 1, true);
			aw_set_wrote(level, false);
			break;
		default:
			break;
	}
}

/*
 * Records that this (sub)transaction sent a write that may change
 * DynamoDB.  Returns what was recorded before, for
 * awstore_note_write_undo.
 */
bool
awstore_note_write(void)
{
	int			level = GetCurrentTransactionNestLevel();
	bool		before = aw_wrote_at(level);

	if (!aw_xact_callback_registered)
	{
		RegisterXactCallback(aw_xact_callback, NULL);
		RegisterSubXactCallback(aw_subxact_callback, NULL);
		aw_xact_callback_registered = true;
	}
	aw_set_wrote(level, true);
	aw_xact_wrote_any = true;
	return before;
}

/* A write noted with awstore_note_write certainly changed nothing. */
void
awstore_note_write_undo(bool before)
{
	aw_set_wrote(GetCurrentTransactionNestLevel(), before);
}

/*
 * Did a failed request certainly change nothing?  DynamoDB's 4xx answers
 * (a refused request, a false condition, throttling) and a connection that
 * was never made change nothing; a dropped connection, a timeout, a
 * cancel or a 5xx may have been applied.  With several attempts, only
 * throttled ones are known to have changed nothing.
 */
bool
awstore_error_wrote_nothing(const DynError *err)
{
	if (err->attempts > 1 &&
		!(err->kind == DYN_ERR_SERVICE && dyn_error_type_throttling(err->type)))
		return false;
	switch (err->kind)
	{
		case DYN_ERR_UNREACHABLE:
		case DYN_ERR_INTERNAL:
		case DYN_ERR_CREDENTIALS:	/* renewing failed: nothing was sent */
			return true;
		case DYN_ERR_SERVICE:
			return err->http_status >= 400 && err->http_status < 500;
		default:
			return false;
	}
}
