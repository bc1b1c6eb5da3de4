/*-------------------------------------------------------------------------
 *
 * streams.c
 *		The two C pieces of replication from DynamoDB Streams.
 *
 * awstore.dynamodb_stream_call sends one DynamoDB Streams request
 * (DescribeStream, GetShardIterator, GetRecords or ListStreams) with the
 * calling role's user mapping of a server, to the server's Streams
 * endpoint, and returns the answer as jsonb.  Errors DynamoDB answers with
 * a type the caller names in "tolerate" come back as {"__type": …,
 * "message": …} instead of being raised, so that the replication can tell
 * a trimmed or expired position from a failure.  Everything else about
 * replication (shard lineage, checkpoints, applying records) is SQL:
 * src/sql/13_replication.sql.
 *
 * jsonb cannot hold the character U+0000, which a DynamoDB string can.  A
 * GetRecords answer holding one is handed back record by record: a record
 * whose image or key holds it becomes {"eventName", "awstore_problem",
 * "dynamodb": {"Keys", "SequenceNumber", "ApproximateCreationDateTime"}}
 * (Keys empty when they hold it), for the replication to stop at or skip
 * as on_error says; a REMOVE keeps its keys, without the old image it does
 * not need.
 *
 * awstore.dynamodb_item_row(NULL::some_table, item) converts one item in
 * DynamoDB JSON (a stream record's NewImage, OldImage or Keys) into a row
 * of that table's type, through the same conversion a scan of a foreign
 * table uses (decode.c): the columns of a foreign table map to attributes
 * as its options say; a plain table's columns are the attributes of their
 * names.  What a scan would refuse, it refuses, with the same message.
 * It needs SELECT on the table, whose definition it reads.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "foreign/foreign.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "fdw/fdw.h"
#include "lib/stringinfo.h"
#include "utils/typcache.h"

PG_FUNCTION_INFO_V1(awstore_dynamodb_stream_call);
PG_FUNCTION_INFO_V1(awstore_dynamodb_item_row);

/* The DynamoDB Streams actions a caller may send. */
static const char *const aw_stream_actions[] = {
	"DescribeStream", "GetShardIterator", "GetRecords", "ListStreams"
};

/* Is type among the text[] of error types to hand back? */
static bool
aw_tolerated(ArrayType *tolerate, const char *type)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	if (tolerate == NULL || type[0] == '\0')
		return false;
	deconstruct_array(tolerate, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
		if (!nulls[i] && strcmp(TextDatumGetCString(elems[i]), type) == 0)
			return true;
	return false;
}

/* Does this JSON text escape a U+0000 ("\u0000") in one of its strings? */
static bool
aw_json_has_nul(const char *json)
{
	for (const char *p = json; *p; p++)
	{
		if (*p != '\\')
			continue;
		if (p[1] == 'u' && strncmp(p + 2, "0000", 4) == 0)
			return true;
		if (p[1] != '\0')
			p++;				/* the escaped character is not a backslash */
	}
	return false;
}

/* A member's JSON text, or "null". */
static const char *
aw_member_json(DynValue *obj, const char *name)
{
	DynValue   *v = dyn_get(obj, name);

	return v ? awstore_value_json(v) : "null";
}

/*
 * A GetRecords answer as JSON text jsonb can hold: records that hold a
 * U+0000 replaced as the file header says.
 */
static char *
aw_records_without_nul(DynValue *answer)
{
	DynValue   *records = dyn_get(answer, "Records");
	DynValue   *next = dyn_get(answer, "NextShardIterator");
	StringInfoData out;

	initStringInfo(&out);
	appendStringInfoString(&out, "{\"Records\": [");
	for (int i = 0; i < dyn_array_length(records); i++)
	{
		DynValue   *rec = dyn_array_get(records, i);
		DynValue   *d = dyn_get(rec, "dynamodb");
		char	   *json = awstore_value_json(rec);
		const char *keys;
		const char *event;

		if (i > 0)
			appendStringInfoString(&out, ", ");
		if (!aw_json_has_nul(json))
		{
			appendStringInfoString(&out, json);
			continue;
		}
		keys = aw_member_json(d, "Keys");
		event = aw_member_json(rec, "eventName");
		if (aw_json_has_nul(keys))
			keys = "{}";
		appendStringInfo(&out, "{\"eventName\": %s, ", event);
		if (strcmp(event, "\"REMOVE\"") != 0 || strcmp(keys, "{}") == 0)
			appendStringInfoString(&out,
								   "\"awstore_problem\": \"a string of the item holds the character U+0000, which PostgreSQL cannot store\", ");
		appendStringInfo(&out, "\"dynamodb\": {\"Keys\": %s, \"SequenceNumber\": %s, "
						 "\"ApproximateCreationDateTime\": %s}}",
						 keys, aw_member_json(d, "SequenceNumber"),
						 aw_member_json(d, "ApproximateCreationDateTime"));
	}
	appendStringInfoChar(&out, ']');
	if (next)
		appendStringInfo(&out, ", \"NextShardIterator\": %s", awstore_value_json(next));
	appendStringInfoChar(&out, '}');
	return out.data;
}

/*
 * awstore.dynamodb_stream_call(server name, action text, request jsonb,
 * tolerate text[] DEFAULT NULL) RETURNS jsonb
 */
Datum
awstore_dynamodb_stream_call(PG_FUNCTION_ARGS)
{
	ForeignServer *server;
	ForeignDataWrapper *fdw;
	UserMapping *user;
	AwOptions	opts;
	DynClient  *client;
	AclResult	aclresult;
	char	   *action;
	Jsonb	   *request;
	char	   *json;
	char	   *body;
	size_t		len;
	bool		known = false;
	ArrayType  *tolerate = PG_ARGISNULL(3) ? NULL : PG_GETARG_ARRAYTYPE_P(3);
	AwCallHolder *holder;
	DynError	err;
	Datum		result;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("server, action and request must not be null")));
	action = text_to_cstring(PG_GETARG_TEXT_PP(1));
	for (size_t i = 0; i < lengthof(aw_stream_actions); i++)
		known = known || strcmp(action, aw_stream_actions[i]) == 0;
	if (!known)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid DynamoDB Streams action \"%s\"", action),
				 errhint("Give DescribeStream, GetShardIterator, GetRecords or ListStreams.")));

	server = GetForeignServerByName(NameStr(*PG_GETARG_NAME(0)), false);
	fdw = GetForeignDataWrapper(server->fdwid);
	if (strcmp(fdw->fdwname, "awstore_dynamodb") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("server \"%s\" is not an awstore_dynamodb server", server->servername)));
	aclresult = pg_foreign_server_aclcheck(server->serverid, GetUserId(), ACL_USAGE);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_FOREIGN_SERVER, server->servername);
	user = GetUserMapping(GetUserId(), server->serverid);
	awstore_server_options(server, &opts);
	client = awstore_get_streams_client(server, user, &opts);

	request = PG_GETARG_JSONB_P(2);
	if (!JB_ROOT_IS_OBJECT(request))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a DynamoDB Streams request must be a JSON object")));
	json = JsonbToCString(NULL, &request->root, VARSIZE(request));
	len = strlen(json);
	body = malloc(len + 1);		/* the call owns (and frees) its body */
	if (body)
		memcpy(body, json, len + 1);

	holder = awstore_start_call(client, action, body, len, CurrentMemoryContext);
	awstore_wait_for(client, holder->call);
	if (dyn_call_ok(holder->call))
	{
		DynValue   *answer = dyn_call_response(holder->call);
		char	   *text = answer ? awstore_value_json(answer) : "{}";

		if (strcmp(action, "GetRecords") == 0 && aw_json_has_nul(text))
			text = aw_records_without_nul(answer);
		result = DirectFunctionCall1(jsonb_in, CStringGetDatum(text));
		awstore_release_call(holder);
		PG_RETURN_DATUM(result);
	}
	err = *dyn_call_error(holder->call);
	awstore_release_call(holder);
	if (err.kind == DYN_ERR_SERVICE && aw_tolerated(tolerate, err.type))
		PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in,
											CStringGetDatum(psprintf("{\"__type\": %s, \"message\": %s}",
																	 awstore_json_string(err.type),
																	 awstore_json_string(err.message)))));
	awstore_report_error(&err, action, NULL);
	PG_RETURN_NULL();			/* not reached */
}

/* What dynamodb_item_row works out once per call site. */
typedef struct AwItemRowCache
{
	Oid			typid;
	uint64		tupdesc_id;		/* the typcache's: changes with the table */
	TupleDesc	tupdesc;
	AwColumns  *columns;
	TupleTableSlot *slot;
	char	   *table;			/* for messages: the DynamoDB table or relation */
	char	   *partition_key;
	char	   *sort_key;
	bool		key_types_set;
} AwItemRowCache;

/*
 * The key attributes an item's Keys object names (at most two), with
 * their types: they are the table's key, whose types DynamoDB enforces.
 */
static void
aw_key_types(AwItemRowCache *cache, Jsonb *keys)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *names[2] = {NULL, NULL};
	DynType		types[2] = {DYN_T_INVALID, DYN_T_INVALID};
	int			n = 0;
	int			depth = 0;

	if (!JB_ROOT_IS_OBJECT(keys))
		return;
	it = JsonbIteratorInit(&keys->root);
	while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		if (tok == WJB_BEGIN_OBJECT)
			depth++;
		else if (tok == WJB_END_OBJECT)
			depth--;
		else if (tok == WJB_KEY && depth == 1 && n < 2)
			names[n++] = pnstrdup(v.val.string.val, v.val.string.len);
		else if (tok == WJB_KEY && depth == 2 && n > 0 && types[n - 1] == DYN_T_INVALID)
			types[n - 1] = dyn_type_from_name_len(v.val.string.val, v.val.string.len);
	}
	if (n == 0)
		return;
	awstore_columns_use_key_types(cache->columns, names[0], types[0],
								  n > 1 ? names[1] : "", n > 1 ? types[1] : DYN_T_INVALID);
	if (cache->partition_key == NULL)
	{
		cache->partition_key = names[0];
		cache->sort_key = n > 1 ? names[1] : NULL;
	}
	cache->key_types_set = true;
}

static AwItemRowCache *
aw_item_row_cache(FunctionCallInfo fcinfo)
{
	Oid			typid = get_fn_expr_argtype(fcinfo->flinfo, 0);
	AwItemRowCache *cache = (AwItemRowCache *) fcinfo->flinfo->fn_extra;
	MemoryContext old;
	Oid			relid;
	Relation	rel;
	AclResult	aclresult;
	TypeCacheEntry *tc;

	relid = OidIsValid(typid) ? get_typ_typrelid(typid) : InvalidOid;
	/* the table altered since (even in this transaction): learn it again */
	tc = OidIsValid(relid) ? lookup_type_cache(typid, TYPECACHE_TUPDESC) : NULL;
	if (cache && cache->typid == typid && tc && cache->tupdesc_id == tc->tupDesc_identifier)
		return cache;
	if (cache)
	{
		ExecDropSingleTupleTableSlot(cache->slot);
		fcinfo->flinfo->fn_extra = cache = NULL;
	}
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("first argument of awstore.dynamodb_item_row must be a table's row type"),
				 errhint("Pass NULL::the_table.")));

	/* as reading the table would: it is opened, and locked, to learn it */
	aclresult = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, get_relkind_objtype(get_rel_relkind(relid)),
					   get_rel_name(relid));

	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	cache = palloc0(sizeof(AwItemRowCache));
	cache->typid = typid;
	cache->tupdesc_id = tc->tupDesc_identifier;
	rel = table_open(relid, AccessShareLock);
	cache->tupdesc = CreateTupleDescCopy(RelationGetDescr(rel));
	cache->columns = awstore_get_columns(rel);
	cache->table = pstrdup(RelationGetRelationName(rel));
	if (rel->rd_rel->relkind == RELKIND_FOREIGN_TABLE)
	{
		AwOptions	opts;

		memset(&opts, 0, sizeof(opts));
		awstore_table_options(relid, &opts);
		if (opts.table_name)
			cache->table = pstrdup(opts.table_name);
		if (opts.partition_key)
		{
			cache->partition_key = pstrdup(opts.partition_key);
			cache->sort_key = opts.sort_key ? pstrdup(opts.sort_key) : NULL;
		}
	}
	table_close(rel, NoLock);	/* locked until the transaction ends */
	cache->slot = MakeSingleTupleTableSlot(cache->tupdesc, &TTSOpsVirtual);
	fcinfo->flinfo->fn_extra = cache;
	MemoryContextSwitchTo(old);
	return cache;
}

/*
 * awstore.dynamodb_item_row(row_type anyelement, item jsonb, keys jsonb
 * DEFAULT NULL) RETURNS anyelement.  keys, a stream record's Keys, tells
 * the key attributes and their types (a text column holding an N key
 * reads it, as a scan of the table would once it knows the key).
 */
Datum
awstore_dynamodb_item_row(PG_FUNCTION_ARGS)
{
	AwItemRowCache *cache;
	Jsonb	   *item;
	char	   *json;
	DynRaw		raw;
	AwConvertContext ctx;
	HeapTuple	tuple;

	if (PG_ARGISNULL(1))
		PG_RETURN_NULL();
	cache = aw_item_row_cache(fcinfo);
	item = PG_GETARG_JSONB_P(1);
	if (!JB_ROOT_IS_OBJECT(item) || JB_ROOT_IS_SCALAR(item))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("an item in DynamoDB JSON must be a JSON object")));
	if (!cache->key_types_set && !PG_ARGISNULL(2))
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		aw_key_types(cache, PG_GETARG_JSONB_P(2));
		MemoryContextSwitchTo(old);
	}

	json = JsonbToCString(NULL, &item->root, VARSIZE(item));
	memset(&raw, 0, sizeof(raw));
	raw.p = json;
	raw.len = strlen(json);
	memset(&ctx, 0, sizeof(ctx));
	ctx.table = cache->table;
	ctx.partition_key = cache->partition_key;
	ctx.sort_key = cache->sort_key;

	ExecClearTuple(cache->slot);
	awstore_fill_slot(cache->slot, cache->columns, NIL, &raw, &ctx);
	tuple = heap_form_tuple(cache->tupdesc, cache->slot->tts_values, cache->slot->tts_isnull);
	PG_RETURN_DATUM(HeapTupleHeaderGetDatum(tuple->t_data));
}
