/*-------------------------------------------------------------------------
 *
 * truncate.c
 *		TRUNCATE of foreign tables: every key read, then deleted in batches.
 *
 * DynamoDB has no TRUNCATE.  Each table's keys are read with a key-only
 * Scan, page after page (awstore_scan_pages), and deleted with
 * BatchWriteItem through the batch writer, one page's keys at a time, so
 * memory stays flat however large the table.  Like every write, what was
 * deleted stays deleted when the transaction rolls back.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "fdw/fdw.h"

/* What aw_truncate_page needs. */
typedef struct AwTruncate
{
	AwTableInfo *table;
	AwWriter   *writer;
	double		delete_units;	/* what deleting an item is thought to cost */
	MemoryContext page_cxt;		/* one page's keys and texts */
} AwTruncate;

/* Deletes the keys of one page (AwPageFn). */
static bool
aw_truncate_page(DynValue *resp, void *arg)
{
	AwTruncate *tr = arg;
	AwTableInfo *t = tr->table;
	MemoryContext old = MemoryContextSwitchTo(tr->page_cxt);
	DynValue   *items = dyn_get(resp, "Items");

	for (int i = 0; i < dyn_array_length(items); i++)
	{
		DynValue   *item = dyn_array_get(items, i);

		awstore_writer_delete(tr->writer, awstore_value_json(item), tr->delete_units,
							  awstore_item_key_text(item, t->partition_key, t->sort_key));
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(tr->page_cxt);
	return true;
}

/*
 * TRUNCATE: every key, read with a key-only Scan, deleted in batches.
 */
void
awstoreExecForeignTruncate(List *rels, DropBehavior behavior, bool restart_seqs)
{
	ListCell   *lc;

	(void) behavior;
	(void) restart_seqs;
	foreach(lc, rels)
	{
		Relation	rel = lfirst(lc);
		MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "awstore truncate",
												  ALLOCSET_DEFAULT_SIZES);
		MemoryContext old = MemoryContextSwitchTo(cxt);
		AwOptions	opts;
		AwColumns  *cols;
		AwTableInfo *t = awstore_relation_table_info(rel, InvalidOid, &opts, &cols);
		ForeignTable *table = GetForeignTable(RelationGetRelid(rel));
		ForeignServer *server = GetForeignServer(table->serverid);
		UserMapping *user = GetUserMapping(GetUserId(), server->serverid);
		DynClient  *client = awstore_get_client(server, user, &opts);
		AwTruncate	tr;
		DynReadRequest req;

		tr.table = t;
		tr.writer = awstore_writer_create(client, t->table_name, opts.batch_size,
										  opts.max_retries, cxt);
		/* TRUNCATE has budgets of its own: reading the keys, deleting */
		awstore_writer_set_budget(tr.writer,
								  awstore_budget(NULL, server->serverid, &opts, AW_BUDGET_WRITE,
												 user, client, t->table_name, NULL, 1.0));
		tr.delete_units = awstore_table_write_units(t, -1);
		tr.page_cxt = AllocSetContextCreate(cxt, "awstore truncate page",
											ALLOCSET_DEFAULT_SIZES);
		memset(&req, 0, sizeof(req));
		req.table = t->table_name;
		req.projection = t->sort_key ? "#k0, #k1" : "#k0";
		req.names_json = t->sort_key
			? psprintf("{\"#k0\":%s,\"#k1\":%s}", awstore_json_string(t->partition_key),
					   awstore_json_string(t->sort_key))
			: psprintf("{\"#k0\":%s}", awstore_json_string(t->partition_key));
		req.consistent_read = opts.consistent_read;
		awstore_scan_pages(client, &req,
						   awstore_budget(NULL, server->serverid, &opts, AW_BUDGET_READ, user,
										  client, t->table_name, NULL,
										  AW_READ_UNIT(opts.consistent_read)),
						   aw_truncate_page, &tr);
		awstore_writer_finish(tr.writer);
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
	}
}
