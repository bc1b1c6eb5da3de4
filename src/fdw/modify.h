/*-------------------------------------------------------------------------
 *
 * modify.h
 *		The state of a write to a foreign table, shared by the files that
 *		execute INSERT, UPDATE and DELETE.
 *
 * modify.c begins, ends and executes INSERT and DELETE; update.c executes
 * UPDATE; writerow.c holds what they share for writing one row (the
 * conditional request, the row's key, comparing an item with what was
 * sent).  Only these files include this header.
 *
 *-------------------------------------------------------------------------
 */
#ifndef AWSTORE_MODIFY_H
#define AWSTORE_MODIFY_H

#include "utils/tuplestore.h"

#include "fdw/fdw.h"

/* Indexes into the fdw_private list of a ModifyTable's foreign target. */
enum AwModifyPrivateIndex
{
	AwModTargetAttrs,			/* List of Integer: columns written */
	AwModOnConflict,			/* Integer: ON CONFLICT DO NOTHING */
	AwModReturning				/* Integer: RETURNING */
};

typedef struct AwModifyState
{
	CmdType		op;
	Relation	rel;
	AwColumns  *columns;
	AwOptions	opts;
	AwTableInfo *tinfo;
	DynClient  *client;
	AwItemShape shape;
	List	   *target_attrs;
	bool		on_conflict;	/* ON CONFLICT DO NOTHING */
	bool		returning;
	bool		sync;			/* one request per row */
	bool		document_set;	/* UPDATE sets a document column */
	AttrNumber	key_junk;		/* "awstore_key": the item's key as read */
	AwWriter   *writer;
	AwBudget   *budget;			/* the statement's write budget, or NULL */
	Tuplestorestate *deferred;	/* INSERT reading its own table: the items,
								 * written when the statement has read all */
	TupleDesc	deferred_desc;	/* (item, key JSON, key text, units) */
	MemoryContext cxt;			/* the state and the writer */
	MemoryContext temp_cxt;		/* one row */
	AwConvertContext conv;
	AwWriteStats stats;			/* of the per-row requests */
	long		rows;
} AwModifyState;

/* writerow.c */
extern DynCall *awstore_conditional_request(AwModifyState *m, const char *action,
											char *body, size_t len, double units,
											bool *resent);
extern char *awstore_key_names(AwModifyState *m);
extern char *awstore_target_row_key(AwModifyState *m, TupleTableSlot *planSlot,
									char **key_text, char **item_json);
extern TupleTableSlot *awstore_returned_row(AwModifyState *m, DynCall *call,
											TupleTableSlot *slot);
extern bool awstore_item_is_as_sent(DynValue *item, const char *sent_json,
									List *removed, bool whole);

#endif							/* AWSTORE_MODIFY_H */
