/*-------------------------------------------------------------------------
 *
 * analyze.c
 *		ANALYZE of a DynamoDB foreign table: a random sample of items.
 *
 * DynamoDB's parallel Scan splits a table into TotalSegments segments by
 * the hash of the partition key, so every segment is a random slice of the
 * table.  To sample targrows rows from a table of N items (DescribeTable),
 * the table is split into about N / targrows segments and segments are read,
 * starting from a random one, until enough items were seen; reservoir
 * sampling keeps targrows of them.  A small table is read whole.  The total
 * row count is DescribeTable's ItemCount, or the items seen scaled by the
 * fraction of segments read.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "commands/vacuum.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/sampling.h"

#include "fdw/fdw.h"

#define AW_MAX_SEGMENTS 1000000
#define AW_UNKNOWN_SEGMENTS 64

typedef struct AwSample
{
	Relation	rel;
	AwColumns  *columns;
	AwConvertContext conv;
	HeapTuple  *rows;
	int			targrows;
	int			numrows;
	double		samplerows;		/* items seen */
	double		rowstoskip;
	ReservoirStateData rstate;
	MemoryContext item_cxt;
	TupleTableSlot *slot;		/* a sampled item's values */
} AwSample;

static void
aw_sample_item(AwSample *sample, DynValue *item)
{
	TupleDesc	tupdesc = RelationGetDescr(sample->rel);
	TupleTableSlot *slot;
	MemoryContext old;
	HeapTuple	tuple;
	int			pos = -1;

	sample->samplerows += 1;
	if (sample->numrows < sample->targrows)
		pos = sample->numrows++;
	else
	{
		if (sample->rowstoskip < 0)
			sample->rowstoskip = reservoir_get_next_S(&sample->rstate, sample->samplerows,
													  sample->targrows);
		if (sample->rowstoskip <= 0)
			pos = (int) (sample->targrows * sampler_random_fract(&sample->rstate.randstate));
		sample->rowstoskip -= 1;
	}
	if (pos < 0)
		return;

	old = MemoryContextSwitchTo(sample->item_cxt);
	slot = sample->slot;
	awstore_fill_slot_value(slot, sample->columns, NIL, item, &sample->conv);
	MemoryContextSwitchTo(old);
	tuple = heap_form_tuple(tupdesc, slot->tts_values, slot->tts_isnull);
	ExecClearTuple(slot);
	MemoryContextReset(sample->item_cxt);
	if (sample->rows[pos] != NULL)
		heap_freetuple(sample->rows[pos]);	/* replaced in the reservoir */
	sample->rows[pos] = tuple;
}

/* Puts a page's items into the sample (AwPageFn). */
static bool
aw_sample_page(DynValue *resp, void *arg)
{
	AwSample   *sample = arg;
	DynValue   *items = dyn_get(resp, "Items");

	for (int i = 0; i < dyn_array_length(items); i++)
		aw_sample_item(sample, dyn_array_get(items, i));
	vacuum_delay_point();
	return true;
}

/* Reads one segment (of total) whole into the sample. */
static void
aw_sample_segment(DynClient *client, AwBudget *budget, AwSample *sample, const char *table,
				  bool consistent, int segment, int total)
{
	DynReadRequest req;

	memset(&req, 0, sizeof(req));
	req.table = table;
	req.segment = segment;
	req.total_segments = total;
	req.consistent_read = consistent;
	awstore_scan_pages(client, &req, budget, aw_sample_page, sample);
}

static int
aw_acquire_sample_rows(Relation relation, int elevel, HeapTuple *rows,
					   int targrows, double *totalrows, double *totaldeadrows)
{
	ForeignTable *table = GetForeignTable(RelationGetRelid(relation));
	ForeignServer *server = GetForeignServer(table->serverid);
	UserMapping *user = GetUserMapping(relation->rd_rel->relowner, server->serverid);
	AwOptions	opts;
	AwTableInfo *info;
	DynClient  *client;
	AwSample	sample;
	AwBudget   *budget;
	int			total;
	int			first;
	int			read = 0;

	awstore_server_options(server, &opts);
	awstore_table_options(RelationGetRelid(relation), &opts);
	client = awstore_get_client(server, user, &opts);
	info = awstore_table_info(relation, server, user, &opts);
	/* ANALYZE keeps within the read budget of the table too */
	budget = awstore_budget(NULL, server->serverid, &opts, AW_BUDGET_READ, user, client,
							info->table_name, NULL, AW_READ_UNIT(opts.consistent_read));

	memset(&sample, 0, sizeof(sample));
	sample.rel = relation;
	sample.columns = awstore_get_columns(relation);
	awstore_columns_use_key_types(sample.columns, info->partition_key, info->partition_type,
								  info->sort_key, info->sort_type);
	sample.rows = rows;
	sample.targrows = targrows;
	sample.rowstoskip = -1;
	sample.conv.table = opts.table_name;
	sample.conv.partition_key = info->partition_key;
	sample.conv.sort_key = info->sort_key;
	sample.item_cxt = AllocSetContextCreate(CurrentMemoryContext, "awstore analyze item",
											ALLOCSET_DEFAULT_SIZES);
	sample.slot = MakeSingleTupleTableSlot(RelationGetDescr(relation), &TTSOpsVirtual);
	memset(rows, 0, sizeof(HeapTuple) * targrows);
	reservoir_init_selection_state(&sample.rstate, targrows);

	/*
	 * Segments of about targrows items each; small tables in one.  An
	 * unknown count (DynamoDB's ItemCount lags by hours) gets 64 segments,
	 * read until the sample is full.
	 */
	if (info->item_count > 0)
		total = (int) Min(Max(ceil(info->item_count / Max(targrows, 1)), 1), AW_MAX_SEGMENTS);
	else
		total = AW_UNKNOWN_SEGMENTS;
	first = total > 1 ? (int) (sampler_random_fract(&sample.rstate.randstate) * total) : 0;
	while (read < total)
	{
		aw_sample_segment(client, budget, &sample, opts.table_name, opts.consistent_read,
						  (first + read) % total, total);
		read++;
		if (sample.samplerows >= targrows)
			break;
	}
	MemoryContextDelete(sample.item_cxt);
	ExecDropSingleTupleTableSlot(sample.slot);

	*totalrows = read < total ? floor(sample.samplerows * total / read + 0.5)
		: sample.samplerows;
	*totaldeadrows = 0;
	ereport(elevel,
			(errmsg("\"%s\": DynamoDB table \"%s\", %d of %d segments read, %.0f items seen, %d rows in sample, %.0f estimated total rows",
					RelationGetRelationName(relation), opts.table_name, read, total,
					sample.samplerows, sample.numrows, *totalrows)));
	return sample.numrows;
}

bool
awstoreAnalyzeForeignTable(Relation relation, AcquireSampleRowsFunc *func,
						   BlockNumber *totalpages)
{
	*func = aw_acquire_sample_rows;
	/* pages only feed the progress report: the size in 8 kB blocks */
	*totalpages = 1;
	(void) relation;
	return true;
}
