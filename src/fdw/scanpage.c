/*-------------------------------------------------------------------------
 *
 * scanpage.c
 *		A scan's requests and pages: segments, lookahead, key lookups.
 *
 * A scan runs one DynamoDB operation, chosen at planning: Scan (in
 * TotalSegments segments, each with a request in flight at once), Query,
 * Query per partition key value, GetItem, or BatchGetItem (100 keys a
 * request, UnprocessedKeys sent again with backoff).  The requests are
 * built from the plan (AwScanPlan, read as it is) and from the values of
 * this execution (AwScanValues, see keycond.c).  scan.c calls
 * awstore_scan_start() when the executor first pulls a row,
 * awstore_scan_next_page() when a page has been read, and
 * awstore_scan_release_page() before that.
 *
 * Paging is lazy with one page of lookahead per segment: when the executor
 * takes a page, the segment's next request is sent, so the next page
 * travels while this one is converted.  The next request goes out before
 * the page is even read: its LastEvaluatedKey is taken from the page as
 * received, where the streaming check noted it (dyn_call_raw_member), so
 * DynamoDB prepares the next page while this one is read.  Pages are never
 * parsed: their items are read in place (dyn_call_page; decode.c), and
 * their other members (Count, UnprocessedKeys) found where the streaming
 * check noted them (awstore_page_member).  At
 * most one request per segment is in flight and one page is being read, so
 * memory stays bounded whatever the table's size.  A page without items but with a LastEvaluatedKey is
 * not the end.  When the executor stops pulling (LIMIT), nothing more is
 * sent and what is in flight is aborted at the end of the scan.
 *
 * Pacing: with a read budget (pacing.c), every request first waits for
 * its share, and is sized to it: a Scan or Query page's Limit from the
 * bytes an item was seen to take (learnt from each page's consumed
 * capacity and ScannedCount), a BatchGetItem's number of keys.  The
 * answer's consumed capacity settles the debit when the scan next looks
 * for a page or waits for budget (aw_settle_now: before any request of
 * this scan goes out), not when the finished page's turn comes.
 *
 * Memory: DynamoDB calls and their pages are malloc'd; each is held
 * by an AwCallHolder in a context of its own under scan_cxt, deleted when
 * the page has been read, or with scan_cxt — at rescan, at the end of the
 * scan, or when an error unwinds the query.  A segment keeps only its
 * latest LastEvaluatedKey, so memory is flat per page.  A failed request
 * is reported here (awstore_report_error, errors.c), naming the table.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "fdw/scan.h"

#define AW_BATCH_GET_KEYS 100

static void aw_continue(AwScanState *s, AwSegment *seg);
static void aw_set_start_key(AwSegment *seg, char *key);
static void aw_settle_finished(void *arg);

/*
 * The placeholders of the request this execution sends (see
 * awstore_scan_placeholders); key_value, when given, stands for the
 * partition key value.
 */
static void
aw_build_placeholders(AwScanState *s, const char *key_value, char **names_json,
					  char **values_json)
{
	AwScanPlan *plan = s->plan;

	awstore_scan_placeholders(plan, s->values.sk_local ? plan->keycond_pk : plan->keycond,
							  s->values.filter_local ? NULL : plan->filter,
							  plan->count_only ? NULL : plan->projection,
							  s->values.value_json, key_value, names_json, values_json);
}

/* The primary key of a GetItem / BatchGetItem request. */
static char *
aw_key_object(AwScanState *s, const char *pk_value)
{
	AwScanPlan *plan = s->plan;
	DynBuf		buf;

	dynbuf_init(&buf);
	dynbuf_append_char(&buf, '{');
	dynbuf_append_json_string(&buf, plan->pk, strlen(plan->pk));
	dynbuf_append_char(&buf, ':');
	dynbuf_append_str(&buf, pk_value);
	if (plan->sk)
	{
		dynbuf_append_char(&buf, ',');
		dynbuf_append_json_string(&buf, plan->sk, strlen(plan->sk));
		dynbuf_append_char(&buf, ':');
		dynbuf_append_str(&buf, s->values.value_json[plan->sk_idx]);
	}
	dynbuf_append_char(&buf, '}');
	return awstore_dynbuf_pstrdup(&buf);
}

/*
 * With a read budget, waits for the share of the segment's next request
 * and sizes it: the Limit of a Scan or Query page (0 when not paced), the
 * keys of a BatchGetItem (in seg->nkeys).
 */
static int
aw_pace(AwScanState *s, AwSegment *seg)
{
	AwScanPlan *plan = s->plan;
	double		unit = AW_READ_UNIT(plan->consistent);
	double		per_item = ceil(Max(s->item_bytes, 1) / AW_READ_BLOCK) * unit;
	int			limit = 0;
	double		expected = 0;

	seg->expected = 0;
	seg->settled = false;
	if (s->budget == NULL)
		return 0;
	switch (plan->op)
	{
		case AW_OP_SCAN:
		case AW_OP_QUERY:
		case AW_OP_MULTI_QUERY:
			limit = awstore_budget_read_limit(s->budget, unit, s->item_bytes, &expected);
			break;
		case AW_OP_GET_ITEM:
			expected = per_item;
			break;
		case AW_OP_BATCH_GET_ITEM:
			if (!seg->unprocessed)
				seg->nkeys = (int) Max(Min(floor(awstore_budget_request_units(s->budget) / per_item),
										   AW_BATCH_GET_KEYS), 1);
			expected = per_item * seg->nkeys;
			break;
	}
	s->budget_wait_ms += awstore_budget_acquire(s->budget, s->client, expected,
												aw_settle_finished, s);
	seg->expected = expected;
	return limit;
}

/*
 * Debits the budget for a segment's request as soon as it is seen
 * finished, with the capacity its answer reports (read without parsing
 * the page), rather than when the executor takes the page: pages of other
 * segments may wait their turn meanwhile, and requests that go out in the
 * meantime must see what the finished ones consumed beyond their
 * estimates.  A request whose capacity cannot be told yet is settled when
 * its page is taken (aw_take_page).
 */
static void
aw_settle_now(AwScanState *s, AwSegment *seg)
{
	DynCall    *call;
	DynStats	st;
	double		units;

	if (s->budget == NULL || seg->settled || seg->holder == NULL)
		return;
	call = seg->holder->call;
	if (!dyn_call_finished(call) || dyn_call_capacity_now(call, &units) != 1)
		return;
	st = *dyn_call_stats(call);
	st.capacity = units;
	st.capacity_reports = 1;
	awstore_budget_settle(s->budget, seg->expected, &st);
	seg->settled = true;
}

/* aw_settle_now for every segment: an AwBudgetSweep. */
static void
aw_settle_finished(void *arg)
{
	AwScanState *s = arg;

	if (s->budget == NULL)
		return;
	for (int i = 0; i < s->plan->nsegments; i++)
		aw_settle_now(s, &s->segs[i]);
}

/*
 * Sends the segment's next request.  The request is held in scan_cxt; the
 * body and key objects are built in the current memory context.
 */
static void
aw_send(AwScanState *s, AwSegment *seg)
{
	AwScanPlan *plan = s->plan;
	char	   *body = NULL;
	size_t		len = 0;
	const char *action = NULL;
	int			paced_limit = aw_pace(s, seg);

	switch (plan->op)
	{
		case AW_OP_SCAN:
		case AW_OP_QUERY:
		case AW_OP_MULTI_QUERY:
			{
				DynReadRequest req;
				char	   *values_json = s->values_json;
				char	   *names_json = s->names_json;

				if (plan->op == AW_OP_MULTI_QUERY)
					aw_build_placeholders(s, seg->key_value, &names_json, &values_json);
				memset(&req, 0, sizeof(req));
				req.table = plan->table;
				req.index = plan->index;
				req.key_condition = plan->op == AW_OP_SCAN ? NULL :
					s->values.sk_local ? plan->keycond_pk : plan->keycond;
				req.filter = (s->values.filter_local || plan->filter[0] == '\0') ? NULL :
					plan->filter;
				req.projection = plan->projection[0] ? plan->projection : NULL;
				req.names_json = names_json;
				req.values_json = values_json;
				req.start_key_json = seg->start_key;
				req.consistent_read = plan->consistent;
				req.count_only = plan->count_only;
				req.limit = plan->limit > 0 ? s->limit_left : 0;
				if (paced_limit > 0 && (req.limit <= 0 || paced_limit < req.limit))
					req.limit = paced_limit;
				req.segment = seg->segment;
				req.total_segments = plan->nsegments;
				if (plan->op == AW_OP_SCAN)
				{
					action = "Scan";
					body = dyn_body_scan(&req, &len);
				}
				else
				{
					action = "Query";
					body = dyn_body_query(&req, &len);
				}
				break;
			}
		case AW_OP_GET_ITEM:
			action = "GetItem";
			body = dyn_body_get_item(plan->table,
									 aw_key_object(s, s->values.value_json[plan->pk_idx]),
									 plan->projection[0] ? plan->projection : NULL,
									 s->names_json, plan->consistent, &len);
			break;
		case AW_OP_BATCH_GET_ITEM:
			action = "BatchGetItem";
			if (seg->unprocessed)
			{
				body = dyn_body_batch_get_item(plan->table, NULL, NULL, NULL, false,
											   seg->unprocessed, &len);
				pfree(seg->unprocessed);
				seg->unprocessed = NULL;
			}
			else
			{
				StringInfoData keys;
				int			end = Min(s->next_key + (s->budget ? seg->nkeys : AW_BATCH_GET_KEYS),
									  s->values.nkeys);

				initStringInfo(&keys);
				appendStringInfoChar(&keys, '[');
				for (int k = s->next_key; k < end; k++)
					appendStringInfo(&keys, "%s%s", k > s->next_key ? "," : "",
									 aw_key_object(s, s->values.keys[k]));
				appendStringInfoChar(&keys, ']');
				s->next_key = end;
				body = dyn_body_batch_get_item(plan->table, keys.data,
											   plan->projection[0] ? plan->projection : NULL,
											   s->names_json, plan->consistent, NULL, &len);
			}
			break;
	}
	seg->holder = awstore_start_call(s->client, action, body, len, s->scan_cxt);
	dyn_call_set_user(seg->holder->call, seg);
	seg->started = true;
}

/* Starts whatever the segment has to do next, if anything. */
static void
aw_continue(AwScanState *s, AwSegment *seg)
{
	AwScanPlan *plan = s->plan;

	if (s->values.known_empty || seg->holder)
		return;
	switch (plan->op)
	{
		case AW_OP_SCAN:
		case AW_OP_QUERY:
			if (!seg->exhausted)
				aw_send(s, seg);
			break;
		case AW_OP_GET_ITEM:
			if (!seg->started)
				aw_send(s, seg);
			break;
		case AW_OP_MULTI_QUERY:
			if (seg->started && !seg->exhausted)
				aw_send(s, seg);
			else if (s->next_key < s->values.nkeys)
			{
				seg->key_value = s->values.keys[s->next_key++];
				aw_set_start_key(seg, NULL);
				seg->exhausted = false;
				aw_send(s, seg);
			}
			break;
		case AW_OP_BATCH_GET_ITEM:
			if (seg->unprocessed)
			{
				uint64_t	rng = (uint64_t) GetCurrentTimestamp();

				if (seg->unprocessed_tries++ >= s->opts.max_retries)
					ereport(ERROR,
							(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
							 errmsg("DynamoDB left keys unprocessed after %d retries",
									seg->unprocessed_tries - 1),
							 errhint("Raise the table's read capacity or the server's max_retries."),
							 errcontext("DynamoDB BatchGetItem on table \"%s\"", plan->table)));
				awstore_pause(dyn_backoff_ms(50, 5000, seg->unprocessed_tries, &rng));
				aw_send(s, seg);
			}
			else if (s->next_key < s->values.nkeys)
				aw_send(s, seg);
			break;
	}
}

/*
 * Sends the first requests of this execution, one per segment, once
 * awstore_scan_values() has filled s->values.  The placeholders are built
 * in scan_cxt, for every request of the execution.
 */
void
awstore_scan_start(AwScanState *s)
{
	MemoryContext old = MemoryContextSwitchTo(s->scan_cxt);

	aw_build_placeholders(s, NULL, &s->names_json, &s->values_json);
	MemoryContextSwitchTo(old);
	s->next_key = 0;
	for (int i = 0; i < s->plan->nsegments; i++)
		aw_continue(s, &s->segs[i]);
}

/*
 * Replaces the segment's LastEvaluatedKey.  The old one went into a request
 * body already: freed, so that a scan's memory stays flat page after page.
 */
static void
aw_set_start_key(AwSegment *seg, char *key)
{
	if (seg->start_key)
		pfree(seg->start_key);
	seg->start_key = key;
}

/* A member of a page that is an integer (Count), 0 when it has none. */
static long
aw_page_integer(DynCall *call, DynRaw page, const char *name)
{
	DynRaw		v;

	return awstore_page_member(call, page, name, &v) ? (long) dyn_raw_integer(v) : 0;
}

/* A page's JSON text (a key) copied into scan_cxt, to send again. */
static char *
aw_scan_copy(AwScanState *s, DynRaw v)
{
	MemoryContext old = MemoryContextSwitchTo(s->scan_cxt);
	char	   *copy = pnstrdup(v.p, v.len);

	MemoryContextSwitchTo(old);
	return copy;
}

/* Does an object (UnprocessedKeys) have any member? */
static bool
aw_raw_nonempty(DynRaw object)
{
	DynRawIter	it;
	DynRaw		k;
	DynRaw		v;

	dyn_raw_iter_init(object, &it);
	return object.p[0] == '{' && dyn_raw_next_member(&it, &k, &v);
}

/* Takes a finished request's page as the page being read. */
static void
aw_take_page(AwScanState *s, AwSegment *seg)
{
	AwScanPlan *plan = s->plan;
	AwCallHolder *holder = seg->holder;
	DynCall    *call = holder->call;
	double		expected;
	bool		settled;
	bool		sent_next = false;
	bool		ok;
	const DynStats *stats = dyn_call_stats(call);
	DynRaw		resp;
	DynRaw		v;

	aw_settle_now(s, seg);		/* before the lookahead asks the budget */
	expected = seg->expected;	/* the lookahead replaces them */
	settled = seg->settled;
	seg->holder = NULL;

	/*
	 * A Scan or Query page's LastEvaluatedKey can be taken from the page as
	 * received: then the next request goes out before this page is read,
	 * and DynamoDB prepares the next page while this one is read.  (With a
	 * LIMIT or a count the page's Count is read first: whether to go on
	 * depends on it.)
	 */
	if ((plan->op == AW_OP_SCAN || plan->op == AW_OP_QUERY || plan->op == AW_OP_MULTI_QUERY) &&
		plan->limit <= 0 && !plan->count_only)
	{
		char	   *lek;

		switch (awstore_page_raw_next_key(call, s->scan_cxt, &lek))
		{
			case 1:
				aw_set_start_key(seg, lek);
				sent_next = true;
				break;
			case 0:
				seg->exhausted = true;
				sent_next = true;
				break;
			default:
				break;			/* taken from the page below */
		}
		if (sent_next)
			aw_continue(s, seg);
	}

	ok = dyn_call_page(call, &resp);	/* in place: capacity counts */
	s->requests += stats->requests;
	s->retries += stats->retries;
	s->capacity += stats->capacity;
	if (!ok)
	{
		DynError	err = *dyn_call_error(call);
		char		action[40];

		if (err.kind == DYN_ERR_NONE)
			elog(ERROR, "awstore: a page of table \"%s\" was parsed before it was read",
				 plan->table);
		strlcpy(action, dyn_call_action(call), sizeof(action));
		awstore_release_call(holder);
		awstore_report_error(&err, action, plan->table);
	}
	s->pages++;
	if (s->budget)
	{
		if (!settled)
			awstore_budget_settle(s->budget, expected, stats);
		if (plan->op != AW_OP_GET_ITEM && plan->op != AW_OP_BATCH_GET_ITEM)
			s->item_bytes = awstore_budget_learn_item_bytes(s->item_bytes,
															AW_READ_UNIT(plan->consistent), stats,
															aw_page_integer(call, resp, "ScannedCount"));
	}
	s->page = holder;
	s->items.ok = false;
	s->single.p = NULL;

	switch (plan->op)
	{
		case AW_OP_SCAN:
		case AW_OP_QUERY:
		case AW_OP_MULTI_QUERY:
			if (awstore_page_member(call, resp, "Items", &v))
				dyn_raw_iter_init(v, &s->items);
			if (plan->count_only)
				s->count_pending += aw_page_integer(call, resp, "Count");
			if (!sent_next)
			{
				if (awstore_page_member(call, resp, "LastEvaluatedKey", &v))
					aw_set_start_key(seg, aw_scan_copy(s, v));
				else
					seg->exhausted = true;
			}
			if (plan->limit > 0)
			{
				/* Count is the number of items on the page */
				s->limit_left -= aw_page_integer(call, resp, "Count");
				if (s->limit_left <= 0)
				{
					/* enough for the LIMIT above: no more pages */
					for (int i = 0; i < plan->nsegments; i++)
						s->segs[i].exhausted = true;
				}
			}
			break;
		case AW_OP_GET_ITEM:
			if (awstore_page_member(call, resp, "Item", &v))
				s->single = v;
			seg->exhausted = true;
			break;
		case AW_OP_BATCH_GET_ITEM:
			if (awstore_page_member(call, resp, "Responses", &v) &&
				dyn_raw_member(v, plan->table, &v))
				dyn_raw_iter_init(v, &s->items);
			if (awstore_page_member(call, resp, "UnprocessedKeys", &v) && aw_raw_nonempty(v))
			{
				seg->unprocessed = aw_scan_copy(s, v);
				awstore_budget_throttled(s->budget);
			}
			else
				seg->unprocessed_tries = 0;
			break;
	}
	/* the next page travels while this one is read */
	if (!sent_next)
		aw_continue(s, seg);
}

/*
 * Makes the next page to arrive, of any segment, the page being read (the
 * segment's next request is sent); false at the end of the scan.  Waits,
 * interruptibly, while requests are in flight; a failed request is
 * reported.  The caller has released the page it read.
 */
bool
awstore_scan_next_page(AwScanState *s)
{
	AwScanPlan *plan = s->plan;

	for (;;)
	{
		bool		in_flight = false;

		aw_settle_finished(s);
		for (int i = 0; i < plan->nsegments; i++)
		{
			AwSegment  *seg = &s->segs[(s->rr + i) % plan->nsegments];

			if (seg->holder == NULL)
				continue;
			if (dyn_call_finished(seg->holder->call))
			{
				s->rr = (seg->segment + 1) % plan->nsegments;
				aw_take_page(s, seg);
				return true;
			}
			in_flight = true;
		}
		if (!in_flight)
			return false;
		awstore_wait_any(s->client);
	}
}

/* Frees the page that was read, and forgets its items. */
void
awstore_scan_release_page(AwScanState *s)
{
	if (s->page)
	{
		awstore_release_call(s->page);
		s->page = NULL;
	}
	s->items.ok = false;
	s->single.p = NULL;
}