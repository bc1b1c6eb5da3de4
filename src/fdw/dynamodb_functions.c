/*-------------------------------------------------------------------------
 *
 * dynamodb_functions.c
 *		The dynamodb_* SQL functions: managing DynamoDB tables from SQL.
 *
 * Thin wrappers, one per DynamoDB action: ListTables, DescribeTable,
 * CreateTable (waiting until the table and its indexes are ACTIVE),
 * DeleteTable (waiting until it is gone), UpdateTimeToLive and UpdateTable
 * turning a stream on (waiting until it is enabled); and
 * dynamodb_whoami, STS GetCallerIdentity with the credentials a server's
 * requests are signed with (no secret in its answer).  Each uses
 * the calling role's user mapping for the named awstore_dynamodb server,
 * and, like a foreign table, needs USAGE on that server.  They are revoked
 * from PUBLIC: a superuser grants them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "foreign/foreign.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "fdw/fdw.h"

#define AW_TABLE_WAIT_SECONDS 300
#define AW_TABLE_POLL_MS 200

PG_FUNCTION_INFO_V1(awstore_dynamodb_list_tables);
PG_FUNCTION_INFO_V1(awstore_dynamodb_describe_table);
PG_FUNCTION_INFO_V1(awstore_dynamodb_create_table);
PG_FUNCTION_INFO_V1(awstore_dynamodb_delete_table);
PG_FUNCTION_INFO_V1(awstore_dynamodb_enable_ttl);
PG_FUNCTION_INFO_V1(awstore_dynamodb_enable_stream);
PG_FUNCTION_INFO_V1(awstore_dynamodb_whoami);

/*
 * The server of this wrapper, after the privilege check, and the calling
 * role's user mapping and the server's options.
 */
static ForeignServer *
aw_admin_server(Name servername, UserMapping **user, AwOptions *opts)
{
	ForeignServer *server = GetForeignServerByName(NameStr(*servername), false);
	ForeignDataWrapper *fdw = GetForeignDataWrapper(server->fdwid);
	AclResult	aclresult;

	if (strcmp(fdw->fdwname, "awstore_dynamodb") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("server \"%s\" is not an awstore_dynamodb server", server->servername)));
	/* as for a foreign table: the server is used only by roles it allows */
	aclresult = pg_foreign_server_aclcheck(server->serverid, GetUserId(), ACL_USAGE);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_FOREIGN_SERVER, server->servername);
	*user = GetUserMapping(GetUserId(), server->serverid);
	awstore_server_options(server, opts);
	return server;
}

/* The client of the calling role for a server of this wrapper. */
static DynClient *
aw_admin_client(Name servername, ForeignServer **server_out)
{
	UserMapping *user;
	AwOptions	opts;
	ForeignServer *server = aw_admin_server(servername, &user, &opts);

	if (server_out)
		*server_out = server;
	return awstore_get_client(server, user, &opts);
}

static Datum
aw_jsonb_of(DynValue *v)
{
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(v ? awstore_value_json(v) : "null"));
}

/*
 * Runs CreateTable or DeleteTable.  A request sent more than once (its
 * answer lost) may meet the effect of its own first attempt: a table that
 * "already exists" (CreateTable) or is "not found" or being deleted
 * (DeleteTable).  Then, when DescribeTable shows the table in the state the
 * first attempt leaves it (wanted_status: any status when "", none when
 * NULL), that is success, not an error.
 */
static AwCallHolder *aw_describe_raw(DynClient *client, const char *table);

static void
aw_admin_change(DynClient *client, const char *action, char *body, size_t len,
				const char *table, const char *wanted_status)
{
	AwCallHolder *holder = awstore_start_call(client, action, body, len,
											  CurrentMemoryContext);
	DynCall    *call = holder->call;
	DynError	err;
	bool		resent;

	awstore_wait_for(client, call);
	if (dyn_call_ok(call))
	{
		awstore_release_call(holder);
		return;
	}
	err = *dyn_call_error(call);
	resent = dyn_call_stats(call)->retries > 0;
	awstore_release_call(holder);
	if (resent && err.kind == DYN_ERR_SERVICE &&
		(strcmp(err.type, "ResourceInUseException") == 0 ||
		 strcmp(err.type, "ResourceNotFoundException") == 0))
	{
		AwCallHolder *desc = aw_describe_raw(client, table);
		DynValue   *t = desc ? dyn_get(dyn_call_response(desc->call), "Table") : NULL;
		const char *status = t ? dyn_string(dyn_get(t, "TableStatus"), NULL) : NULL;
		bool		ours;

		if (wanted_status == NULL)
			ours = t == NULL;
		else
			ours = t != NULL && (wanted_status[0] == '\0' ||
								 (status && strcmp(status, wanted_status) == 0));
		if (wanted_status && strcmp(wanted_status, "DELETING") == 0 && t == NULL)
			ours = true;		/* deleted already */
		if (desc)
			awstore_release_call(desc);
		if (ours)
			return;
	}
	awstore_report_error(&err, action, table);
}

/* DescribeTable's Table object, or NULL when the table does not exist. */
static AwCallHolder *
aw_describe_raw(DynClient *client, const char *table)
{
	size_t		len;
	char	   *body = dyn_body_describe_table(table, &len);

	return awstore_call_tolerating(client, "DescribeTable", body, len, table,
								   "ResourceNotFoundException");
}

Datum
awstore_dynamodb_list_tables(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	DynClient  *client;
	MemoryContext old;
	TupleDesc	tupdesc;
	ListCell   *lc;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	client = aw_admin_client(PG_GETARG_NAME(0), NULL);
	old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	tupdesc = CreateTemplateTupleDesc(1);
	TupleDescInitEntry(tupdesc, (AttrNumber) 1, "table_name", TEXTOID, -1, 0);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->setDesc = tupdesc;
	MemoryContextSwitchTo(old);
	foreach(lc, awstore_list_tables(client))
	{
		Datum		value = CStringGetTextDatum(lfirst(lc));
		bool		isnull = false;

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
	}
	return (Datum) 0;
}

/* A name argument: not NULL (for non-strict functions), not empty. */
static char *
aw_name_arg(FunctionCallInfo fcinfo, int arg, const char *what)
{
	char	   *s;

	if (PG_ARGISNULL(arg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", what)));
	s = text_to_cstring(PG_GETARG_TEXT_PP(arg));
	if (s[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be empty", what)));
	return s;
}

Datum
awstore_dynamodb_describe_table(PG_FUNCTION_ARGS)
{
	DynClient  *client = aw_admin_client(PG_GETARG_NAME(0), NULL);
	char	   *table = aw_name_arg(fcinfo, 1, "table_name");
	size_t		len;
	char	   *body = dyn_body_describe_table(table, &len);
	AwCallHolder *call = awstore_call(client, "DescribeTable", body, len, table);
	Datum		result = aw_jsonb_of(dyn_get(dyn_call_response(call->call), "Table"));

	awstore_release_call(call);
	PG_RETURN_DATUM(result);
}

static const char *
aw_key_type_arg(FunctionCallInfo fcinfo, int arg, const char *what)
{
	const char *t = PG_ARGISNULL(arg) ? "S" : text_to_cstring(PG_GETARG_TEXT_PP(arg));

	if (strcmp(t, "S") != 0 && strcmp(t, "N") != 0 && strcmp(t, "B") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s type \"%s\"", what, t),
				 errhint("Key attributes are of type S, N or B.")));
	return t;
}

/* Adds an AttributeDefinition unless the attribute already has one. */
static void
aw_add_definition(DynBuf *defs, List **seen, const char *name, const char *type)
{
	ListCell   *lc;

	foreach(lc, *seen)
		if (strcmp((char *) lfirst(lc), name) == 0)
			return;
	*seen = lappend(*seen, pstrdup(name));
	dynbuf_append_str(defs, list_length(*seen) > 1 ? ",{\"AttributeName\":" : "{\"AttributeName\":");
	dynbuf_append_json_string(defs, name, strlen(name));
	dynbuf_printf(defs, ",\"AttributeType\":\"%s\"}", type);
}

/* Copies a member of a JSON object, when present. */
static void
aw_copy_member(DynBuf *out, DynValue *obj, const char *name, bool *first)
{
	DynValue   *v = dyn_get(obj, name);

	if (v == NULL)
		return;
	dynbuf_append_str(out, *first ? "" : ",");
	*first = false;
	dynbuf_append_json_string(out, name, strlen(name));
	dynbuf_append_char(out, ':');
	dyn_to_json(v, out);
}

/*
 * The GlobalSecondaryIndexes of a CreateTable request from an array as
 * DescribeTable returns it: read-only members dropped, key attributes
 * typed (S unless an AttributeType is given beside the AttributeName) into
 * defs.  Returns NULL (a message in *problem) when the array is malformed.
 */
static char *
aw_gsi_request(DynValue *gsis, bool provisioned, DynBuf *defs, List **seen,
			   const char **problem)
{
	DynBuf		out;

	*problem = NULL;
	if (!dyn_is_array(gsis))
	{
		*problem = "global_indexes must be a JSON array of index descriptions";
		return NULL;
	}
	dynbuf_init(&out);
	dynbuf_append_char(&out, '[');
	for (int i = 0; i < dyn_array_length(gsis); i++)
	{
		DynValue   *ix = dyn_array_get(gsis, i);
		DynValue   *keys = dyn_get(ix, "KeySchema");
		bool		first = true;

		if (!dyn_is_object(ix) || dyn_string(dyn_get(ix, "IndexName"), NULL) == NULL ||
			dyn_array_length(keys) == 0)
		{
			*problem = "every index needs an IndexName and a KeySchema";
			dynbuf_free(&out);
			return NULL;
		}
		dynbuf_append_str(&out, i ? ",{" : "{");
		aw_copy_member(&out, ix, "IndexName", &first);
		dynbuf_append_str(&out, ",\"KeySchema\":[");
		for (int k = 0; k < dyn_array_length(keys); k++)
		{
			DynValue   *key = dyn_array_get(keys, k);
			const char *name = dyn_string(dyn_get(key, "AttributeName"), NULL);
			const char *ktype = dyn_string(dyn_get(key, "KeyType"), NULL);
			const char *atype = dyn_string(dyn_get(key, "AttributeType"), NULL);

			if (name == NULL || ktype == NULL)
			{
				*problem = "every KeySchema entry needs an AttributeName and a KeyType";
				dynbuf_free(&out);
				return NULL;
			}
			aw_add_definition(defs, seen, name, atype ? atype : "S");
			dynbuf_append_str(&out, k ? ",{\"AttributeName\":" : "{\"AttributeName\":");
			dynbuf_append_json_string(&out, name, strlen(name));
			dynbuf_append_str(&out, ",\"KeyType\":");
			dynbuf_append_json_string(&out, ktype, strlen(ktype));
			dynbuf_append_char(&out, '}');
		}
		dynbuf_append_char(&out, ']');
		if (dyn_get(ix, "Projection"))
		{
			DynValue   *proj = dyn_get(ix, "Projection");
			bool		pfirst = true;

			dynbuf_append_str(&out, ",\"Projection\":{");
			aw_copy_member(&out, proj, "ProjectionType", &pfirst);
			aw_copy_member(&out, proj, "NonKeyAttributes", &pfirst);
			dynbuf_append_char(&out, '}');
		}
		else
			dynbuf_append_str(&out, ",\"Projection\":{\"ProjectionType\":\"ALL\"}");
		if (provisioned)
		{
			DynValue   *pt = dyn_get(ix, "ProvisionedThroughput");
			long		r = pt ? dyn_integer(dyn_get(pt, "ReadCapacityUnits")) : 0;
			long		w = pt ? dyn_integer(dyn_get(pt, "WriteCapacityUnits")) : 0;

			dynbuf_printf(&out, ",\"ProvisionedThroughput\":{\"ReadCapacityUnits\":%ld,\"WriteCapacityUnits\":%ld}",
						  r > 0 ? r : 5, w > 0 ? w : 5);
		}
		dynbuf_append_char(&out, '}');
	}
	dynbuf_append_char(&out, ']');
	if (out.oom)
	{
		/* defs and the parsed array are the caller's to free: no error here */
		dynbuf_free(&out);
		*problem = "out of memory building the indexes";
		return NULL;
	}
	return awstore_dynbuf_pstrdup(&out);
}

/* Is the table, and every index of it, ACTIVE? */
static bool
aw_table_active(DynValue *table)
{
	const char *status = dyn_string(dyn_get(table, "TableStatus"), NULL);
	DynValue   *gsis = dyn_get(table, "GlobalSecondaryIndexes");

	if (status == NULL || strcmp(status, "ACTIVE") != 0)
		return false;
	for (int i = 0; i < dyn_array_length(gsis); i++)
	{
		const char *s = dyn_string(dyn_get(dyn_array_get(gsis, i), "IndexStatus"), NULL);

		if (s && strcmp(s, "ACTIVE") != 0)
			return false;
	}
	return true;
}

Datum
awstore_dynamodb_create_table(PG_FUNCTION_ARGS)
{
	DynClient  *client;
	char	   *table;
	char	   *pk;
	const char *pk_type;
	char	   *sk = NULL;
	const char *sk_type = NULL;
	const char *billing;
	bool		provisioned;
	DynBuf		defs;
	DynBuf		keys;
	List	   *seen = NIL;
	char	   *gsi = NULL;
	char	   *defs_json;
	char	   *keys_json;
	size_t		len;
	char	   *body;
	TimestampTz give_up;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("server must not be null")));
	table = aw_name_arg(fcinfo, 1, "table_name");
	pk = aw_name_arg(fcinfo, 2, "partition_key");
	client = aw_admin_client(PG_GETARG_NAME(0), NULL);
	pk_type = aw_key_type_arg(fcinfo, 3, "partition key");
	if (!PG_ARGISNULL(4))
	{
		sk = aw_name_arg(fcinfo, 4, "sort_key");
		sk_type = aw_key_type_arg(fcinfo, 5, "sort key");
	}
	billing = PG_ARGISNULL(7) ? "PAY_PER_REQUEST" : text_to_cstring(PG_GETARG_TEXT_PP(7));
	if (strcmp(billing, "PAY_PER_REQUEST") != 0 && strcmp(billing, "PROVISIONED") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid billing mode \"%s\"", billing),
				 errhint("Give PAY_PER_REQUEST or PROVISIONED (5 read and 5 write capacity units).")));
	provisioned = strcmp(billing, "PROVISIONED") == 0;

	dynbuf_init(&defs);
	dynbuf_append_char(&defs, '[');
	aw_add_definition(&defs, &seen, pk, pk_type);
	dynbuf_init(&keys);
	dynbuf_append_str(&keys, "[{\"AttributeName\":");
	dynbuf_append_json_string(&keys, pk, strlen(pk));
	dynbuf_append_str(&keys, ",\"KeyType\":\"HASH\"}");
	if (sk)
	{
		aw_add_definition(&defs, &seen, sk, sk_type);
		dynbuf_append_str(&keys, ",{\"AttributeName\":");
		dynbuf_append_json_string(&keys, sk, strlen(sk));
		dynbuf_append_str(&keys, ",\"KeyType\":\"RANGE\"}");
	}
	dynbuf_append_char(&keys, ']');
	if (!PG_ARGISNULL(6))
	{
		Jsonb	   *jb = PG_GETARG_JSONB_P(6);
		char	   *text = JsonbToCString(NULL, &jb->root, VARSIZE(jb));
		DynValue   *parsed = dyn_parse(text, strlen(text));
		const char *problem;

		gsi = parsed ? aw_gsi_request(parsed, provisioned, &defs, &seen, &problem) : NULL;
		if (parsed == NULL)
			problem = "global_indexes is not JSON";
		dyn_value_free(parsed);
		if (gsi == NULL)
		{
			dynbuf_free(&defs);
			dynbuf_free(&keys);
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid global_indexes"),
					 errdetail("%s.", problem)));
		}
	}
	dynbuf_append_char(&defs, ']');
	if (defs.oom || keys.oom)
	{
		dynbuf_free(&defs);
		dynbuf_free(&keys);
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	}
	defs_json = awstore_dynbuf_pstrdup(&defs);
	keys_json = awstore_dynbuf_pstrdup(&keys);

	body = dyn_body_create_table(table, defs_json, keys_json, gsi, billing,
								 provisioned ? "{\"ReadCapacityUnits\":5,\"WriteCapacityUnits\":5}" : NULL,
								 &len);
	/* a resend meeting the table its first attempt created is no error */
	aw_admin_change(client, "CreateTable", body, len, table, "");
	awstore_forget_descriptions();

	/* wait, bounded and interruptibly, until the table can be used */
	give_up = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), AW_TABLE_WAIT_SECONDS * 1000);
	for (;;)
	{
		AwCallHolder *desc = aw_describe_raw(client, table);
		DynValue   *t = desc ? dyn_get(dyn_call_response(desc->call), "Table") : NULL;

		if (t && aw_table_active(t))
		{
			Datum		result = aw_jsonb_of(t);

			awstore_release_call(desc);
			PG_RETURN_DATUM(result);
		}
		if (desc)
			awstore_release_call(desc);
		if (GetCurrentTimestamp() > give_up)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("DynamoDB table \"%s\" did not become ACTIVE within %d seconds",
							table, AW_TABLE_WAIT_SECONDS),
					 errhint("It is still being created; awstore.dynamodb_describe_table shows its status.")));
		awstore_pause(AW_TABLE_POLL_MS);
	}
}

Datum
awstore_dynamodb_delete_table(PG_FUNCTION_ARGS)
{
	DynClient  *client = aw_admin_client(PG_GETARG_NAME(0), NULL);
	char	   *table = aw_name_arg(fcinfo, 1, "table_name");
	size_t		len;
	char	   *body = dyn_body_delete_table(table, &len);
	TimestampTz give_up;

	/* a resend meeting the deletion its first attempt began is no error */
	aw_admin_change(client, "DeleteTable", body, len, table, "DELETING");
	awstore_forget_descriptions();
	give_up = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), AW_TABLE_WAIT_SECONDS * 1000);
	for (;;)
	{
		AwCallHolder *desc = aw_describe_raw(client, table);

		if (desc == NULL)
			PG_RETURN_VOID();	/* gone */
		awstore_release_call(desc);
		if (GetCurrentTimestamp() > give_up)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("DynamoDB table \"%s\" was still being deleted after %d seconds",
							table, AW_TABLE_WAIT_SECONDS)));
		awstore_pause(AW_TABLE_POLL_MS);
	}
}

/*
 * Is TTL on (ENABLED or ENABLING) for attribute of table, as
 * DescribeTimeToLive says?  False when it says otherwise or cannot say.
 */
static bool
aw_ttl_is_on(DynClient *client, const char *table, const char *attribute)
{
	size_t		len;
	char	   *body = dyn_body_describe_time_to_live(table, &len);
	AwCallHolder *holder = awstore_start_call(client, "DescribeTimeToLive", body, len,
											  CurrentMemoryContext);
	bool		on = false;

	awstore_wait_for(client, holder->call);
	if (dyn_call_ok(holder->call))
	{
		DynValue   *d = dyn_get(dyn_call_response(holder->call), "TimeToLiveDescription");
		const char *status = dyn_string(dyn_get(d, "TimeToLiveStatus"), NULL);
		const char *name = dyn_string(dyn_get(d, "AttributeName"), NULL);

		on = status && name && strcmp(name, attribute) == 0 &&
			(strcmp(status, "ENABLED") == 0 || strcmp(status, "ENABLING") == 0);
	}
	awstore_release_call(holder);
	return on;
}

/*
 * Enabling TTL is idempotent: DynamoDB refuses UpdateTimeToLive when TTL is
 * already on ("TimeToLive is already enabled"), which a second call meets,
 * and so does a request sent again after its answer was lost.  When
 * DescribeTimeToLive shows TTL on for the same attribute, that is success;
 * TTL on another attribute stays DynamoDB's error.
 */
Datum
awstore_dynamodb_enable_ttl(PG_FUNCTION_ARGS)
{
	DynClient  *client = aw_admin_client(PG_GETARG_NAME(0), NULL);
	char	   *table = aw_name_arg(fcinfo, 1, "table_name");
	char	   *attribute = aw_name_arg(fcinfo, 2, "attribute_name");
	size_t		len;
	char	   *body = dyn_body_update_time_to_live(table, attribute, true, &len);
	AwCallHolder *holder = awstore_start_call(client, "UpdateTimeToLive", body, len,
											  CurrentMemoryContext);
	DynError	err;
	Datum		result;

	awstore_wait_for(client, holder->call);
	if (dyn_call_ok(holder->call))
	{
		result = aw_jsonb_of(dyn_get(dyn_call_response(holder->call),
									 "TimeToLiveSpecification"));
		awstore_release_call(holder);
		PG_RETURN_DATUM(result);
	}
	err = *dyn_call_error(holder->call);
	awstore_release_call(holder);
	if (err.kind == DYN_ERR_SERVICE && strcmp(err.type, "ValidationException") == 0 &&
		aw_ttl_is_on(client, table, attribute))
		PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in,
											CStringGetDatum(psprintf("{\"Enabled\": true, \"AttributeName\": %s}",
																	 awstore_json_string(attribute)))));
	awstore_report_error(&err, "UpdateTimeToLive", table);
	PG_RETURN_NULL();			/* not reached */
}

/*
 * The table's stream as its description shows it: StreamEnabled,
 * StreamViewType, LatestStreamArn and LatestStreamLabel.  *enabled says
 * whether the stream is on and has an ARN, *view_type its view type.
 */
static char *
aw_stream_json(DynValue *table, bool *enabled, const char **view_type)
{
	DynValue   *spec = dyn_get(table, "StreamSpecification");
	DynValue   *on = dyn_get(spec, "StreamEnabled");
	const char *view = dyn_string(dyn_get(spec, "StreamViewType"), NULL);
	const char *arn = dyn_string(dyn_get(table, "LatestStreamArn"), NULL);
	const char *label = dyn_string(dyn_get(table, "LatestStreamLabel"), NULL);
	bool		is_on = on && dyn_boolean(on);

	*enabled = is_on && arn != NULL;
	*view_type = view;
	return psprintf("{\"StreamEnabled\": %s, \"StreamViewType\": %s, "
					"\"LatestStreamArn\": %s, \"LatestStreamLabel\": %s}",
					is_on ? "true" : "false",
					view ? awstore_json_string(view) : "null",
					arn ? awstore_json_string(arn) : "null",
					label ? awstore_json_string(label) : "null");
}

/*
 * awstore.dynamodb_enable_stream(server, table_name, view_type): UpdateTable
 * with a StreamSpecification, then waits (bounded, interruptibly) until
 * the table is ACTIVE with the stream enabled, and returns the stream.  A
 * stream already on with the same view type is success, with no request;
 * one with another view type is an error (DynamoDB cannot change it in
 * place: it would have to be turned off, which ends the stream).
 */
Datum
awstore_dynamodb_enable_stream(PG_FUNCTION_ARGS)
{
	DynClient  *client = aw_admin_client(PG_GETARG_NAME(0), NULL);
	char	   *table = aw_name_arg(fcinfo, 1, "table_name");
	char	   *view = aw_name_arg(fcinfo, 2, "view_type");
	static const char *const views[] = {"NEW_AND_OLD_IMAGES", "NEW_IMAGE", "OLD_IMAGE", "KEYS_ONLY"};
	bool		known = false;
	bool		sent = false;
	TimestampTz give_up;

	for (size_t i = 0; i < lengthof(views); i++)
		known = known || strcmp(view, views[i]) == 0;
	if (!known)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid view_type \"%s\"", view),
				 errhint("Give NEW_AND_OLD_IMAGES, NEW_IMAGE, OLD_IMAGE or KEYS_ONLY.")));

	give_up = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), AW_TABLE_WAIT_SECONDS * 1000);
	for (;;)
	{
		AwCallHolder *desc = aw_describe_raw(client, table);
		DynValue   *t = desc ? dyn_get(dyn_call_response(desc->call), "Table") : NULL;
		bool		enabled;
		const char *have;
		char	   *stream;

		if (t == NULL)
		{
			if (desc)
				awstore_release_call(desc);
			ereport(ERROR,
					(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
					 errmsg("DynamoDB table \"%s\" does not exist", table)));
		}
		stream = aw_stream_json(t, &enabled, &have);
		if (enabled && have && strcmp(have, view) != 0)
		{
			char	   *have_copy = pstrdup(have);

			awstore_release_call(desc);
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("DynamoDB table \"%s\" already has a stream of view type %s",
							table, have_copy),
					 errdetail("DynamoDB cannot change the view type of a stream; turning it off ends the stream."),
					 errhint("Use the stream as it is, or turn it off and enable a new one with view type %s.",
							 view)));
		}
		if (enabled && aw_table_active(t))
		{
			Datum		result = DirectFunctionCall1(jsonb_in, CStringGetDatum(stream));

			awstore_release_call(desc);
			PG_RETURN_DATUM(result);
		}
		awstore_release_call(desc);
		if (!enabled && !sent)
		{
			size_t		len;
			char	   *body = dyn_body_update_table_stream(table, true, view, &len);

			/* a resend meeting its own first attempt: the loop sees it */
			aw_admin_change(client, "UpdateTable", body, len, table, "");
			awstore_forget_descriptions();
			sent = true;
			continue;
		}
		if (GetCurrentTimestamp() > give_up)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("the stream of DynamoDB table \"%s\" was not enabled within %d seconds",
							table, AW_TABLE_WAIT_SECONDS),
					 errhint("awstore.dynamodb_describe_table shows the table's status and stream.")));
		awstore_pause(AW_TABLE_POLL_MS);
	}
}

/*
 * awstore.dynamodb_whoami(server name): who the credentials of the calling
 * role's user mapping belong to (STS GetCallerIdentity), where they come
 * from and when they expire.  The credentials are the ones the server's
 * requests are signed with now (renewed when due); no secret is returned.
 */
Datum
awstore_dynamodb_whoami(PG_FUNCTION_ARGS)
{
	UserMapping *user;
	AwOptions	opts;
	ForeignServer *server = aw_admin_server(PG_GETARG_NAME(0), &user, &opts);
	AwCredState *st = awstore_get_credentials(server, user, &opts);
	AwsCredentials creds;
	AwsContext	ctx;
	AwsIdentity id;
	AwsStatus	status;
	char		msg[1024];
	char		source[sizeof(creds.source)];
	char		account[64];
	char		arn[2048];		/* IAM's limit for an ARN */
	long long	expiration;
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	awstore_cred_get(st, server->servername, &creds);
	awstore_cred_context(st, &ctx);
	status = aws_get_caller_identity(&ctx, &creds, &id, msg, sizeof(msg));
	/* the malloc'd credentials and identity go before anything can raise */
	strlcpy(source, creds.source, sizeof(source));
	expiration = creds.expiration;
	aws_credentials_clear(&creds);
	if (status == AWS_OK)
	{
		strlcpy(account, id.account ? id.account : "", sizeof(account));
		if (id.arn)
			strlcpy(arn, id.arn, sizeof(arn));
		nulls[1] = id.arn == NULL;
		aws_identity_clear(&id);
	}
	if (status == AWS_ABORTED)
		awstore_raise_canceled();
	if (status != AWS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
				 errmsg("could not ask STS who the credentials of server \"%s\" belong to",
						server->servername),
				 errdetail_internal("%s", msg)));
	values[0] = CStringGetTextDatum(account);
	if (!nulls[1])
		values[1] = CStringGetTextDatum(arn);
	values[2] = CStringGetTextDatum(source);
	if (expiration > 0)
		values[3] = TimestampTzGetDatum(time_t_to_timestamptz((pg_time_t) expiration));
	else
		nulls[3] = true;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc),
													  values, nulls)));
}
