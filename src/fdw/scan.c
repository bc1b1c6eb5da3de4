/*-------------------------------------------------------------------------
 *
 * scan.c
 *		Executing reads of DynamoDB tables: paging, segments, key lookups.
 *
 * A scan runs one DynamoDB operation, chosen at planning: Scan (in
 * TotalSegments segments, each with a request in flight at once), Query,
 * Query per partition key value, GetItem, or BatchGetItem (100 keys a
 * request, UnprocessedKeys sent again with backoff).
 *
 * Paging is lazy with one page of lookahead per segment: when the executor
 * takes a page, the segment's next request is sent, so the next page
 * travels while this one is converted.  The next request goes out before
 * the page is even parsed: its LastEvaluatedKey is taken from the page as
 * received, where the streaming check noted it (dyn_call_raw_member), so
 * DynamoDB prepares the next page while this one is parsed and read.  At
 * most one request per segment is
 * in flight and one page is being read, so memory stays bounded whatever
 * the table's size.  A page without items but with a LastEvaluatedKey is
 * not the end.  When the executor stops pulling (LIMIT), nothing more is
 * sent and what is in flight is aborted at the end of the scan.
 *
 * Memory: DynamoDB calls and their parsed pages are malloc'd; each is held
 * by an AwCallHolder in a context of its own under scan_cxt, deleted when
 * the page has been read, or with scan_cxt — at rescan, at the end of the
 * scan, or when an error unwinds the query.  A segment keeps only its
 * latest LastEvaluatedKey, so memory is flat per page.  Tuples are built in
 * temp_cxt, reset for every item.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "fdw/fdw.h"

#define AW_BATCH_GET_KEYS 100

typedef struct AwScanState AwScanState;

typedef struct AwSegment
{
	AwScanState *scan;
	int			segment;
	AwCallHolder *holder;		/* request in flight, or done and not taken */
	char	   *start_key;		/* LastEvaluatedKey to continue from */
	char	   *unprocessed;	/* BatchGetItem: UnprocessedKeys to resend */
	int			unprocessed_tries;
	const char *key_value;		/* Query per key: this partition key value */
	bool		started;
	bool		exhausted;		/* no more pages for this segment */
} AwSegment;

struct AwScanState
{
	/* the plan, decoded once (scanplan.c); EXPLAIN reads it too */
	AwScanPlan *plan;
	/* ... and the members the requests are built from */
	AwOperation op;
	char	   *table;
	char	   *index;			/* NULL for the table */
	char	   *keycond;
	char	   *filter;
	char	   *projection;
	int			pk_idx;
	int			sk_idx;
	char	   *keycond_pk;		/* keycond without its sort key part */
	bool		count_only;
	int			nsegments;
	int			limit;
	bool		consistent;
	char	   *pk;
	char	   *sk;				/* NULL when none */
	/* scan tuple of UPDATE/DELETE targets (fdw_scan_tlist), or 0 */
	AttrNumber	key_att;		/* the item's key, AttributeValue JSON */
	AttrNumber	row_att;		/* the whole row */
	AttrNumber	tableoid_att;	/* tableoid */

	/* execution */
	Relation	rel;
	AwColumns  *columns;
	DynClient  *client;
	AwOptions	opts;
	List	   *value_states;	/* ExprState per fdw_expr */
	ExprState  *recheck;		/* shipped filter, to check locally instead */
	MemoryContext scan_cxt;		/* requests, pages, keys: reset at rescan */
	MemoryContext temp_cxt;		/* one item's conversion */

	/* per execution (scan_cxt) */
	char	  **value_json;		/* AttributeValue of each fdw_expr */
	bool		known_empty;	/* a key condition that no item can meet */
	bool		filter_local;	/* a filter value cannot be sent */
	bool		sk_local;		/* a sort key bound cannot be sent */
	char	   *names_json;
	char	   *values_json;
	const char **keys;			/* BatchGetItem keys / Query-per-key values */
	int			nkeys;
	int			next_key;
	AwSegment  *segs;
	bool		started;
	int			rr;				/* round robin over segments */
	long		limit_left;

	/* the page being read */
	AwCallHolder *page;
	DynValue   *items;			/* array of items, or NULL */
	DynValue   *single;			/* GetItem's item, or NULL */
	int			nitems;
	int			pos;
	long		count_pending;	/* Select=COUNT rows still to return */

	AwConvertContext conv;

	/* for EXPLAIN ANALYZE */
	long		requests;
	long		retries;
	long		pages;
	double		capacity;
};

static void aw_continue(AwScanState *s, AwSegment *seg);
static void aw_set_start_key(AwSegment *seg, char *key);

/* ---------------------------------------------------------------------
 * Values and request bodies
 * ---------------------------------------------------------------------
 */

/*
 * The placeholders of the request this execution sends (see
 * awstore_scan_placeholders); key_value, when given, stands for the
 * partition key value.
 */
static void
aw_build_placeholders(AwScanState *s, const char *key_value, char **names_json,
					  char **values_json)
{
	awstore_scan_placeholders(s->plan, s->sk_local ? s->keycond_pk : s->keycond,
							  s->filter_local ? NULL : s->filter,
							  s->count_only ? NULL : s->projection,
							  s->value_json, key_value, names_json, values_json);
}

/*
 * Evaluates the values of the conditions for this execution and decides
 * what will be sent.
 */
static void
aw_prepare_values(ForeignScanState *node, AwScanState *s)
{
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	int			nvalues = list_length(s->value_states);
	ListCell   *lc;
	int			i = 0;

	s->value_json = palloc0(sizeof(char *) * Max(nvalues, 1));
	s->known_empty = false;
	s->filter_local = false;
	s->sk_local = false;
	s->keys = NULL;
	s->nkeys = 0;
	s->next_key = 0;

	foreach(lc, s->value_states)
	{
		ExprState  *state = lfirst(lc);
		DynType		type = (DynType) list_nth_int(s->plan->value_types, i);
		bool		is_key = i == s->pk_idx || i == s->sk_idx || i == s->plan->sk_hi_idx;
		bool		sk_range = (i == s->sk_idx || i == s->plan->sk_hi_idx) &&
			s->plan->sk_cond == AW_SK_RANGE;
		bool		isnull;
		Datum		value;
		const char *why = NULL;
		Oid			typid = exprType((Node *) state->expr);

		value = ExecEvalExpr(state, econtext, &isnull);
		if (isnull)
		{
			/* key comparisons are strict: key = NULL, key > NULL hold for no row */
			if (is_key)
				s->known_empty = true;
			else
				s->filter_local = true;
		}
		else if (i == s->pk_idx &&
				 (s->op == AW_OP_BATCH_GET_ITEM || s->op == AW_OP_MULTI_QUERY))
		{
			s->keys = awstore_encode_key_list(value, type, &s->nkeys);
			if (s->nkeys == 0)
				s->known_empty = true;
		}
		else
		{
			s->value_json[i] = awstore_encode_value(value, typid, type, &why);
			if (!is_key)
			{
				if (s->value_json[i] == NULL)
					s->filter_local = true;
			}
			else if (sk_range)
			{
				/*
				 * A bound DynamoDB cannot take (a number it cannot hold, an
				 * empty string, which it refuses as a key value, though
				 * every item's key is greater): ask for the whole partition
				 * and check the range locally.
				 */
				if (s->value_json[i] == NULL || awstore_key_value_empty(s->value_json[i]))
					s->sk_local = true;
			}
			else if (s->value_json[i] == NULL || awstore_key_value_empty(s->value_json[i]))
			{
				/*
				 * Equality with a key value no item can have: DynamoDB holds
				 * no such number, and key attributes are never empty.
				 */
				s->known_empty = true;
			}
		}
		i++;
	}
	if (!s->known_empty && !s->sk_local && s->plan->sk_hi_idx >= 0)
	{
		DynType		type = (DynType) list_nth_int(s->plan->value_types, s->sk_idx);
		int			cmp;

		/*
		 * BETWEEN with bounds the wrong way round matches nothing (and
		 * DynamoDB refuses it); bounds it cannot compare are checked
		 * locally.
		 */
		if (!awstore_compare_key_values(type, s->value_json[s->sk_idx],
										s->value_json[s->plan->sk_hi_idx], &cmp))
			s->sk_local = true;
		else if (cmp > 0)
			s->known_empty = true;
	}
	if (s->sk_local && (s->recheck == NULL || s->count_only))
		elog(ERROR, "awstore: a sort key bound cannot be sent and cannot be checked locally");
	if (s->filter_local && (s->recheck == NULL || s->count_only))
		elog(ERROR, "awstore: a filter value cannot be sent and the filter cannot be checked locally");
	aw_build_placeholders(s, NULL, &s->names_json, &s->values_json);
}

/* The primary key of a GetItem / BatchGetItem request. */
static char *
aw_key_object(AwScanState *s, const char *pk_value)
{
	DynBuf		buf;

	dynbuf_init(&buf);
	dynbuf_append_char(&buf, '{');
	dynbuf_append_json_string(&buf, s->pk, strlen(s->pk));
	dynbuf_append_char(&buf, ':');
	dynbuf_append_str(&buf, pk_value);
	if (s->sk)
	{
		dynbuf_append_char(&buf, ',');
		dynbuf_append_json_string(&buf, s->sk, strlen(s->sk));
		dynbuf_append_char(&buf, ':');
		dynbuf_append_str(&buf, s->value_json[s->sk_idx]);
	}
	dynbuf_append_char(&buf, '}');
	return awstore_dynbuf_pstrdup(&buf);
}

/* Sends the segment's next request. */
static void
aw_send(AwScanState *s, AwSegment *seg)
{
	char	   *body = NULL;
	size_t		len = 0;
	const char *action = NULL;

	switch (s->op)
	{
		case AW_OP_SCAN:
		case AW_OP_QUERY:
		case AW_OP_MULTI_QUERY:
			{
				DynReadRequest req;
				char	   *values_json = s->values_json;
				char	   *names_json = s->names_json;

				if (s->op == AW_OP_MULTI_QUERY)
					aw_build_placeholders(s, seg->key_value, &names_json, &values_json);
				memset(&req, 0, sizeof(req));
				req.table = s->table;
				req.index = s->index;
				req.key_condition = s->op == AW_OP_SCAN ? NULL :
					s->sk_local ? s->keycond_pk : s->keycond;
				req.filter = (s->filter_local || s->filter[0] == '\0') ? NULL : s->filter;
				req.projection = s->projection[0] ? s->projection : NULL;
				req.names_json = names_json;
				req.values_json = values_json;
				req.start_key_json = seg->start_key;
				req.consistent_read = s->consistent;
				req.count_only = s->count_only;
				req.limit = s->limit > 0 ? s->limit_left : 0;
				req.segment = seg->segment;
				req.total_segments = s->nsegments;
				if (s->op == AW_OP_SCAN)
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
			body = dyn_body_get_item(s->table, aw_key_object(s, s->value_json[s->pk_idx]),
									 s->projection[0] ? s->projection : NULL,
									 s->names_json, s->consistent, &len);
			break;
		case AW_OP_BATCH_GET_ITEM:
			action = "BatchGetItem";
			if (seg->unprocessed)
			{
				body = dyn_body_batch_get_item(s->table, NULL, NULL, NULL, false,
											   seg->unprocessed, &len);
				pfree(seg->unprocessed);
				seg->unprocessed = NULL;
			}
			else
			{
				StringInfoData keys;
				int			end = Min(s->next_key + AW_BATCH_GET_KEYS, s->nkeys);

				initStringInfo(&keys);
				appendStringInfoChar(&keys, '[');
				for (int k = s->next_key; k < end; k++)
					appendStringInfo(&keys, "%s%s", k > s->next_key ? "," : "",
									 aw_key_object(s, s->keys[k]));
				appendStringInfoChar(&keys, ']');
				s->next_key = end;
				body = dyn_body_batch_get_item(s->table, keys.data,
											   s->projection[0] ? s->projection : NULL,
											   s->names_json, s->consistent, NULL, &len);
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
	if (s->known_empty || seg->holder)
		return;
	switch (s->op)
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
			else if (s->next_key < s->nkeys)
			{
				seg->key_value = s->keys[s->next_key++];
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
							 errcontext("DynamoDB BatchGetItem on table \"%s\"", s->table)));
				awstore_pause(dyn_backoff_ms(50, 5000, seg->unprocessed_tries, &rng));
				aw_send(s, seg);
			}
			else if (s->next_key < s->nkeys)
				aw_send(s, seg);
			break;
	}
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

/* Takes a finished request's page as the page being read. */
static void
aw_take_page(AwScanState *s, AwSegment *seg)
{
	AwCallHolder *holder = seg->holder;
	DynCall    *call = holder->call;
	bool		sent_next = false;
	bool		ok;
	const DynStats *stats = dyn_call_stats(call);
	DynValue   *resp;
	DynValue   *v;

	seg->holder = NULL;

	/*
	 * A Scan or Query page's LastEvaluatedKey can be taken from the page as
	 * received: then the next request goes out before this page is parsed,
	 * and DynamoDB prepares the next page while this one is parsed and
	 * read.  (With a LIMIT or a count the page is parsed first: whether to
	 * go on depends on its items.)
	 */
	if ((s->op == AW_OP_SCAN || s->op == AW_OP_QUERY || s->op == AW_OP_MULTI_QUERY) &&
		s->limit <= 0 && !s->count_only)
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
				break;			/* taken from the parsed page below */
		}
		if (sent_next)
			aw_continue(s, seg);
	}

	ok = dyn_call_ok(call);		/* parses the page: capacity counts */
	s->requests += stats->requests;
	s->retries += stats->retries;
	s->capacity += stats->capacity;
	if (!ok)
	{
		DynError	err = *dyn_call_error(call);
		char		action[40];

		strlcpy(action, dyn_call_action(call), sizeof(action));
		awstore_release_call(holder);
		awstore_report_error(&err, action, s->table);
	}
	s->pages++;
	resp = dyn_call_response(call);
	s->page = holder;
	s->items = NULL;
	s->single = NULL;
	s->nitems = 0;
	s->pos = 0;

	switch (s->op)
	{
		case AW_OP_SCAN:
		case AW_OP_QUERY:
		case AW_OP_MULTI_QUERY:
			s->items = dyn_get(resp, "Items");
			s->nitems = dyn_array_length(s->items);
			if (s->count_only)
				s->count_pending += dyn_integer(dyn_get(resp, "Count"));
			if (!sent_next)
			{
				MemoryContext old = MemoryContextSwitchTo(s->scan_cxt);
				char	   *lek = awstore_page_next_key(resp);

				MemoryContextSwitchTo(old);
				if (lek)
					aw_set_start_key(seg, lek);
				else
					seg->exhausted = true;
			}
			if (s->limit > 0)
			{
				s->limit_left -= s->count_only ? dyn_integer(dyn_get(resp, "Count")) : s->nitems;
				if (s->limit_left <= 0)
				{
					/* enough for the LIMIT above: no more pages */
					for (int i = 0; i < s->nsegments; i++)
						s->segs[i].exhausted = true;
				}
			}
			break;
		case AW_OP_GET_ITEM:
			s->single = dyn_get(resp, "Item");
			s->nitems = s->single ? 1 : 0;
			seg->exhausted = true;
			break;
		case AW_OP_BATCH_GET_ITEM:
			s->items = dyn_get(dyn_get(resp, "Responses"), s->table);
			s->nitems = dyn_array_length(s->items);
			v = dyn_get(resp, "UnprocessedKeys");
			if (v && dyn_object_size(v) > 0)
			{
				MemoryContext old = MemoryContextSwitchTo(s->scan_cxt);

				seg->unprocessed = awstore_value_json(v);
				MemoryContextSwitchTo(old);
			}
			else
				seg->unprocessed_tries = 0;
			break;
	}
	/* the next page travels while this one is read */
	if (!sent_next)
		aw_continue(s, seg);
}

/* Makes the next page the current one; false at the end of the scan. */
static bool
aw_next_page(AwScanState *s)
{
	for (;;)
	{
		bool		in_flight = false;

		for (int i = 0; i < s->nsegments; i++)
		{
			AwSegment  *seg = &s->segs[(s->rr + i) % s->nsegments];

			if (seg->holder == NULL)
				continue;
			if (dyn_call_finished(seg->holder->call))
			{
				s->rr = (seg->segment + 1) % s->nsegments;
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

static void
aw_release_page(AwScanState *s)
{
	if (s->page)
	{
		awstore_release_call(s->page);
		s->page = NULL;
	}
	s->items = NULL;
	s->single = NULL;
	s->nitems = 0;
	s->pos = 0;
}

/* ---------------------------------------------------------------------
 * Executor callbacks
 * ---------------------------------------------------------------------
 */

static void
aw_conversion_error_callback(void *arg)
{
	AwScanState *s = arg;

	if (s->conv.column && s->conv.item)
		errcontext("column \"%s\" of foreign table \"%s\", item %s of DynamoDB table \"%s\"",
				   s->conv.column->colname, RelationGetRelationName(s->rel),
				   awstore_item_key_text(s->conv.item, s->pk, s->sk), s->table);
}

static void
aw_reset_execution(AwScanState *s)
{
	s->page = NULL;				/* freed with scan_cxt */
	MemoryContextReset(s->scan_cxt);
	s->items = NULL;
	s->single = NULL;
	s->nitems = 0;
	s->pos = 0;
	s->count_pending = 0;
	s->started = false;
	s->rr = 0;
	s->limit_left = s->limit;
	s->segs = MemoryContextAllocZero(s->scan_cxt, sizeof(AwSegment) * s->nsegments);
	for (int i = 0; i < s->nsegments; i++)
	{
		s->segs[i].scan = s;
		s->segs[i].segment = i;
	}
}

void
awstoreBeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	AwScanState *s;
	EState	   *estate = node->ss.ps.state;
	RangeTblEntry *rte;
	ForeignTable *table;
	ForeignServer *server;
	UserMapping *user;
	Oid			userid;
	ListCell   *lc;

	s = palloc0(sizeof(AwScanState));
	node->fdw_state = s;
	s->plan = awstore_scan_plan_from_list(plan->fdw_private);
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	s->op = s->plan->op;
	s->table = s->plan->table;
	s->index = s->plan->index;
	s->keycond = s->plan->keycond;
	s->filter = s->plan->filter;
	s->projection = s->plan->projection;
	s->pk_idx = s->plan->pk_idx;
	s->sk_idx = s->plan->sk_idx;
	s->keycond_pk = s->plan->keycond_pk;
	s->count_only = s->plan->count_only;
	s->nsegments = s->plan->nsegments;
	s->limit = s->plan->limit;
	s->consistent = s->plan->consistent;
	s->pk = s->plan->pk;
	s->sk = s->plan->sk;

	s->rel = node->ss.ss_currentRelation;
	s->columns = awstore_get_columns(s->rel);
	awstore_columns_use_key_types(s->columns, s->pk, s->plan->pk_type,
								  s->sk, s->plan->sk_type);
	rte = exec_rt_fetch(plan->scan.scanrelid, estate);
	userid = OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
	table = GetForeignTable(RelationGetRelid(s->rel));
	server = GetForeignServer(table->serverid);
	user = GetUserMapping(userid, server->serverid);
	awstore_server_options(server, &s->opts);
	awstore_table_options(RelationGetRelid(s->rel), &s->opts);
	s->client = awstore_get_client(server, user, &s->opts);

	/* the target of UPDATE or DELETE: where its scan tuple holds the key */
	foreach(lc, plan->fdw_scan_tlist)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);
		Var		   *var = (Var *) tle->expr;

		if (!IsA(var, Var) || var->varattno > 0)
			continue;
		if (awstore_is_row_key_var((Node *) var))
			s->key_att = tle->resno;
		else if (var->varattno == InvalidAttrNumber)
			s->row_att = tle->resno;
		else if (var->varattno == TableOidAttributeNumber)
			s->tableoid_att = tle->resno;
	}

	s->value_states = ExecInitExprList(plan->fdw_exprs, (PlanState *) node);
	if (plan->fdw_recheck_quals)
		s->recheck = ExecInitQual(plan->fdw_recheck_quals, (PlanState *) node);

	s->scan_cxt = AllocSetContextCreate(estate->es_query_cxt, "awstore scan",
										ALLOCSET_DEFAULT_SIZES);
	s->temp_cxt = AllocSetContextCreate(estate->es_query_cxt, "awstore item",
										ALLOCSET_DEFAULT_SIZES);
	s->conv.table = s->table;
	s->conv.partition_key = s->pk;
	s->conv.sort_key = s->sk;

	aw_reset_execution(s);
}

/*
 * The columns of an UPDATE or DELETE target's scan tuple that are not the
 * relation's: the item's key as DynamoDB returned it, with the whole item
 * when the whole row is read (the row identity, see modify.c), the whole
 * row, tableoid.  In the current memory context.
 */
static void
aw_store_row_identity(AwScanState *s, TupleTableSlot *slot, DynValue *item)
{
	DynValue   *pkv = dyn_get(item, s->pk);
	DynValue   *skv = s->sk ? dyn_get(item, s->sk) : NULL;
	char	   *key;

	if (pkv == NULL || (s->sk && skv == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("DynamoDB returned an item of table \"%s\" without its key", s->table)));
	key = psprintf("{%s:%s", awstore_json_string(s->pk), awstore_value_json(pkv));
	if (s->sk)
		key = psprintf("%s,%s:%s", key, awstore_json_string(s->sk), awstore_value_json(skv));
	key = psprintf("%s}", key);
	/* [key] or, when the whole row is read (UPDATE), [key, item as read] */
	if (s->row_att)
		key = psprintf("[%s,%s]", key, awstore_value_json(item));
	else
		key = psprintf("[%s]", key);
	slot->tts_values[s->key_att - 1] = CStringGetTextDatum(key);
	slot->tts_isnull[s->key_att - 1] = false;
	if (s->row_att)
	{
		TupleDesc	desc = RelationGetDescr(s->rel);
		HeapTuple	tuple = heap_form_tuple(desc, slot->tts_values, slot->tts_isnull);

		slot->tts_values[s->row_att - 1] = heap_copy_tuple_as_datum(tuple, desc);
		slot->tts_isnull[s->row_att - 1] = false;
	}
	if (s->tableoid_att)
	{
		slot->tts_values[s->tableoid_att - 1] = ObjectIdGetDatum(RelationGetRelid(s->rel));
		slot->tts_isnull[s->tableoid_att - 1] = false;
	}
}

/* Fills the slot from an item. */
static void
aw_store_item(AwScanState *s, TupleTableSlot *slot, DynValue *item)
{
	ErrorContextCallback errcb;
	MemoryContext old;

	if (s->plan->retrieved == NIL && s->key_att == 0)
	{
		/* no column is needed, only the row */
		ExecClearTuple(slot);
		ExecStoreAllNullTuple(slot);
		return;
	}
	MemoryContextReset(s->temp_cxt);
	old = MemoryContextSwitchTo(s->temp_cxt);
	errcb.callback = aw_conversion_error_callback;
	errcb.arg = s;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	if (s->plan->retrieved != NIL)
		awstore_fill_slot(slot, s->columns, s->plan->retrieved, item, &s->conv);
	else
	{
		ExecClearTuple(slot);
		ExecStoreAllNullTuple(slot);
	}
	error_context_stack = errcb.previous;
	if (s->key_att)
		aw_store_row_identity(s, slot, item);
	MemoryContextSwitchTo(old);
}

TupleTableSlot *
awstoreIterateForeignScan(ForeignScanState *node)
{
	AwScanState *s = node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	ExprContext *econtext = node->ss.ps.ps_ExprContext;

	if (!s->started)
	{
		MemoryContext old;

		/* parameters (of a join, say) have their values only now */
		old = MemoryContextSwitchTo(s->scan_cxt);
		aw_prepare_values(node, s);
		MemoryContextSwitchTo(old);
		s->started = true;
		for (int i = 0; i < s->nsegments; i++)
			aw_continue(s, &s->segs[i]);
	}
	for (;;)
	{
		if (s->count_pending > 0)
		{
			s->count_pending--;
			ExecClearTuple(slot);
			return ExecStoreAllNullTuple(slot);
		}
		if (s->pos < s->nitems)
		{
			DynValue   *item = s->single ? s->single : dyn_array_get(s->items, s->pos);

			s->pos++;
			aw_store_item(s, slot, item);
			if (s->filter_local || s->sk_local)
			{
				/* the filter or sort key range DynamoDB could not be given */
				ResetExprContext(econtext);
				econtext->ecxt_scantuple = slot;
				if (!ExecQual(s->recheck, econtext))
					continue;
			}
			return slot;
		}
		aw_release_page(s);
		CHECK_FOR_INTERRUPTS();
		if (!aw_next_page(s))
			return ExecClearTuple(slot);
	}
}

void
awstoreReScanForeignScan(ForeignScanState *node)
{
	/* aborts what is in flight; values are evaluated again on first fetch */
	aw_reset_execution(node->fdw_state);
}

void
awstoreEndForeignScan(ForeignScanState *node)
{
	AwScanState *s = node->fdw_state;

	if (s == NULL || s->scan_cxt == NULL)
		return;					/* EXPLAIN without ANALYZE */
	/* aborts requests still in flight and frees the pages */
	MemoryContextDelete(s->scan_cxt);
	MemoryContextDelete(s->temp_cxt);
	s->page = NULL;
}

/* ---------------------------------------------------------------------
 * For EXPLAIN (explain.c)
 * ---------------------------------------------------------------------
 */

/*
 * The plan of a scan, as awstoreBeginForeignScan decoded it (which it does
 * under EXPLAIN without ANALYZE too).
 */
const AwScanPlan *
awstore_scan_plan(ForeignScanState *node)
{
	AwScanState *s = node->fdw_state;

	if (s == NULL)
		elog(ERROR, "awstore: the foreign scan was not begun");
	return s->plan;
}

/* What a scan has done so far; false when it was not executed. */
bool
awstore_scan_counts(ForeignScanState *node, AwScanCounts *counts)
{
	AwScanState *s = node->fdw_state;

	if (s == NULL || s->scan_cxt == NULL)
		return false;
	counts->requests = s->requests;
	counts->pages = s->pages;
	counts->retries = s->retries;
	counts->capacity = s->capacity;
	return true;
}
