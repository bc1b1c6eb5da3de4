/*-------------------------------------------------------------------------
 *
 * keep_data.c
 *		DROP EXTENSION awstore keeps the application tables and their rows.
 *
 * The ActingWeb tables are extension members (so that pg_dump restores
 * them through CREATE EXTENSION and pg_extension_config_dump), and members
 * are dropped with their extension.  An event trigger at ddl_command_start
 * of DROP EXTENSION releases them first: each application table is taken
 * out of the extension with ALTER EXTENSION … DROP TABLE, which also
 * removes it from the extension's dump configuration.  The drop then
 * removes only awstore's own objects; the tables stay where they are, with
 * their rows, indexes and constraints, as ordinary tables, and a later
 * CREATE EXTENSION adopts them again.
 *
 * DROP OWNED BY drops what the named roles own.  When one of them owns
 * the extension but not the tables, the tables are released the same way
 * and stay.  When one of them owns an application table, the table would
 * be dropped as any table it owns, so the command is refused, naming the
 * table, with REASSIGN OWNED (the documented step before DROP OWNED) as the
 * remedy.  DROP SCHEMA of schema "awstore" is refused by PostgreSQL itself
 * (the extension requires it); DROP SCHEMA … CASCADE of the application
 * schema drops the tables in it, as the user asked.
 *
 * Only an event trigger written in C can see which extensions or roles a
 * statement names (the parse tree); a PL/pgSQL one sees only the tag.  If
 * the drop fails afterwards, the release is rolled back with it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_namespace.h"
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "awstore.h"

PG_FUNCTION_INFO_V1(awstore_keep_data_on_drop);

/* Does this DROP statement name the awstore extension? */
static bool
keep_data_drops_awstore(Node *parsetree)
{
	DropStmt   *stmt;
	ListCell   *lc;

	if (parsetree == NULL || !IsA(parsetree, DropStmt))
		return false;
	stmt = (DropStmt *) parsetree;
	if (stmt->removeType != OBJECT_EXTENSION)
		return false;
	foreach(lc, stmt->objects)
	{
		Node	   *name = lfirst(lc);

		if (IsA(name, String) && strcmp(strVal(name), AWSTORE_EXTENSION_NAME) == 0)
			return true;
	}
	return false;
}

/* The owner and the schema of the extension. */
static void
keep_data_extension_owner(Oid extoid, Oid *owner, Oid *schema)
{
	Datum		args[1] = {ObjectIdGetDatum(extoid)};
	Oid			argtypes[1] = {OIDOID};
	bool		isnull;

	*owner = *schema = InvalidOid;
	SPI_connect();
	if (SPI_execute_with_args("SELECT e.extowner, e.extnamespace FROM pg_catalog.pg_extension e"
							  " WHERE e.oid OPERATOR(pg_catalog.=) $1",
							  1, argtypes, args, NULL, true, 1) == SPI_OK_SELECT &&
		SPI_processed == 1)
	{
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			*owner = DatumGetObjectId(d);
		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
		if (!isnull)
			*schema = DatumGetObjectId(d);
	}
	SPI_finish();
}

/* The owner of a schema. */
static Oid
keep_data_schema_owner(Oid nspid)
{
	HeapTuple	tuple = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(nspid));
	Oid			owner = InvalidOid;

	if (HeapTupleIsValid(tuple))
	{
		owner = ((Form_pg_namespace) GETSTRUCT(tuple))->nspowner;
		ReleaseSysCache(tuple);
	}
	return owner;
}

/*
 * For DROP OWNED BY: refuse when a named role owns an application table;
 * return whether a named role owns the extension (whose drop would take
 * the tables with it).
 */
static bool
keep_data_drop_owned(DropOwnedStmt *stmt, Oid extoid)
{
	Oid			extowner;
	Oid			app_schema;
	bool		drops_extension = false;
	ListCell   *lc;

	keep_data_extension_owner(extoid, &extowner, &app_schema);
	foreach(lc, stmt->roles)
	{
		RoleSpec   *spec = lfirst(lc);
		Oid			roleid = get_rolespec_oid(spec, true);
		Datum		args[2];
		Oid			argtypes[2] = {OIDOID, OIDOID};
		char	   *table = NULL;

		if (!OidIsValid(roleid))
			continue;			/* DROP OWNED reports it */
		if (roleid == extowner)
			drops_extension = true;

		/* CASCADE from the application schema takes the tables with it */
		if (stmt->behavior == DROP_CASCADE && OidIsValid(app_schema) &&
			keep_data_schema_owner(app_schema) == roleid)
			ereport(ERROR,
					(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
					 errmsg("DROP OWNED BY %s CASCADE would drop schema \"%s\" with the application tables of extension \"%s\"",
							quote_identifier(GetUserNameFromId(roleid, false)),
							get_namespace_name(app_schema), AWSTORE_EXTENSION_NAME),
					 errhint("Give the schema to another role first: ALTER SCHEMA %s OWNER TO <role>, or REASSIGN OWNED BY %s TO <role>.",
							 quote_identifier(get_namespace_name(app_schema)),
							 quote_identifier(GetUserNameFromId(roleid, false)))));

		args[0] = ObjectIdGetDatum(extoid);
		args[1] = ObjectIdGetDatum(roleid);
		SPI_connect();
		if (SPI_execute_with_args("SELECT pg_catalog.format('%I.%I', n.nspname, c.relname)"
								  "  FROM pg_catalog.pg_extension e"
								  "  JOIN pg_catalog.pg_depend d"
								  "    ON d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass"
								  "   AND d.refobjid OPERATOR(pg_catalog.=) e.oid AND d.deptype OPERATOR(pg_catalog.=) 'e'"
								  "   AND d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"
								  "  JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) d.objid"
								  "  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace"
								  " WHERE e.oid OPERATOR(pg_catalog.=) $1 AND c.relkind OPERATOR(pg_catalog.=) 'r'"
								  "   AND c.relnamespace OPERATOR(pg_catalog.=) e.extnamespace"
								  "   AND c.relowner OPERATOR(pg_catalog.=) $2"
								  " ORDER BY c.relname LIMIT 1",
								  2, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not list the tables of extension \"%s\"", AWSTORE_EXTENSION_NAME);
		if (SPI_processed > 0)
			table = pstrdup(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
		SPI_finish();

		if (table)
			ereport(ERROR,
					(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
					 errmsg("DROP OWNED BY %s would drop the application tables of extension \"%s\"",
							quote_identifier(GetUserNameFromId(roleid, false)),
							AWSTORE_EXTENSION_NAME),
					 errdetail("Role \"%s\" owns table %s, which holds application data.",
							   GetUserNameFromId(roleid, false), table),
					 errhint("Give the tables to another role first: REASSIGN OWNED BY %s TO <role>. To remove the data, drop the tables themselves.",
							 quote_identifier(GetUserNameFromId(roleid, false)))));
	}
	return drops_extension;
}

/*
 * The work of the event trigger: for DROP EXTENSION awstore, or DROP OWNED
 * by the extension's owner, releases every member table of awstore that lives in the extension's own
 * schema (the application schema).  awstore's bookkeeping tables live in
 * schema "awstore" and are dropped with the extension as usual.
 */
static void
keep_data_release(EventTriggerData *trigdata)
{
	Oid			extoid;
	MemoryContext caller_cxt = CurrentMemoryContext;
	char	   *app_schema = NULL;
	StringInfoData names;
	uint64		ntables;
	Datum		args[1];
	Oid			argtypes[1] = {OIDOID};

	extoid = get_extension_oid(AWSTORE_EXTENSION_NAME, true);
	if (!OidIsValid(extoid))
		return;				/* DROP EXTENSION IF EXISTS of nothing */
	if (trigdata->parsetree && IsA(trigdata->parsetree, DropOwnedStmt))
	{
		if (!keep_data_drop_owned((DropOwnedStmt *) trigdata->parsetree, extoid))
			return;
	}
	else if (!keep_data_drops_awstore(trigdata->parsetree))
		return;

	initStringInfo(&names);
	args[0] = ObjectIdGetDatum(extoid);

	SPI_connect();
	if (SPI_execute_with_args("SELECT pg_catalog.format('%I.%I', n.nspname, c.relname), n.nspname"
							  "  FROM pg_catalog.pg_extension e"
							  "  JOIN pg_catalog.pg_depend d"
							  "    ON d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass"
							  "   AND d.refobjid OPERATOR(pg_catalog.=) e.oid AND d.deptype OPERATOR(pg_catalog.=) 'e'"
							  "   AND d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"
							  "  JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) d.objid"
							  "  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace"
							  " WHERE e.oid OPERATOR(pg_catalog.=) $1 AND c.relkind OPERATOR(pg_catalog.=) 'r'"
							  "   AND c.relnamespace OPERATOR(pg_catalog.=) e.extnamespace"
							  " ORDER BY c.relname",
							  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list the tables of extension \"%s\"", AWSTORE_EXTENSION_NAME);

	ntables = SPI_processed;
	if (ntables > 0)
	{
		SPITupleTable *tuptable = SPI_tuptable;
		char	  **tables = palloc(sizeof(char *) * ntables);

		/* Copy the names out before the next SPI call frees the result. */
		for (uint64 i = 0; i < ntables; i++)
			tables[i] = SPI_getvalue(tuptable->vals[i], tuptable->tupdesc, 1);
		app_schema = MemoryContextStrdup(caller_cxt,
										 SPI_getvalue(tuptable->vals[0], tuptable->tupdesc, 2));

		for (uint64 i = 0; i < ntables; i++)
		{
			char	   *sql = psprintf("ALTER EXTENSION %s DROP TABLE %s",
									   quote_identifier(AWSTORE_EXTENSION_NAME),
									   tables[i]);

			if (SPI_execute(sql, false, 0) != SPI_OK_UTILITY)
				elog(ERROR, "could not release table %s from extension \"%s\"",
					 tables[i], AWSTORE_EXTENSION_NAME);
			/* names lives in the caller's context, allocated before SPI */
			appendStringInfo(&names, "%s%s", i > 0 ? ", " : "", tables[i]);
		}
	}
	SPI_finish();

	if (ntables > 0)
		ereport(NOTICE,
				(errmsg("keeping %llu application tables of extension \"%s\" in schema \"%s\"",
						(unsigned long long) ntables, AWSTORE_EXTENSION_NAME,
						app_schema),
				 errdetail("Kept with their rows: %s.", names.data),
				 errhint("CREATE EXTENSION %s SCHEMA %s adopts them again; DROP TABLE removes them.",
						 AWSTORE_EXTENSION_NAME, quote_identifier(app_schema))));

}

/*
 * Event trigger function for ddl_command_start of DROP EXTENSION and DROP
 * OWNED (see keep_data_release).
 */
Datum
awstore_keep_data_on_drop(PG_FUNCTION_ARGS)
{
	int			save_nestlevel;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		elog(ERROR, "awstore_keep_data_on_drop: not fired by event trigger manager");

	/*
	 * Whoever drops runs this, with their search_path: every name of the
	 * statements it runs resolves in pg_catalog only (they qualify them
	 * too).  An error restores the setting with the transaction.
	 */
	save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	keep_data_release((EventTriggerData *) fcinfo->context);
	AtEOXact_GUC(true, save_nestlevel);
	PG_RETURN_VOID();
}
