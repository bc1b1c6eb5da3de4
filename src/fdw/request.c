/*-------------------------------------------------------------------------
 *
 * request.c
 *		One DynamoDB request, sent and waited for from the PostgreSQL side.
 *
 * Every request of the wrapper goes through here: awstore_start_call()
 * checks the body, starts the call and puts it in a holder, so that a call
 * is freed on every path, errors included, when the memory context that
 * holds it goes (the holder's reset callback); awstore_wait_for() and
 * awstore_wait_any() drive the client's calls; awstore_call() runs one
 * request to completion and reports its failure; awstore_scan_pages()
 * reads a Scan page after page, following LastEvaluatedKey.
 *
 * Waiting: the client's sockets are watched together with the backend's
 * latch and postmaster death (WaitEventSet).  A query cancel or a
 * statement_timeout sets the latch; the wait then returns "interrupted", the
 * transfers are abandoned (freed by their owners' memory context callbacks)
 * and CHECK_FOR_INTERRUPTS() raises the real error.  Other interrupts
 * (proc-signal barriers, memory context logging …) are processed in the
 * wait itself.  Nothing ever longjmps out of libcurl: the wait is not
 * called from inside it, and the wait event set is freed on every path.
 *
 * Errors are reported by errors.c; nothing here builds a message about a
 * failed request.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "fdw/fdw.h"

/*
 * Waits for the sockets, the latch or the timeout (HttpWaitFn).  Returns
 * false on a query cancel or a termination request: the caller abandons
 * its transfers and raises the error.  Other interrupts are processed here
 * (CHECK_FOR_INTERRUPTS), which may raise an error: the wait event set is
 * freed on every path, and the http and dynamo layers hold nothing across
 * the wait.
 */
bool
awstore_wait(void *arg, HttpWaitSocket *socks, int nsocks, long timeout_ms)
{
	WaitEventSet *volatile set = NULL;
	WaitEvent  *events;
	volatile int nevents = 0;

	(void) arg;
	if (QueryCancelPending || ProcDiePending)
		return false;
	CHECK_FOR_INTERRUPTS();

	events = palloc(sizeof(WaitEvent) * (nsocks + 2));
	PG_TRY();
	{
		set = CreateWaitEventSet(CurrentMemoryContext, nsocks + 2);
		AddWaitEventToSet(set, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
		AddWaitEventToSet(set, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
		for (int i = 0; i < nsocks; i++)
		{
			uint32		ev = (socks[i].want_read ? WL_SOCKET_READABLE : 0) |
				(socks[i].want_write ? WL_SOCKET_WRITEABLE : 0);

			if (ev != 0)
				AddWaitEventToSet(set, ev, socks[i].fd, NULL, &socks[i]);
		}
		nevents = WaitEventSetWait(set, timeout_ms, events, nsocks + 2, PG_WAIT_EXTENSION);
	}
	PG_FINALLY();
	{
		if (set)
			FreeWaitEventSet(set);
	}
	PG_END_TRY();

	for (int i = 0; i < nevents; i++)
	{
		if (events[i].events & WL_LATCH_SET)
			ResetLatch(MyLatch);
		else if (events[i].user_data)
		{
			HttpWaitSocket *s = events[i].user_data;

			if (events[i].events & WL_SOCKET_READABLE)
				s->readable = true;
			if (events[i].events & WL_SOCKET_WRITEABLE)
				s->writable = true;
		}
	}
	pfree(events);
	if (QueryCancelPending || ProcDiePending)
		return false;
	/* barriers, catchup, memory context logging …: handled, not cleared */
	CHECK_FOR_INTERRUPTS();
	return true;
}

/*
 * Drives the client's calls in flight (sending retries whose backoff is
 * over) until one of them finishes.  An interrupted wait raises the cancel
 * error; the calls are left for their owners' cleanup.
 */
void
awstore_wait_any(DynClient *client)
{
	DynCall    *done;

	if (dyn_wait(client, awstore_wait, NULL, &done) == DYN_WAIT_INTERRUPTED)
		awstore_raise_canceled();
	CHECK_FOR_INTERRUPTS();
}

void
awstore_wait_for(DynClient *client, DynCall *call)
{
	while (!dyn_call_finished(call))
		awstore_wait_any(client);
}

/* Sleeps ms milliseconds, interruptibly (a cancel raises its error). */
void
awstore_pause(long ms)
{
	TimestampTz until = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), ms);

	for (;;)
	{
		long		secs;
		int			usecs;

		TimestampDifference(GetCurrentTimestamp(), until, &secs, &usecs);
		if (secs == 0 && usecs == 0)
			return;
		if (!awstore_wait(NULL, NULL, 0, secs * 1000 + usecs / 1000 + 1))
			awstore_raise_canceled();
		CHECK_FOR_INTERRUPTS();
	}
}

static void
aw_free_held_call(void *arg)
{
	AwCallHolder *holder = arg;

	if (holder->call)
	{
		dyn_call_free(holder->call);
		holder->call = NULL;
	}
}

/*
 * The holder lives in a small context of its own under cxt, so that
 * releasing it gives back everything, callback included: a scan that holds
 * a call per page stays flat however many pages it reads.
 */
AwCallHolder *
awstore_hold_call(MemoryContext cxt, DynCall *call)
{
	MemoryContext own;
	AwCallHolder *holder;

	PG_TRY();
	{
		own = AllocSetContextCreate(cxt, "awstore call", ALLOCSET_SMALL_SIZES);
	}
	PG_CATCH();
	{
		dyn_call_free(call);
		PG_RE_THROW();
	}
	PG_END_TRY();
	holder = MemoryContextAllocZero(own, sizeof(AwCallHolder));
	holder->call = call;
	holder->cxt = own;
	holder->cb.func = aw_free_held_call;
	holder->cb.arg = holder;
	MemoryContextRegisterResetCallback(own, &holder->cb);
	return holder;
}

/* Frees the call and the holder itself. */
void
awstore_release_call(AwCallHolder *holder)
{
	MemoryContextDelete(holder->cxt);
}

/*
 * Starts one request, body being the malloc'd JSON text the dynamo layer's
 * dyn_body_* built (NULL when it ran out of memory), and returns the call
 * in a holder under cxt.  The call owns the body from here on.  Errors
 * (out of memory) are reported here.
 */
AwCallHolder *
awstore_start_call(DynClient *client, const char *action, char *body, size_t len,
				   MemoryContext cxt)
{
	DynCall    *call;

	if (body == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory building a DynamoDB %s request", action)));
	call = dyn_call_start(client, action, body, len);
	if (call == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory starting a DynamoDB %s request", action)));
	return awstore_hold_call(cxt, call);
}

AwCallHolder *
awstore_call(DynClient *client, const char *action, char *body, size_t len,
			 const char *table)
{
	return awstore_call_tolerating(client, action, body, len, table, NULL);
}

AwCallHolder *
awstore_call_tolerating(DynClient *client, const char *action, char *body, size_t len,
						const char *table, const char *tolerated_type)
{
	AwCallHolder *holder = awstore_start_call(client, action, body, len,
											  CurrentMemoryContext);
	DynCall    *call = holder->call;

	awstore_wait_for(client, call);
	if (!dyn_call_ok(call))
	{
		DynError	err = *dyn_call_error(call);

		awstore_release_call(holder);
		if (tolerated_type && err.kind == DYN_ERR_SERVICE &&
			strcmp(err.type, tolerated_type) == 0)
			return NULL;
		awstore_report_error(&err, action, table);
	}
	return holder;
}

/*
 * The LastEvaluatedKey of a page as DynamoDB sent it, taken before the
 * page is parsed (so that the next request can go out first): 1 with the
 * key's JSON text palloc'd in cxt in *key, 0 on the last page, -1 when it
 * cannot be told without parsing (then use awstore_page_next_key).
 */
int
awstore_page_raw_next_key(DynCall *call, MemoryContext cxt, char **key)
{
	const char *lek;
	size_t		lek_len;
	int			r = dyn_call_raw_member(call, "LastEvaluatedKey", &lek, &lek_len);

	*key = NULL;
	if (r == 1)
	{
		MemoryContext old = MemoryContextSwitchTo(cxt);

		*key = pnstrdup(lek, lek_len);
		MemoryContextSwitchTo(old);
	}
	return r;
}

/*
 * The member called name of a page read in place (call's, see
 * dyn_call_page): where the streaming check noted it, or found by walking
 * the page's members.  False when the page has none.
 */
bool
awstore_page_member(DynCall *call, DynRaw page, const char *name, DynRaw *value)
{
	const char *text;
	size_t		len;

	switch (dyn_call_raw_member(call, name, &text, &len))
	{
		case 1:
			value->p = text;
			value->len = len;
			value->esc = false;
			return true;
		case 0:
			return false;
		default:
			return dyn_raw_member(page, name, value);
	}
}

/*
 * The LastEvaluatedKey of a parsed page as JSON text palloc'd in the
 * current memory context, or NULL on the last page.
 */
char *
awstore_page_next_key(DynValue *page)
{
	DynValue   *lek = dyn_get(page, "LastEvaluatedKey");

	return lek ? awstore_value_json(lek) : NULL;
}
