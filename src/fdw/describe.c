/*-------------------------------------------------------------------------
 *
 * describe.c
 *		What DescribeTable says about a DynamoDB table, cached per backend,
 *		and the list of tables (ListTables).
 *
 * The planner needs a table's key schema (to turn quals into Query or
 * GetItem), its secondary indexes, and its item count and size (for
 * costs).  DescribeTable is asked once per user mapping and table (two
 * users may have credentials that see different tables, or none) and the
 * answer kept for AW_DESCRIBE_TTL_SECONDS; a change of the foreign server
 * or of the user mapping forgets what was learnt through it (syscache
 * callbacks, as for the clients).  Key options of the foreign table
 * (partition_key, sort_key) take precedence over what DynamoDB says.
 *
 * Each description lives in its own memory context under
 * CacheMemoryContext, deleted when it is refreshed or forgotten; callers
 * get a copy in their current context, so an invalidation during planning
 * cannot pull the description from under them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_foreign_server.h"
#include "catalog/pg_user_mapping.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "fdw/fdw.h"

#define AW_DESCRIBE_TTL_SECONDS 300

typedef struct AwDescribeKey
{
	Oid			umid;			/* user mapping */
	char		table[256];
} AwDescribeKey;

typedef struct AwDescribeEntry
{
	AwDescribeKey key;
	MemoryContext cxt;			/* holds info alone */
	AwTableInfo *info;
	TimestampTz fetched_at;
	uint32		server_hashvalue;
	uint32		mapping_hashvalue;
} AwDescribeEntry;

static HTAB *aw_describe_cache = NULL;
static MemoryContext aw_describe_cxt = NULL;

/* Forgets the descriptions of a server or mapping (hashvalue 0: all). */
static void
aw_forget(int cacheid, uint32 hashvalue)
{
	HASH_SEQ_STATUS scan;
	AwDescribeEntry *entry;

	if (aw_describe_cache == NULL)
		return;
	hash_seq_init(&scan, aw_describe_cache);
	while ((entry = hash_seq_search(&scan)) != NULL)
	{
		if (hashvalue == 0 ||
			(cacheid == FOREIGNSERVEROID && entry->server_hashvalue == hashvalue) ||
			(cacheid == USERMAPPINGOID && entry->mapping_hashvalue == hashvalue))
		{
			MemoryContextDelete(entry->cxt);
			/* removing the current element keeps the scan valid */
			(void) hash_search(aw_describe_cache, &entry->key, HASH_REMOVE, NULL);
		}
	}
}

static void
aw_describe_invalidate(Datum arg, int cacheid, uint32 hashvalue)
{
	(void) arg;
	aw_forget(cacheid, hashvalue);
}

void
awstore_forget_descriptions(void)
{
	aw_forget(InvalidOid, 0);
}

static DynType
aw_attribute_definition(DynValue *table, const char *name)
{
	DynValue   *defs = dyn_get(table, "AttributeDefinitions");

	for (int i = 0; i < dyn_array_length(defs); i++)
	{
		DynValue   *def = dyn_array_get(defs, i);
		const char *n = dyn_string(dyn_get(def, "AttributeName"), NULL);
		const char *t = dyn_string(dyn_get(def, "AttributeType"), NULL);

		if (n && t && strcmp(n, name) == 0)
			return dyn_type_from_name(t);
	}
	return DYN_T_S;
}

/* Reads a KeySchema into partition and sort key names and types. */
static void
aw_key_schema(DynValue *table, DynValue *schema, char **pk, DynType *pk_type,
			  char **sk, DynType *sk_type)
{
	*pk = NULL;
	*sk = NULL;
	*pk_type = DYN_T_S;
	*sk_type = DYN_T_S;
	for (int i = 0; i < dyn_array_length(schema); i++)
	{
		DynValue   *k = dyn_array_get(schema, i);
		const char *name = dyn_string(dyn_get(k, "AttributeName"), NULL);
		const char *type = dyn_string(dyn_get(k, "KeyType"), NULL);

		if (name == NULL || type == NULL)
			continue;
		if (strcmp(type, "HASH") == 0)
		{
			*pk = pstrdup(name);
			*pk_type = aw_attribute_definition(table, name);
		}
		else if (strcmp(type, "RANGE") == 0)
		{
			*sk = pstrdup(name);
			*sk_type = aw_attribute_definition(table, name);
		}
	}
}

/*
 * The provisioned capacity of a table or global index; 0 and 0 for one
 * billed on demand (DynamoDB then reports zeros, or no throughput).
 */
static void
aw_provisioned(DynValue *desc, double *read_units, double *write_units)
{
	DynValue   *pt = dyn_get(desc, "ProvisionedThroughput");
	const char *mode = dyn_string(dyn_get(dyn_get(desc, "BillingModeSummary"), "BillingMode"), NULL);

	*read_units = 0;
	*write_units = 0;
	if (pt == NULL || (mode && strcmp(mode, "PAY_PER_REQUEST") == 0))
		return;
	*read_units = (double) dyn_integer(dyn_get(pt, "ReadCapacityUnits"));
	*write_units = (double) dyn_integer(dyn_get(pt, "WriteCapacityUnits"));
}

static void
aw_read_indexes(AwTableInfo *info, DynValue *table, const char *member, bool global)
{
	DynValue   *list = dyn_get(table, member);

	for (int i = 0; i < dyn_array_length(list); i++)
	{
		DynValue   *ix = dyn_array_get(list, i);
		DynValue   *proj = dyn_get(ix, "Projection");
		const char *name = dyn_string(dyn_get(ix, "IndexName"), NULL);
		const char *ptype = dyn_string(dyn_get(proj, "ProjectionType"), NULL);
		const char *status = dyn_string(dyn_get(ix, "IndexStatus"), NULL);
		AwIndex    *index;

		if (name == NULL)
			continue;
		/* an index being built or deleted cannot be queried */
		if (status && strcmp(status, "ACTIVE") != 0)
			continue;
		index = palloc0(sizeof(AwIndex));
		index->name = pstrdup(name);
		index->global = global;
		if (global)
			aw_provisioned(ix, &index->read_units, &index->write_units);
		aw_key_schema(table, dyn_get(ix, "KeySchema"), &index->partition_key,
					  &index->partition_type, &index->sort_key, &index->sort_type);
		if (index->partition_key == NULL)
			continue;
		if (ptype == NULL || strcmp(ptype, "ALL") == 0)
			index->projection = AW_PROJ_ALL;
		else if (strcmp(ptype, "KEYS_ONLY") == 0)
			index->projection = AW_PROJ_KEYS_ONLY;
		else
		{
			DynValue   *nka = dyn_get(proj, "NonKeyAttributes");

			index->projection = AW_PROJ_INCLUDE;
			for (int j = 0; j < dyn_array_length(nka); j++)
			{
				const char *a = dyn_string(dyn_array_get(nka, j), NULL);

				if (a)
					index->included = lappend(index->included, makeString(pstrdup(a)));
			}
		}
		info->indexes = lappend(info->indexes, index);
	}
}

/*
 * Orders indexes narrowest projection first (KEYS_ONLY, INCLUDE, ALL), then
 * by name.  DynamoDB lists them in no documented order; the planner keeps
 * the first of paths that cost the same, so this makes the choice stable
 * and, among indexes that answer a query equally, reads the fewest bytes.
 */
static int
aw_index_order(const ListCell *a, const ListCell *b)
{
	const AwIndex *x = lfirst(a);
	const AwIndex *y = lfirst(b);
	int			rank_x = x->projection == AW_PROJ_KEYS_ONLY ? 0 : x->projection == AW_PROJ_INCLUDE ? 1 : 2;
	int			rank_y = y->projection == AW_PROJ_KEYS_ONLY ? 0 : y->projection == AW_PROJ_INCLUDE ? 1 : 2;

	if (rank_x != rank_y)
		return rank_x - rank_y;
	return strcmp(x->name, y->name);
}

static AwTableInfo *
aw_copy_info(const AwTableInfo *src)
{
	AwTableInfo *dst = palloc0(sizeof(AwTableInfo));
	ListCell   *lc;

	*dst = *src;
	dst->table_name = pstrdup(src->table_name);
	dst->partition_key = src->partition_key ? pstrdup(src->partition_key) : NULL;
	dst->sort_key = src->sort_key ? pstrdup(src->sort_key) : NULL;
	dst->indexes = NIL;
	foreach(lc, src->indexes)
	{
		AwIndex    *s = lfirst(lc);
		AwIndex    *d = palloc(sizeof(AwIndex));
		ListCell   *lc2;

		*d = *s;
		d->name = pstrdup(s->name);
		d->partition_key = pstrdup(s->partition_key);
		d->sort_key = s->sort_key ? pstrdup(s->sort_key) : NULL;
		d->included = NIL;
		foreach(lc2, s->included)
			d->included = lappend(d->included, makeString(pstrdup(strVal(lfirst(lc2)))));
		dst->indexes = lappend(dst->indexes, d);
	}
	return dst;
}

/*
 * Describes a DynamoDB table, as seen through a user mapping (cached).
 * client must be that mapping's.  With missing_ok, a table that does not
 * exist gives NULL instead of an error.  The result is the caller's.
 */
AwTableInfo *
awstore_describe(UserMapping *user, DynClient *client, const char *table, bool missing_ok)
{
	AwDescribeKey key;
	AwDescribeEntry *entry;
	bool		found;
	AwCallHolder *call;
	DynValue   *desc;
	AwTableInfo *info;
	MemoryContext cxt;
	MemoryContext old;
	size_t		len;
	char	   *body;

	if (aw_describe_cache == NULL)
	{
		HASHCTL		ctl;

		aw_describe_cxt = AllocSetContextCreate(CacheMemoryContext,
												"awstore table descriptions",
												ALLOCSET_SMALL_SIZES);
		ctl.keysize = sizeof(AwDescribeKey);
		ctl.entrysize = sizeof(AwDescribeEntry);
		ctl.hcxt = aw_describe_cxt;
		aw_describe_cache = hash_create("awstore table descriptions", 16, &ctl,
										HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		CacheRegisterSyscacheCallback(FOREIGNSERVEROID, aw_describe_invalidate, (Datum) 0);
		CacheRegisterSyscacheCallback(USERMAPPINGOID, aw_describe_invalidate, (Datum) 0);
	}

	memset(&key, 0, sizeof(key));
	key.umid = user->umid;
	strlcpy(key.table, table, sizeof(key.table));
	entry = hash_search(aw_describe_cache, &key, HASH_FIND, NULL);
	if (entry && !TimestampDifferenceExceeds(entry->fetched_at, GetCurrentTimestamp(),
											  AW_DESCRIBE_TTL_SECONDS * 1000))
		return aw_copy_info(entry->info);

	body = dyn_body_describe_table(table, &len);
	call = awstore_call_tolerating(client, "DescribeTable", body, len, table,
								   missing_ok ? "ResourceNotFoundException" : NULL);
	if (call == NULL)
		return NULL;

	desc = dyn_get(dyn_call_response(call->call), "Table");
	cxt = AllocSetContextCreate(aw_describe_cxt, "awstore table description",
								ALLOCSET_SMALL_SIZES);
	MemoryContextCopyAndSetIdentifier(cxt, table);
	old = MemoryContextSwitchTo(cxt);
	info = palloc0(sizeof(AwTableInfo));
	info->table_name = pstrdup(table);
	info->described = true;
	aw_key_schema(desc, dyn_get(desc, "KeySchema"), &info->partition_key,
				  &info->partition_type, &info->sort_key, &info->sort_type);
	info->item_count = (double) dyn_integer(dyn_get(desc, "ItemCount"));
	info->size_bytes = (double) dyn_integer(dyn_get(desc, "TableSizeBytes"));
	aw_provisioned(desc, &info->read_units, &info->write_units);
	aw_read_indexes(info, desc, "GlobalSecondaryIndexes", true);
	aw_read_indexes(info, desc, "LocalSecondaryIndexes", false);
	list_sort(info->indexes, aw_index_order);
	MemoryContextSwitchTo(old);
	awstore_release_call(call);

	if (info->partition_key == NULL)
	{
		MemoryContextDelete(cxt);
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("DescribeTable of \"%s\" did not return a key schema", table)));
	}

	/*
	 * Looked up again: an invalidation while DynamoDB answered may have
	 * removed the entry found above.
	 */
	entry = hash_search(aw_describe_cache, &key, HASH_ENTER, &found);
	if (found)
		MemoryContextDelete(entry->cxt);	/* the stale description */
	entry->cxt = cxt;
	entry->info = info;
	entry->fetched_at = GetCurrentTimestamp();
	entry->server_hashvalue = GetSysCacheHashValue1(FOREIGNSERVEROID,
													ObjectIdGetDatum(user->serverid));
	entry->mapping_hashvalue = GetSysCacheHashValue1(USERMAPPINGOID,
													 ObjectIdGetDatum(user->umid));
	return aw_copy_info(info);
}

/*
 * The description of a foreign table's DynamoDB table, with the table's
 * partition_key / sort_key options applied.
 */
AwTableInfo *
awstore_table_info(Relation rel, ForeignServer *server, UserMapping *user,
				   AwOptions *opts)
{
	DynClient  *client = awstore_get_client(server, user, opts);
	AwTableInfo *info = awstore_describe(user, client, opts->table_name, false);

	(void) rel;
	if (opts->partition_key && strcmp(opts->partition_key, info->partition_key) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("option partition_key \"%s\" does not match DynamoDB table \"%s\", whose partition key is \"%s\"",
						opts->partition_key, opts->table_name, info->partition_key)));
	if (opts->sort_key &&
		(info->sort_key == NULL || strcmp(opts->sort_key, info->sort_key) != 0))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("option sort_key \"%s\" does not match DynamoDB table \"%s\", whose sort key is %s",
						opts->sort_key, opts->table_name,
						info->sort_key ? quote_identifier(info->sort_key) : "absent")));
	return info;
}

/*
 * The options, columns and description of a foreign table's DynamoDB
 * table, as the user mapping of userid (InvalidOid: the current user)
 * sees it, the columns given the key's types.  Errors are reported.
 */
AwTableInfo *
awstore_relation_table_info(Relation rel, Oid userid, AwOptions *opts,
							AwColumns **cols)
{
	ForeignTable *table = GetForeignTable(RelationGetRelid(rel));
	ForeignServer *server = GetForeignServer(table->serverid);
	UserMapping *user = GetUserMapping(OidIsValid(userid) ? userid : GetUserId(),
									   server->serverid);
	AwTableInfo *t;

	awstore_server_options(server, opts);
	awstore_table_options(RelationGetRelid(rel), opts);
	*cols = awstore_get_columns(rel);
	t = awstore_table_info(rel, server, user, opts);
	awstore_columns_use_key_types(*cols, t->partition_key, t->partition_type,
								  t->sort_key, t->sort_type);
	return t;
}


/*
 * Every table name, following LastEvaluatedTableName: a List of palloc'd
 * strings (also awstore.dynamodb_list_tables).
 */
List *
awstore_list_tables(DynClient *client)
{
	List	   *names = NIL;
	char	   *start = NULL;

	do
	{
		size_t		len;
		char	   *body = dyn_body_list_tables(start, 100, &len);
		AwCallHolder *call = awstore_call(client, "ListTables", body, len, NULL);
		DynValue   *resp = dyn_call_response(call->call);
		DynValue   *list = dyn_get(resp, "TableNames");
		const char *last = dyn_string(dyn_get(resp, "LastEvaluatedTableName"), NULL);

		for (int i = 0; i < dyn_array_length(list); i++)
		{
			const char *name = dyn_string(dyn_array_get(list, i), NULL);

			if (name)
				names = lappend(names, pstrdup(name));
		}
		start = last ? pstrdup(last) : NULL;
		awstore_release_call(call);
		CHECK_FOR_INTERRUPTS();
	} while (start);
	return names;
}
