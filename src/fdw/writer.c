/*-------------------------------------------------------------------------
 *
 * writer.c
 *		Writing items in BatchWriteItem requests, several in flight at once.
 *
 * Puts and deletes are gathered into requests of up to batch_size items and
 * sent without waiting: up to AW_WRITE_IN_FLIGHT requests travel at the
 * same time while the executor produces the next rows.  awstore_writer_finish
 * sends what is left and waits for everything, so that the errors of a
 * statement belong to it.
 *
 * Order of writes to one key: DynamoDB rejects a request holding the same
 * key twice, and two requests in flight could apply in either order.  So a
 * key already in the gathering request sends that request first, and a key
 * in a request still in flight waits for it.  Keys are tracked by a 64-bit
 * hash: a collision only costs an unneeded wait.
 *
 * UnprocessedItems are sent again, after a backoff with full jitter, up to
 * max_retries times; then the statement fails, saying how many items were
 * not written and how many were.  Errors of a request (after the client's
 * own retries) fail the statement the same way.
 *
 * With a capacity budget (pacing.c), a request gathers items only up to
 * one request's share of the budget, and waits for its share before it
 * goes; what DynamoDB says it consumed settles the debit, and items left
 * unprocessed count as throttling.
 *
 * Every request belongs to a memory context of its own, whose deletion
 * frees the request (aborting it if it is still in flight): at its end, or
 * when an error unwinds the statement.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "fdw/fdw.h"

#define AW_WRITE_IN_FLIGHT 8
#define AW_KEYS_SHOWN 5

typedef struct AwWriteBatch
{
	MemoryContext cxt;			/* everything of this request */
	AwCallHolder *holder;		/* the request in flight, or NULL */
	uint64	   *hashes;			/* key hashes, held until done */
	char	  **key_texts;		/* keys, for messages */
	int			nitems;
	int			tries;			/* sends of UnprocessedItems */
	double		units;			/* what its items are thought to cost */
	double		expected;		/* of the send in flight, for the budget */
	char	   *resend;			/* UnprocessedItems to send at retry_at */
	int			unprocessed;
	bool		failed;			/* its error ends the statement */
	bool		failed_maybe;	/* ... and it may have been applied */
	bool		abandoned_done; /* answered, but the statement failed first */
	bool		abandoned_maybe;	/* unanswered when the statement failed */
	TimestampTz retry_at;
	struct AwWriteBatch *next;
} AwWriteBatch;

struct AwWriter
{
	DynClient  *client;
	const char *table;
	int			batch_size;
	int			max_retries;
	MemoryContext cxt;
	uint64		rng;
	AwBudget   *budget;			/* NULL: no cap */

	/* the request being gathered */
	StringInfoData pending;
	uint64		pending_hashes[25];
	char	   *pending_keys[25];
	int			npending;
	double		pending_units;

	AwWriteBatch *batches;		/* requests in flight or waiting to resend */
	int			nbatches;

	/* whether this statement may have written (awstore_note_write) */
	bool		noted;
	bool		noted_before;
	bool		finished;		/* everything sent was answered */
	MemoryContextCallback report_cb;

	/* statistics */
	long		items_sent;
	long		items_written;
	AwWriteStats stats;
};

/*
 * When a statement ends by an error (in a request or anywhere else, a bad
 * line of a COPY say), its writer's memory goes away with the requests
 * still in flight, which are aborted.  Then a WARNING tells exactly what
 * became of the items: written (DynamoDB confirmed them), may have been
 * written (their request was sent and not answered, or failed in a way
 * that may have applied it), not written (gathered and never sent, left
 * unprocessed, or refused).
 */
static void
aw_writer_report(void *arg)
{
	AwWriter   *w = arg;
	long		maybe = 0;
	long		not_written = w->npending;

	if (w->finished || w->items_sent == 0)
		return;
	for (AwWriteBatch *b = w->batches; b; b = b->next)
	{
		long		n = b->unprocessed ? b->unprocessed : b->nitems;

		if (b->abandoned_done)
			not_written += b->unprocessed;	/* the rest is counted written */
		else if (b->holder || b->abandoned_maybe || (b->failed && b->failed_maybe))
			maybe += n;
		else
			not_written += n;	/* refused, or waiting to be resent */
	}
	/* nothing reached DynamoDB: the error says enough */
	if (w->items_written == 0 && maybe == 0)
		return;
	ereport(WARNING,
			(errmsg("the failed statement's items for DynamoDB table \"%s\": %ld written, %ld may have been written, %ld not written",
					w->table, w->items_written, maybe, not_written),
			 maybe > 0 ?
			 errdetail("An item may have been written when its request was sent but no answer came back.") : 0));
}

AwWriter *
awstore_writer_create(DynClient *client, const char *table, int batch_size,
					  int max_retries, MemoryContext cxt)
{
	AwWriter   *w = MemoryContextAllocZero(cxt, sizeof(AwWriter));
	MemoryContext old = MemoryContextSwitchTo(cxt);

	w->client = client;
	w->table = pstrdup(table);
	w->batch_size = Min(Max(batch_size, 1), 25);
	w->max_retries = max_retries;
	w->cxt = cxt;
	w->rng = (uint64) GetCurrentTimestamp() ^ (uint64) MyProcPid;
	initStringInfo(&w->pending);
	w->report_cb.func = aw_writer_report;
	w->report_cb.arg = w;
	MemoryContextRegisterResetCallback(cxt, &w->report_cb);
	MemoryContextSwitchTo(old);
	return w;
}

void
awstore_writer_set_budget(AwWriter *w, AwBudget *budget)
{
	w->budget = budget;
}

static uint64
aw_key_hash(const char *key_json)
{
	return hash_bytes_extended((const unsigned char *) key_json, (int) strlen(key_json), 0);
}

static bool
aw_hash_in_flight(AwWriter *w, uint64 h)
{
	for (AwWriteBatch *b = w->batches; b; b = b->next)
		for (int i = 0; i < b->nitems; i++)
			if (b->hashes[i] == h)
				return true;
	return false;
}

/* The keys of a request, for messages. */
static char *
aw_batch_keys(AwWriteBatch *b)
{
	StringInfoData s;

	initStringInfo(&s);
	for (int i = 0; i < b->nitems && i < AW_KEYS_SHOWN; i++)
		appendStringInfo(&s, "%s%s", i ? ", " : "", b->key_texts[i]);
	if (b->nitems > AW_KEYS_SHOWN)
		appendStringInfo(&s, " and %d more", b->nitems - AW_KEYS_SHOWN);
	return s.data;
}

/* Counts the requests of a RequestItems object for our table. */
static int
aw_count_requests(DynValue *request_items, const char *table)
{
	return dyn_array_length(dyn_get(request_items, table));
}

/*
 * A request still held when its batch's memory goes away (the statement
 * failed): registered after the call's holder, it runs first, while the
 * call is still there, and sorts its items into written (it was answered),
 * not written (left unprocessed) and may have been written.
 */
typedef struct AwSendWatch
{
	AwWriter   *writer;
	AwWriteBatch *batch;
	AwCallHolder *holder;
	MemoryContextCallback cb;
} AwSendWatch;

static void
aw_batch_abandoned(void *arg)
{
	AwSendWatch *sw = arg;
	AwWriteBatch *b = sw->batch;
	DynCall    *call;

	if (b->holder != sw->holder || sw->holder->call == NULL)
		return;
	call = sw->holder->call;
	if (dyn_call_finished(call) && dyn_call_ok(call))
	{
		DynValue   *unprocessed = dyn_get(dyn_call_response(call), "UnprocessedItems");
		int			left = unprocessed ? aw_count_requests(unprocessed, sw->writer->table) : 0;
		int			sent = b->unprocessed ? b->unprocessed : b->nitems;

		sw->writer->items_written += sent - left;
		b->unprocessed = left;
		b->abandoned_done = true;
	}
	else
		b->abandoned_maybe = true;
	b->holder = NULL;
}

static void
aw_send(AwWriter *w, AwWriteBatch *b, char *body, size_t len)
{
	AwSendWatch *sw;

	b->holder = awstore_start_call(w->client, "BatchWriteItem", body, len, b->cxt);
	sw = MemoryContextAllocZero(b->cxt, sizeof(AwSendWatch));
	sw->writer = w;
	sw->batch = b;
	sw->holder = b->holder;
	sw->cb.func = aw_batch_abandoned;
	sw->cb.arg = sw;
	MemoryContextRegisterResetCallback(b->cxt, &sw->cb);
	if (!w->noted)
		w->noted_before = awstore_note_write();
	w->noted = true;
}

typedef struct AwWriteFailure
{
	AwWriter   *writer;
	AwWriteBatch *batch;
} AwWriteFailure;

static void
aw_write_failure_context(void *arg)
{
	AwWriteFailure *f = arg;

	if (f->batch->unprocessed == 0)
		errcontext("%ld items of this statement were written to DynamoDB table \"%s\" so far; the %d of the failed request %s: %s",
				   f->writer->items_written, f->writer->table, f->batch->nitems,
				   f->batch->failed_maybe ? "may have been written" : "were not written",
				   aw_batch_keys(f->batch));
	else
		errcontext("%ld items of this statement were written to DynamoDB table \"%s\" so far; %d items that a request of %s left unprocessed %s",
				   f->writer->items_written, f->writer->table, f->batch->unprocessed,
				   aw_batch_keys(f->batch),
				   f->batch->failed_maybe ? "may have been written" : "were not written");
}

/*
 * Raises the error of a failed request, saying what was and was not
 * written.  The requests still in flight are aborted with the statement.
 */
static void
aw_batch_failed(AwWriter *w, AwWriteBatch *b, const DynError *err)
{
	DynError	copy = *err;
	AwWriteFailure f = {w, b};
	ErrorContextCallback errcb;

	b->failed = true;
	b->failed_maybe = !awstore_error_wrote_nothing(err);
	/* the only request of the statement, certainly not applied */
	if (!b->failed_maybe && w->items_written == 0 && w->nbatches == 1 && b->tries == 0)
		awstore_note_write_undo(w->noted_before);

	errcb.callback = aw_write_failure_context;
	errcb.arg = &f;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	awstore_report_error(&copy, "BatchWriteItem", w->table);
}

/* A request finished: count it, schedule a resend, or fail. */
static void
aw_batch_done(AwWriter *w, AwWriteBatch *b)
{
	DynCall    *call = b->holder->call;
	const DynStats *st = dyn_call_stats(call);
	DynValue   *unprocessed;
	int			left;
	int			sent;

	w->stats.requests += st->requests;
	w->stats.retries += st->retries;
	(void) dyn_call_ok(call);	/* parses the answer: capacity counts */
	w->stats.capacity += st->capacity;
	awstore_budget_settle(w->budget, b->expected, st);
	if (!dyn_call_ok(call))
	{
		DynError	err = *dyn_call_error(call);

		awstore_release_call(b->holder);
		b->holder = NULL;
		aw_batch_failed(w, b, &err);
	}
	unprocessed = dyn_get(dyn_call_response(call), "UnprocessedItems");
	left = unprocessed ? aw_count_requests(unprocessed, w->table) : 0;
	/* this send carried the unprocessed items of the last, or all */
	sent = b->unprocessed ? b->unprocessed : b->nitems;
	w->items_written += sent - left;
	if (left > 0)
	{
		MemoryContext old;

		if (b->tries >= w->max_retries)
		{
			long		written = w->items_written;

			awstore_release_call(b->holder);
			b->holder = NULL;
			b->failed = true;
			b->unprocessed = left;
			if (written == 0 && w->nbatches == 1)
				awstore_note_write_undo(w->noted_before);
			ereport(ERROR,
					(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
					 errmsg("%d items were not written to DynamoDB table \"%s\"", left, w->table),
					 errdetail("DynamoDB left them unprocessed after %d retries; %ld items of this statement were written.",
							   b->tries, written),
					 errhint("Raise the table's write capacity or the server's max_retries, or lower batch_size.")));
		}
		old = MemoryContextSwitchTo(b->cxt);
		b->resend = awstore_value_json(unprocessed);
		MemoryContextSwitchTo(old);
		b->unprocessed = left;
		b->tries++;
		w->stats.unprocessed_retries++;
		awstore_budget_throttled(w->budget);
		b->retry_at = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
												  dyn_backoff_ms(50, 5000, b->tries, &w->rng));
		awstore_release_call(b->holder);
		b->holder = NULL;
		return;
	}
	awstore_release_call(b->holder);
	b->holder = NULL;

	/* done: forget it and its keys */
	{
		AwWriteBatch **p = &w->batches;

		while (*p != b)
			p = &(*p)->next;
		*p = b->next;
		w->nbatches--;
		MemoryContextDelete(b->cxt);
	}
}

/*
 * Makes progress: resends what is due, waits for a request to finish and
 * handles it.  Returns when at least one request finished or was resent.
 */
static void
aw_wait_one(AwWriter *w)
{
	for (;;)
	{
		TimestampTz now = GetCurrentTimestamp();
		TimestampTz next_retry = 0;
		bool		in_flight = false;
		AwWriteBatch *b;

		for (b = w->batches; b; b = b->next)
		{
			if (b->holder && dyn_call_finished(b->holder->call))
			{
				aw_batch_done(w, b);
				return;
			}
			if (b->holder)
				in_flight = true;
			else if (b->resend)
			{
				if (b->retry_at <= now)
				{
					size_t		len;
					char	   *body;

					b->expected = b->units * b->unprocessed / Max(b->nitems, 1);
					w->stats.budget_wait_ms +=
						awstore_budget_acquire(w->budget, w->client, b->expected, NULL, NULL);
					body = dyn_body_batch_write_item(w->table, NULL, b->resend, &len);
					b->resend = NULL;
					aw_send(w, b, body, len);
					return;
				}
				if (next_retry == 0 || b->retry_at < next_retry)
					next_retry = b->retry_at;
			}
		}
		if (in_flight)
			awstore_wait_any(w->client);
		else if (next_retry != 0)
		{
			long		secs;
			int			usecs;

			TimestampDifference(now, next_retry, &secs, &usecs);
			awstore_pause(secs * 1000 + usecs / 1000 + 1);
		}
		else
			return;				/* nothing to wait for */
	}
}

/* Sends the gathered request. */
static void
aw_send_pending(AwWriter *w)
{
	AwWriteBatch *b;
	MemoryContext old;
	size_t		len;
	char	   *body;

	if (w->npending == 0)
		return;
	while (w->nbatches >= AW_WRITE_IN_FLIGHT)
		aw_wait_one(w);
	w->stats.budget_wait_ms += awstore_budget_acquire(w->budget, w->client, w->pending_units,
													  NULL, NULL);

	b = MemoryContextAllocZero(w->cxt, sizeof(AwWriteBatch));
	b->cxt = AllocSetContextCreate(w->cxt, "awstore write request", ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(b->cxt);
	b->nitems = w->npending;
	b->units = w->pending_units;
	b->expected = w->pending_units;
	b->hashes = palloc(sizeof(uint64) * b->nitems);
	b->key_texts = palloc(sizeof(char *) * b->nitems);
	for (int i = 0; i < b->nitems; i++)
	{
		b->hashes[i] = w->pending_hashes[i];
		b->key_texts[i] = pstrdup(w->pending_keys[i]);
	}
	MemoryContextSwitchTo(old);
	appendStringInfoChar(&w->pending, ']');
	b->next = w->batches;
	w->batches = b;
	w->nbatches++;
	w->items_sent += b->nitems;
	body = dyn_body_batch_write_item(w->table, w->pending.data, NULL, &len);
	aw_send(w, b, body, len);

	resetStringInfo(&w->pending);
	for (int i = 0; i < w->npending; i++)
		pfree(w->pending_keys[i]);
	w->npending = 0;
	w->pending_units = 0;
}

/* Adds a PutRequest or DeleteRequest to the gathering request. */
static void
aw_add(AwWriter *w, const char *request, double units, const char *key_json,
	   const char *key_text)
{
	uint64		h = aw_key_hash(key_json);
	MemoryContext old;

	/* a paced request holds one request's share of the budget */
	if (w->budget && w->npending > 0 &&
		w->pending_units + units > awstore_budget_request_units(w->budget))
		aw_send_pending(w);

	for (int i = 0; i < w->npending; i++)
		if (w->pending_hashes[i] == h)
		{
			aw_send_pending(w);
			break;
		}
	while (aw_hash_in_flight(w, h))
		aw_wait_one(w);

	old = MemoryContextSwitchTo(w->cxt);
	appendStringInfoChar(&w->pending, w->npending == 0 ? '[' : ',');
	appendStringInfoString(&w->pending, request);
	w->pending_hashes[w->npending] = h;
	w->pending_keys[w->npending] = pstrdup(key_text);
	w->npending++;
	w->pending_units += units;
	MemoryContextSwitchTo(old);
	if (w->npending >= w->batch_size)
		aw_send_pending(w);
}

void
awstore_writer_put(AwWriter *w, const char *item_json, double units, const char *key_json,
				   const char *key_text)
{
	char	   *request = psprintf("{\"PutRequest\":{\"Item\":%s}}", item_json);

	aw_add(w, request, units, key_json, key_text);
	pfree(request);
}

void
awstore_writer_delete(AwWriter *w, const char *key_json, double units, const char *key_text)
{
	char	   *request = psprintf("{\"DeleteRequest\":{\"Key\":%s}}", key_json);

	aw_add(w, request, units, key_json, key_text);
	pfree(request);
}

void
awstore_writer_finish(AwWriter *w)
{
	aw_send_pending(w);
	while (w->batches)
		aw_wait_one(w);
	w->finished = true;
}

const AwWriteStats *
awstore_writer_stats(AwWriter *w)
{
	w->stats.items = w->items_written;
	return &w->stats;
}
