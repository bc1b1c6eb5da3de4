/*-------------------------------------------------------------------------
 *
 * pages.c
 *		A whole table read with Scan, page after page, for ANALYZE, IMPORT
 *		FOREIGN SCHEMA and TRUNCATE.
 *
 * awstore_scan_pages() follows LastEvaluatedKey and hands each page to a
 * callback; one page is held at a time, so memory stays flat whatever the
 * table's size.  With a read budget (pacing.c; ANALYZE and TRUNCATE have
 * one, IMPORT none) each page waits for its share and its Limit is sized
 * to it.  (The executor's scans page through
 * scanpage.c, with segments in flight at once.)
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "fdw/fdw.h"

/*
 * Reads a Scan page after page, following LastEvaluatedKey, and hands each
 * page's response to fn, which returns false to stop.  fn runs in the
 * caller's memory context and may change req (its Limit) for the next
 * page; the page is freed when fn returns, so fn copies what it keeps.
 * req->start_key_json is the loop's own.  With a budget, each page waits
 * for its share and its Limit is sized to it (never above the caller's).
 * Failures are reported (ERROR); the calls are freed on every path.
 * Interruptible between pages.
 */
void
awstore_scan_pages(DynClient *client, DynReadRequest *req, AwBudget *budget,
				   AwPageFn fn, void *arg)
{
	char	   *start = NULL;
	int			limit = req->limit;
	double		unit = AW_READ_UNIT(req->consistent_read);
	double		item_bytes = 0;

	do
	{
		size_t		len;
		char	   *body;
		AwCallHolder *page;
		DynValue   *resp;
		char	   *next = NULL;
		double		expected = 0;
		int			sent_limit;

		req->start_key_json = start;
		if (budget)
		{
			int			paced = awstore_budget_read_limit(budget, unit, item_bytes, &expected);

			req->limit = limit > 0 && limit < paced ? limit : paced;
			awstore_budget_acquire(budget, client, expected, NULL, NULL);
		}
		sent_limit = req->limit;
		body = dyn_body_scan(req, &len);
		page = awstore_call(client, "Scan", body, len, req->table);
		resp = dyn_call_response(page->call);
		if (budget)
		{
			const DynStats *st = dyn_call_stats(page->call);

			awstore_budget_settle(budget, expected, st);
			item_bytes = awstore_budget_learn_item_bytes(item_bytes, unit, st,
														 dyn_integer(dyn_get(resp, "ScannedCount")));
		}
		if (fn(resp, arg))
			next = awstore_page_next_key(resp);
		if (req->limit != sent_limit)
			limit = req->limit;	/* fn's Limit for the next page */
		awstore_release_call(page);
		if (start)
			pfree(start);
		start = next;
		CHECK_FOR_INTERRUPTS();
	} while (start);
	req->start_key_json = NULL;
	if (budget)
		req->limit = limit;
}
