/*-------------------------------------------------------------------------
 *
 * import.c
 *		IMPORT FOREIGN SCHEMA dynamodb FROM SERVER s INTO local_schema.
 *
 * Every DynamoDB table the server's credentials can list (ListTables,
 * paginated) becomes a foreign table: its key attributes as typed columns
 * (S → text, N → numeric, B → bytea), with option sample_size the
 * attributes seen in that many items (a Scan) as typed columns too, and a
 * jsonb column "document" holding the whole item.  The document column is
 * document 'dynamodb' by default: typed JSON keeps every type through a
 * read and a write, where plain JSON turns sets into lists and binaries
 * into strings (and so cannot be updated).
 *
 * Options: table_prefix (prepended to the local table names), sample_size
 * (items to sample, default 0), document ('dynamodb', 'plain' or 'none':
 * the document column's form, or none).  LIMIT TO and EXCEPT name the foreign
 * tables to create, prefix included, as PostgreSQL compares them with the
 * names of the tables created.  Every name is quoted, so any DynamoDB table
 * name is safe.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/defrem.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "fdw/fdw.h"

#define AW_MAX_SAMPLE 100000

/* An attribute seen in the sample. */
typedef struct AwSeen
{
	char	   *name;
	DynType		type;
	bool		mixed;			/* seen with several types */
} AwSeen;

static bool
aw_table_wanted(ImportForeignSchemaStmt *stmt, const char *local_name)
{
	ListCell   *lc;

	if (stmt->list_type == FDW_IMPORT_SCHEMA_ALL)
		return true;
	foreach(lc, stmt->table_list)
	{
		RangeVar   *rv = lfirst(lc);

		if (strcmp(rv->relname, local_name) == 0)
			return stmt->list_type == FDW_IMPORT_SCHEMA_LIMIT_TO;
	}
	return stmt->list_type == FDW_IMPORT_SCHEMA_EXCEPT;
}

static const char *
aw_key_sql_type(DynType type)
{
	switch (type)
	{
		case DYN_T_N:
			return "numeric";
		case DYN_T_B:
			return "bytea";
		default:
			return "text";
	}
}

static const char *
aw_sample_sql_type(AwSeen *seen)
{
	if (seen->mixed)
		return "jsonb";
	switch (seen->type)
	{
		case DYN_T_S:
			return "text";
		case DYN_T_N:
			return "numeric";
		case DYN_T_B:
			return "bytea";
		case DYN_T_BOOL:
			return "boolean";
		case DYN_T_SS:
			return "text[]";
		case DYN_T_NS:
			return "numeric[]";
		case DYN_T_BS:
			return "bytea[]";
		default:
			return "jsonb";
	}
}

/* What aw_sample_page gathers. */
typedef struct AwSampling
{
	DynReadRequest *req;
	int			sample_size;
	int			got;
	List	  **seen;
} AwSampling;

/* Records the attributes of a page's items (AwPageFn). */
static bool
aw_sample_page(DynValue *resp, void *arg)
{
	AwSampling *sm = arg;
	List	  **seen = sm->seen;
	DynValue   *items = dyn_get(resp, "Items");

	for (int i = 0; i < dyn_array_length(items); i++)
	{
		DynObjectIter it;
		const char *key;
		DynValue   *av;

		dyn_object_iter_init(dyn_array_get(items, i), &it);
		while (dyn_object_iter_next(&it, &key, &av))
		{
			DynValue   *inner;
			DynType		t = dyn_attr(av, &inner);
			ListCell   *lc;
			AwSeen	   *found = NULL;

			foreach(lc, *seen)
				if (strcmp(((AwSeen *) lfirst(lc))->name, key) == 0)
					found = lfirst(lc);
			if (t == DYN_T_NULL || t == DYN_T_INVALID)
				continue;
			if (found == NULL)
			{
				found = palloc0(sizeof(AwSeen));
				found->name = pstrdup(key);
				found->type = t;
				*seen = lappend(*seen, found);
			}
			else if (found->type != t)
				found->mixed = true;
		}
		sm->got++;
	}
	sm->req->limit = sm->sample_size - sm->got;
	return sm->got < sm->sample_size;
}

/* Records the attributes of sampled items. */
static void
aw_sample_attributes(DynClient *client, const char *table, int sample_size, List **seen)
{
	DynReadRequest req;
	AwSampling	sm;

	if (sample_size <= 0)
		return;
	memset(&req, 0, sizeof(req));
	req.table = table;
	req.limit = sample_size;
	sm.req = &req;
	sm.sample_size = sample_size;
	sm.got = 0;
	sm.seen = seen;
	awstore_scan_pages(client, &req, NULL, aw_sample_page, &sm);
}

static int
aw_compare_seen(const ListCell *a, const ListCell *b)
{
	return strcmp(((AwSeen *) lfirst(a))->name, ((AwSeen *) lfirst(b))->name);
}

/*
 * A column definition: the column is named after the attribute (cut to
 * NAMEDATALEN, with attribute_name then), of type sqltype.
 */
static void
aw_append_column(StringInfo buf, List **colnames, const char *attname,
				 const char *sqltype, const char *extra_options)
{
	char		colname[NAMEDATALEN];
	int			len = pg_mbcliplen(attname, strlen(attname), NAMEDATALEN - 1);
	bool		renamed;
	ListCell   *lc;

	memcpy(colname, attname, len);
	colname[len] = '\0';
	renamed = strcmp(colname, attname) != 0;
	/* two attributes cut to the same column name: skip the later */
	foreach(lc, *colnames)
		if (strcmp((char *) lfirst(lc), colname) == 0)
			return;
	*colnames = lappend(*colnames, pstrdup(colname));

	appendStringInfo(buf, "%s  %s %s", list_length(*colnames) > 1 ? ",\n" : "",
					 quote_identifier(colname), sqltype);
	if (renamed || extra_options)
	{
		appendStringInfoString(buf, " OPTIONS (");
		if (renamed)
			appendStringInfo(buf, "attribute_name %s", quote_literal_cstr(attname));
		if (extra_options)
			appendStringInfo(buf, "%s%s", renamed ? ", " : "", extra_options);
		appendStringInfoChar(buf, ')');
	}
}

List *
awstoreImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	ForeignServer *server = GetForeignServer(serverOid);
	UserMapping *user = GetUserMapping(GetUserId(), serverOid);
	AwOptions	opts;
	DynClient  *client;
	const char *prefix = "";
	const char *document = "dynamodb";
	int			sample_size = 0;
	List	   *commands = NIL;
	ListCell   *lc;

	if (strcmp(stmt->remote_schema, "dynamodb") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_SCHEMA_NOT_FOUND),
				 errmsg("schema \"%s\" is not available on server \"%s\"",
						stmt->remote_schema, server->servername),
				 errhint("DynamoDB has no schemas: use IMPORT FOREIGN SCHEMA dynamodb.")));

	foreach(lc, stmt->options)
	{
		DefElem    *def = lfirst_node(DefElem, lc);

		if (strcmp(def->defname, "table_prefix") == 0)
			prefix = defGetString(def);
		else if (strcmp(def->defname, "sample_size") == 0)
		{
			char	   *end;
			long		n = strtol(defGetString(def), &end, 10);

			if (*end != '\0' || n < 0 || n > AW_MAX_SAMPLE)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"sample_size\": \"%s\"",
								defGetString(def)),
						 errhint("Give an integer from 0 to %d.", AW_MAX_SAMPLE)));
			sample_size = (int) n;
		}
		else if (strcmp(def->defname, "document") == 0)
		{
			document = defGetString(def);
			if (strcmp(document, "dynamodb") != 0 && strcmp(document, "plain") != 0 &&
				strcmp(document, "none") != 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"document\": \"%s\"", document),
						 errhint("Give 'dynamodb' (typed JSON, the default), 'plain' (plain JSON, which cannot be updated) or 'none'.")));
		}
		else
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("invalid option \"%s\"", def->defname),
					 errhint("Valid options in this context are: table_prefix, sample_size, document.")));
	}

	awstore_server_options(server, &opts);
	client = awstore_get_client(server, user, &opts);

	foreach(lc, awstore_list_tables(client))
	{
		const char *table = lfirst(lc);
		char	   *local = psprintf("%s%s", prefix, table);
		AwTableInfo *info;
		StringInfoData sql;
		List	   *colnames = NIL;
		List	   *seen = NIL;
		ListCell   *lc2;
		const char *doc = "document";

		if (!aw_table_wanted(stmt, local))
			continue;
		info = awstore_describe(user, client, table, true);
		if (info == NULL)
			continue;			/* deleted since ListTables */

		initStringInfo(&sql);
		appendStringInfo(&sql, "CREATE FOREIGN TABLE %s (\n", quote_identifier(local));
		aw_append_column(&sql, &colnames, info->partition_key,
						 aw_key_sql_type(info->partition_type), NULL);
		if (info->sort_key)
			aw_append_column(&sql, &colnames, info->sort_key,
							 aw_key_sql_type(info->sort_type), NULL);
		if (sample_size > 0)
		{
			aw_sample_attributes(client, table, sample_size, &seen);
			list_sort(seen, aw_compare_seen);
			foreach(lc2, seen)
			{
				AwSeen	   *a = lfirst(lc2);

				if (strcmp(a->name, info->partition_key) == 0 ||
					(info->sort_key && strcmp(a->name, info->sort_key) == 0))
					continue;
				aw_append_column(&sql, &colnames, a->name, aw_sample_sql_type(a),
								 (!a->mixed && (a->type == DYN_T_M || a->type == DYN_T_L)) ?
								 psprintf("attribute_type '%s'", dyn_type_name(a->type)) : NULL);
			}
		}
		/* the whole item, under a name no attribute column took */
		if (strcmp(document, "none") != 0)
		{
			foreach(lc2, colnames)
				if (strcmp((char *) lfirst(lc2), doc) == 0)
					doc = "_document";
			aw_append_column(&sql, &colnames, doc, "jsonb",
							 psprintf("document %s", quote_literal_cstr(document)));
		}

		appendStringInfo(&sql, "\n) SERVER %s OPTIONS (table_name %s, partition_key %s",
						 quote_identifier(server->servername),
						 quote_literal_cstr(table), quote_literal_cstr(info->partition_key));
		if (info->sort_key)
			appendStringInfo(&sql, ", sort_key %s", quote_literal_cstr(info->sort_key));
		appendStringInfoString(&sql, ")");
		commands = lappend(commands, sql.data);
	}
	return commands;
}
