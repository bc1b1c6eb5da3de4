/*-------------------------------------------------------------------------
 *
 * as_owner.c
 *		Run a statement on a table as the table's owner.
 *
 * awstore's maintenance (the TTL purge, the orphan purge, the TTL status
 * view) reads and deletes rows of tables that an application role owns,
 * usually while a more privileged role runs it: pg_cron as the superuser
 * who scheduled it, or a monitoring role through a SECURITY DEFINER
 * function.  Whatever the table's owner attached to it (triggers, rules,
 * index expressions, policies, a table turned into a view) would then run
 * with the caller's privileges.  PostgreSQL's own maintenance (VACUUM,
 * ANALYZE, REFRESH MATERIALIZED VIEW) avoids that by switching to the
 * table's owner under SECURITY_RESTRICTED_OPERATION; this file does the
 * same for awstore's statements.
 *
 * The switch only ever lowers privileges: the caller must already have the
 * privileges of the owner (a superuser has those of every role), so a
 * caller can never run anything it could not run after SET ROLE.  The
 * relation must be a plain table, so a table that was turned into a view
 * is refused rather than read.  search_path is pg_catalog, pg_temp for the
 * statement, which must therefore qualify every name it uses.
 *
 * Errors are not caught here: an error aborts the caller's transaction or
 * subtransaction, which restores the user id, the security context and
 * the GUC nesting level on its own.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(awstore_run_as_owner);

/*
 * The owner of a plain table; an error when the relation does not exist,
 * is not a plain table, or when the current user lacks the owner's
 * privileges.
 */
static Oid
as_owner_of(Oid relid)
{
	HeapTuple	tuple;
	Form_pg_class form;
	Oid			owner;
	char		relkind;

	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tuple))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	form = (Form_pg_class) GETSTRUCT(tuple);
	owner = form->relowner;
	relkind = form->relkind;
	ReleaseSysCache(tuple);

	if (relkind != RELKIND_RELATION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table", get_rel_name(relid)),
				 errdetail("awstore runs its maintenance statements on plain tables only.")));
	if (!has_privs_of_role(GetUserId(), owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must have the privileges of role \"%s\" to run awstore maintenance on table \"%s\"",
						GetUserNameFromId(owner, false), get_rel_name(relid)),
				 errdetail("awstore runs statements on a table as the table's owner.")));
	return owner;
}

/*
 * awstore.run_as_owner(tbl regclass, statement text, args text[])
 *		RETURNS SETOF text[]
 *
 * Runs statement, with args as its text parameters $1, $2 …, as the owner
 * of tbl under SECURITY_RESTRICTED_OPERATION, and returns the rows it
 * returns, each as an array of its columns' text.
 */
Datum
awstore_run_as_owner(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			relid;
	char	   *statement;
	int			nargs = 0;
	Oid		   *argtypes = NULL;
	Datum	   *values = NULL;
	char	   *nulls = NULL;
	Oid			owner;
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
	int			ret;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("table and statement must not be null")));
	relid = PG_GETARG_OID(0);
	statement = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (!PG_ARGISNULL(2))
	{
		ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(2);
		Datum	   *elems;
		bool	   *elem_nulls;

		if (ARR_NDIM(arr) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("statement arguments must be a one-dimensional array")));
		deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, &elem_nulls, &nargs);
		argtypes = palloc(sizeof(Oid) * Max(nargs, 1));
		values = palloc(sizeof(Datum) * Max(nargs, 1));
		nulls = palloc(sizeof(char) * Max(nargs, 1));
		for (int i = 0; i < nargs; i++)
		{
			argtypes[i] = TEXTOID;
			values[i] = elems[i];
			nulls[i] = elem_nulls[i] ? 'n' : ' ';
		}
	}

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	owner = as_owner_of(relid);

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner, save_sec_context |
						   SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args(statement, nargs, argtypes, values, nulls, false, 0);
	if (ret < 0)
		elog(ERROR, "could not run an awstore maintenance statement: %s",
			 SPI_result_code_string(ret));
	if (SPI_tuptable != NULL)
	{
		TupleDesc	desc = SPI_tuptable->tupdesc;
		int			ncols = desc->natts;
		Datum	   *cols = palloc(sizeof(Datum) * Max(ncols, 1));
		bool	   *colnulls = palloc(sizeof(bool) * Max(ncols, 1));
		int			dims[1] = {ncols};
		int			lbs[1] = {1};

		for (uint64 row = 0; row < SPI_processed; row++)
		{
			HeapTuple	tuple = SPI_tuptable->vals[row];
			Datum		result;
			bool		result_null = false;

			for (int c = 0; c < ncols; c++)
			{
				char	   *text = SPI_getvalue(tuple, desc, c + 1);

				colnulls[c] = (text == NULL);
				cols[c] = text ? CStringGetTextDatum(text) : (Datum) 0;
			}
			result = PointerGetDatum(construct_md_array(cols, colnulls, 1, dims, lbs,
														TEXTOID, -1, false, TYPALIGN_INT));
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &result, &result_null);
		}
	}
	SPI_finish();

	AtEOXact_GUC(false, save_nestlevel);
	SetUserIdAndSecContext(save_userid, save_sec_context);
	return (Datum) 0;
}
