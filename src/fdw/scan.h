/*-------------------------------------------------------------------------
 *
 * scan.h
 *		The state of a scan of a foreign table, shared by the files that
 *		execute reads.
 *
 * scan.c holds the executor callbacks: it begins the scan, decodes its
 * plan once, fills slots from items and ends the scan; scanpage.c sends
 * the scan's requests and takes its pages.  Both read the plan through
 * plan (AwScanPlan), never a copy of its members; the values of one
 * execution are in values (keycond.c decides them).  Only these files
 * include this header.
 *
 *-------------------------------------------------------------------------
 */
#ifndef AWSTORE_SCAN_H
#define AWSTORE_SCAN_H

#include "fdw/fdw.h"

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
	double		expected;		/* the budget's debit for the request in flight */
	bool		settled;		/* its answer's capacity is debited already */
	int			nkeys;			/* BatchGetItem: keys of the last request */
	bool		started;
	bool		exhausted;		/* no more pages for this segment */
} AwSegment;

struct AwScanState
{
	/* the plan, decoded once (scanplan.c); EXPLAIN reads it too */
	AwScanPlan *plan;
	/* scan tuple of UPDATE/DELETE targets (fdw_scan_tlist), or 0 */
	AttrNumber	key_att;		/* the item's key, AttributeValue JSON */
	AttrNumber	row_att;		/* the whole row */
	AttrNumber	tableoid_att;	/* tableoid */

	/* execution */
	Relation	rel;
	AwColumns  *columns;
	DynClient  *client;
	AwOptions	opts;
	AwBudget   *budget;			/* the statement's read budget, or NULL */
	double		item_bytes;		/* an item's size, learnt from pages; 0: unknown */
	List	   *value_states;	/* ExprState per fdw_expr */
	ExprState  *recheck;		/* shipped filter, to check locally instead */
	MemoryContext scan_cxt;		/* requests, pages, keys: reset at rescan */
	MemoryContext temp_cxt;		/* one item's conversion */

	/* per execution (scan_cxt) */
	AwScanValues values;		/* the conditions' values, what is sent */
	char	   *names_json;
	char	   *values_json;
	int			next_key;		/* of values.keys, the next to send */
	AwSegment  *segs;
	bool		started;
	int			rr;				/* round robin over segments */
	long		limit_left;

	/* the page being read, in place (decode.c reads its items) */
	AwCallHolder *page;
	DynRawIter	items;			/* what is left of its Items (ok false: none) */
	DynRaw		single;			/* GetItem's Item not yet read (p NULL: none) */
	int			since_pump;		/* items read since the client was pumped */
	long		count_pending;	/* Select=COUNT rows still to return */

	AwConvertContext conv;

	/* for EXPLAIN ANALYZE */
	long		requests;
	long		retries;
	long		pages;
	double		capacity;
	double		budget_wait_ms;
};

/* scanpage.c */
extern void awstore_scan_start(AwScanState *s);
extern bool awstore_scan_next_page(AwScanState *s);
extern void awstore_scan_release_page(AwScanState *s);

#endif							/* AWSTORE_SCAN_H */
