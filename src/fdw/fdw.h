/*-------------------------------------------------------------------------
 *
 * fdw.h
 *		Declarations shared by the files of the DynamoDB foreign data wrapper.
 *
 * The wrapper is split the way postgres_fdw is, one job a file:
 *
 *   handler.c             the FDW handler: which callback is whose
 *   options.c             option validator and option lookup
 *   columns.c             column <-> attribute mapping of a foreign table
 *   connection.c          DynamoDB clients cached per user mapping
 *   credentials.c         AWS credentials of a user mapping: resolved, cached, renewed
 *   request.c             one request: start, hold, interruptible wait; a page's key
 *   pacing.c              capacity budgets: requests held to units per second
 *   pages.c               a whole table page by page (ANALYZE, IMPORT, TRUNCATE)
 *   errors.c              DynamoDB errors -> SQLSTATEs and whole messages
 *   xact.c                which (sub)transactions wrote; PREPARE refused
 *   describe.c            DescribeTable cache, and ListTables
 *   deparse.c             which quals DynamoDB evaluates, as filter expressions
 *   keycond.c             which quals pin a key, and the key values sent
 *   plan.c                paths, costs, and the plan of a scan
 *   scanplan.c            the plan of a scan as one struct, to and from fdw_private
 *   scan.c                executing reads: the executor callbacks
 *   scanpage.c            sending a scan's requests, taking its pages
 *   decode.c              AttributeValue -> Datum, items into slots
 *   encode.c              Datum -> AttributeValue, into a palloc'd StringInfo
 *   jsontext.c            JSON text in palloc'd memory (DynBuf, string literals)
 *   item.c                a row into an item, a key into a Key, keys for messages
 *   writer.c              BatchWriteItem in batches, several in flight
 *   modifyplan.c          planning INSERT, UPDATE, DELETE (row identity)
 *   modify.c              executing INSERT, COPY and DELETE
 *   update.c              executing UPDATE
 *   writerow.c            one row's conditional write (modify.c, update.c)
 *   truncate.c            TRUNCATE: keys scanned, deleted in batches
 *   explain.c             EXPLAIN of scans and modifications
 *   import.c              IMPORT FOREIGN SCHEMA
 *   analyze.c             ANALYZE: sampling by parallel Scan segments
 *   dynamodb_functions.c  the dynamodb_* SQL functions
 *
 *-------------------------------------------------------------------------
 */
#ifndef AWSTORE_FDW_H
#define AWSTORE_FDW_H

#include "postgres.h"

#include "access/tupdesc.h"
#include "commands/explain.h"
#include "foreign/fdwapi.h"
#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "nodes/pathnodes.h"
#include "utils/array.h"
#include "utils/relcache.h"

#include "aws/aws.h"
#include "dynamo/dynamo.h"

/* ---------------------------------------------------------------------
 * Options (options.c)
 * ---------------------------------------------------------------------
 */
#define AW_DEFAULT_REGION "us-east-1"
#define AW_DEFAULT_CONNECT_TIMEOUT_MS 10000
#define AW_DEFAULT_REQUEST_TIMEOUT_MS 60000
#define AW_DEFAULT_MAX_RETRIES 10
#define AW_DEFAULT_BATCH_SIZE 25
#define AW_MAX_SCAN_SEGMENTS 256
#define AW_MAX_CAPACITY 1000000.0	/* capacity units per second */
#define AW_MIN_CAPACITY 0.01		/* the least cap, and the least percent */

/* Everything the options of a server, user mapping and table say. */
typedef struct AwOptions
{
	/* server */
	char	   *region;
	char	   *endpoint;		/* derived from region when not given */
	char	   *streams_endpoint;	/* DynamoDB Streams: endpoint when given,
									 * else derived from region */
	char	   *ca_bundle;		/* NULL: the system's CAs */
	char	   *proxy;			/* NULL: libcurl's default (https_proxy …) */
	char	   *sts_endpoint;	/* NULL: AWS_ENDPOINT_URL_STS, else regional */
	int			connect_timeout_ms;
	int			request_timeout_ms;
	int			max_retries;
	/* server, overridden by the table */
	bool		consistent_read;
	int			scan_segments;
	int			batch_size;
	double		max_read_capacity;	/* units per second; 0: no cap */
	double		max_write_capacity;
	double		read_capacity_percent;	/* of provisioned; 0: none */
	double		write_capacity_percent;
	/* table */
	char	   *table_name;		/* DynamoDB table; default: the relation's name */
	char	   *partition_key;	/* NULL: discovered */
	char	   *sort_key;		/* NULL: discovered (or none) */
} AwOptions;

/*
 * What a user mapping says about credentials.  Without credential_source,
 * the mapping's keys (static), or when it has none the server process's
 * environment, for superusers only (connection.c).
 */
typedef struct AwCredOptions
{
	bool		source_given;	/* credential_source was set */
	AwsSource	source;
	char	   *access_key_id;
	char	   *secret_access_key;
	char	   *session_token;
	char	   *profile;
	char	   *role_arn;
	char	   *external_id;
	char	   *role_session_name;
	int			duration;		/* seconds, 0: STS's default */
} AwCredOptions;

extern void awstore_server_options(ForeignServer *server, AwOptions *opts);
extern void awstore_credential_options(UserMapping *user, AwCredOptions *co);
extern void awstore_table_options(Oid relid, AwOptions *opts);

/* ---------------------------------------------------------------------
 * Columns (columns.c)
 * ---------------------------------------------------------------------
 */
typedef enum AwColumnKind
{
	AW_COL_ATTRIBUTE,			/* one attribute of the item */
	AW_COL_DOCUMENT_PLAIN,		/* the whole item as plain JSON */
	AW_COL_DOCUMENT_TYPED		/* the whole item as DynamoDB JSON */
} AwColumnKind;

/* Sentinel for a json/jsonb column that takes any DynamoDB type. */
#define AW_TYPE_ANY DYN_T_INVALID

typedef struct AwColumn
{
	AttrNumber	attnum;
	char	   *colname;
	char	   *attname;		/* DynamoDB attribute name */
	AwColumnKind kind;
	DynType		atype;			/* declared type, or AW_TYPE_ANY */
	bool		atype_explicit; /* given with attribute_type */
	bool		null_as_null;	/* write SQL NULL as {"NULL": true} */
	Oid			typid;
	int32		typmod;
	Oid			elemtypid;		/* array element type, or InvalidOid */
	Oid			collid;
	bool		dropped;
} AwColumn;

/* The columns of a foreign table, indexed by attnum - 1. */
typedef struct AwColumns
{
	int			ncolumns;
	AwColumn   *columns;
	struct AwItemReader *reader;	/* decode.c's, made on first use */
} AwColumns;

extern AwColumns *awstore_get_columns(Relation rel);
extern AwColumn *awstore_find_attribute(AwColumns *cols, const char *attname);
extern DynType awstore_default_attribute_type(Oid typid);
extern void awstore_check_column_type(Relation rel, AwColumn *col);
extern void awstore_columns_use_key_types(AwColumns *cols, const char *pk, DynType pk_type,
										  const char *sk, DynType sk_type);

/* ---------------------------------------------------------------------
 * DynamoDB clients (connection.c)
 * ---------------------------------------------------------------------
 */
extern DynClient *awstore_get_client(ForeignServer *server, UserMapping *user,
									 AwOptions *opts);
extern DynClient *awstore_get_streams_client(ForeignServer *server, UserMapping *user,
											 AwOptions *opts);

/* ---------------------------------------------------------------------
 * AWS credentials of a user mapping (credentials.c)
 * ---------------------------------------------------------------------
 */
typedef struct AwCredState AwCredState;

extern AwCredState *awstore_cred_create(ForeignServer *server, UserMapping *user,
										AwOptions *opts, AwsCredentials *first);
extern void awstore_cred_destroy(AwCredState *st);
extern bool awstore_cred_renewable(const AwCredState *st);
extern void awstore_cred_context(const AwCredState *st, AwsContext *ctx);
extern void awstore_cred_get(AwCredState *st, const char *servername,
							 AwsCredentials *out);
extern bool awstore_cred_renew(DynClient *client, void *arg, bool expired,
							   DynError *err);

/* The credential state of the cached client (connection.c). */
extern AwCredState *awstore_get_credentials(ForeignServer *server, UserMapping *user,
											AwOptions *opts);

/* ---------------------------------------------------------------------
 * One request (request.c)
 * ---------------------------------------------------------------------
 */

/*
 * Frees a DynCall when the memory context it is registered in goes away:
 * the way calls are freed on every path, errors included.  The holder is
 * gone after awstore_release_call().
 */
typedef struct AwCallHolder
{
	DynCall    *call;
	MemoryContext cxt;			/* the holder's own, child of the given one */
	MemoryContextCallback cb;
} AwCallHolder;

extern AwCallHolder *awstore_hold_call(MemoryContext cxt, DynCall *call);
extern void awstore_release_call(AwCallHolder *holder);

/*
 * Starts one request (body: malloc'd, from a dyn_body_* function, NULL when
 * that ran out of memory) and returns its call held in cxt.
 */
extern AwCallHolder *awstore_start_call(DynClient *client, const char *action,
										char *body, size_t len, MemoryContext cxt);

/* Wait callback for dyn_wait(): the latch, the sockets, postmaster death. */
extern bool awstore_wait(void *arg, HttpWaitSocket *socks, int nsocks,
						 long timeout_ms);

/*
 * Drives the client's calls until call finishes (awstore_wait_for) or any
 * call finishes (awstore_wait_any).  A cancel raises the query-cancel
 * error (the calls are left for their owners' cleanup).
 */
extern void awstore_wait_for(DynClient *client, DynCall *call);
extern void awstore_wait_any(DynClient *client);

/* Sleeps ms milliseconds, interruptibly. */
extern void awstore_pause(long ms);

/*
 * Runs one action synchronously and returns the successful call, held in
 * the current memory context (release it earlier with
 * awstore_release_call).  Errors are reported, the call freed first.
 */
extern AwCallHolder *awstore_call(DynClient *client, const char *action,
								  char *body, size_t len, const char *table);

/*
 * The same, but DynamoDB's error of type tolerated_type gives NULL instead
 * of an error (ConditionalCheckFailedException, say).
 */
extern AwCallHolder *awstore_call_tolerating(DynClient *client, const char *action,
											 char *body, size_t len, const char *table,
											 const char *tolerated_type);

/* Paging: a page's LastEvaluatedKey, and a whole Scan page by page. */
typedef bool (*AwPageFn) (DynValue *page, void *arg);

extern int	awstore_page_raw_next_key(DynCall *call, MemoryContext cxt, char **key);
extern char *awstore_page_next_key(DynValue *page);
extern bool awstore_page_member(DynCall *call, DynRaw page, const char *name,
								DynRaw *value);
typedef struct AwBudget AwBudget;

/* pages.c */
extern void awstore_scan_pages(DynClient *client, DynReadRequest *req,
							   AwBudget *budget, AwPageFn fn, void *arg);

/* ---------------------------------------------------------------------
 * Capacity budgets (pacing.c)
 * ---------------------------------------------------------------------
 */
typedef enum AwBudgetKind
{
	AW_BUDGET_READ = 0,
	AW_BUDGET_WRITE = 1
} AwBudgetKind;

/* what a read costs per 4 KB, and what a write costs per 1 KB */
#define AW_READ_BLOCK 4096.0
#define AW_WRITE_BLOCK 1024.0
#define AW_READ_UNIT(consistent) ((consistent) ? 1.0 : 0.5)

extern AwBudget *awstore_budget(EState *estate, Oid serverid, const AwOptions *opts,
								AwBudgetKind kind, UserMapping *user, DynClient *client,
								const char *table, const char *index, double min_request);
extern double awstore_budget_cap(const AwBudget *b);
extern double awstore_budget_request_units(const AwBudget *b);
/* called while a request waits for budget: settles what has finished */
typedef void (*AwBudgetSweep) (void *arg);
extern double awstore_budget_acquire(AwBudget *b, DynClient *client, double expected,
									 AwBudgetSweep sweep, void *sweep_arg);
extern void awstore_budget_settle(AwBudget *b, double expected, const DynStats *st);
extern void awstore_budget_throttled(AwBudget *b);
extern int	awstore_budget_read_limit(const AwBudget *b, double unit, double item_bytes,
									  double *expected);
extern double awstore_budget_learn_item_bytes(double item_bytes, double unit,
											  const DynStats *st, long scanned);
extern double awstore_write_units(long item_size, int nindexes);
extern void awstore_pacing_take_totals(double consumed[2], double cap[2]);

/* ---------------------------------------------------------------------
 * Errors (errors.c)
 * ---------------------------------------------------------------------
 */

/* Reports a failed call as an ERROR (the call must be freed already). */
extern void awstore_report_error(const DynError *err, const char *action,
								 const char *table) pg_attribute_noreturn();

/* Raises the cancel error after an interrupted wait. */
extern void awstore_raise_canceled(void) pg_attribute_noreturn();


/* ---------------------------------------------------------------------
 * Writing in batches (writer.c)
 * ---------------------------------------------------------------------
 */
typedef struct AwWriter AwWriter;

typedef struct AwWriteStats
{
	long		requests;		/* HTTP requests sent */
	long		retries;		/* of which retries of failed requests */
	long		unprocessed_retries;	/* resends of UnprocessedItems */
	long		items;			/* items written */
	double		capacity;
	double		budget_wait_ms; /* waiting for the capacity budget */
} AwWriteStats;

extern AwWriter *awstore_writer_create(DynClient *client, const char *table,
									   int batch_size, int max_retries,
									   MemoryContext cxt);
extern void awstore_writer_set_budget(AwWriter *w, AwBudget *budget);
extern void awstore_writer_put(AwWriter *w, const char *item_json, double units,
							   const char *key_json, const char *key_text);
extern void awstore_writer_delete(AwWriter *w, const char *key_json, double units,
								  const char *key_text);
extern void awstore_writer_finish(AwWriter *w);
extern const AwWriteStats *awstore_writer_stats(AwWriter *w);

/* ---------------------------------------------------------------------
 * Writes and transactions (xact.c)
 * ---------------------------------------------------------------------
 */

/*
 * Records that this (sub)transaction may have written to DynamoDB; returns
 * what was recorded before, for awstore_note_write_undo.
 */
extern bool awstore_note_write(void);
extern void awstore_note_write_undo(bool before);
extern bool awstore_error_wrote_nothing(const DynError *err);

/* ---------------------------------------------------------------------
 * Table descriptions (describe.c)
 * ---------------------------------------------------------------------
 */
typedef enum AwProjection
{
	AW_PROJ_ALL,
	AW_PROJ_KEYS_ONLY,
	AW_PROJ_INCLUDE
} AwProjection;

typedef struct AwIndex
{
	char	   *name;
	char	   *partition_key;
	DynType		partition_type;
	char	   *sort_key;		/* NULL when none */
	DynType		sort_type;
	AwProjection projection;
	List	   *included;		/* String attribute names for INCLUDE */
	bool		global;			/* global (true) or local secondary index */
	double		read_units;		/* provisioned (global); 0: on demand */
	double		write_units;
} AwIndex;

typedef struct AwTableInfo
{
	char	   *table_name;
	char	   *partition_key;
	DynType		partition_type;
	char	   *sort_key;		/* NULL when none */
	DynType		sort_type;
	double		item_count;
	double		size_bytes;
	double		read_units;		/* provisioned capacity; 0: on demand */
	double		write_units;
	List	   *indexes;		/* AwIndex */
	bool		described;		/* from DescribeTable (not options alone) */
} AwTableInfo;

/* what writing an item of the table costs (pacing.c); size < 0: unknown */
extern double awstore_table_write_units(const AwTableInfo *t, long item_size);

extern AwTableInfo *awstore_describe(UserMapping *user, DynClient *client,
									 const char *table, bool missing_ok);
extern AwTableInfo *awstore_table_info(Relation rel, ForeignServer *server,
									   UserMapping *user, AwOptions *opts);
extern AwTableInfo *awstore_relation_table_info(Relation rel, Oid userid, AwOptions *opts,
												AwColumns **cols);
extern void awstore_forget_descriptions(void);

/* Every table name, following LastEvaluatedTableName (palloc'd strings). */
extern List *awstore_list_tables(DynClient *client);

/* ---------------------------------------------------------------------
 * JSON text in palloc'd memory (jsontext.c)
 * ---------------------------------------------------------------------
 */
extern char *awstore_dynbuf_pstrdup(DynBuf *buf);
extern char *awstore_value_json(DynValue *v);
extern char *awstore_json_string(const char *s);
extern void awstore_append_json_string(StringInfo out, const char *s, size_t len);

/* ---------------------------------------------------------------------
 * Reading items (decode.c)
 * ---------------------------------------------------------------------
 */

/* Which columns an item is read into (decode.c). */
typedef struct AwItemReader AwItemReader;

/* What is being converted, for error messages. */
typedef struct AwConvertContext
{
	const char *table;			/* DynamoDB table */
	const char *partition_key;
	const char *sort_key;
	DynRaw		item;			/* the item being converted (p NULL: none) */
	AwColumn   *column;			/* the column being converted */
	AwItemReader *reader;		/* while a slot is filled */
} AwConvertContext;

/* The Datum of a document column from the whole item, read in place. */
extern Datum awstore_item_to_datum(AwColumn *col, DynRaw item);

/*
 * Fills slot from an item read in place: the columns in attnums (all when
 * NIL; the list must live as long as cols), others NULL.  item starts at
 * the item; its length may be only a bound (the rest of the page): it is
 * set to the item's own.  Values are allocated in the current memory
 * context; what is worked out once for the columns stays in theirs.
 * Errors name the item, the column and the attribute.
 */
extern void awstore_fill_slot(TupleTableSlot *slot, AwColumns *cols, List *attnums,
							  DynRaw *item, AwConvertContext *ctx);

/* Sets the length of an item whose length is only a bound to its own. */
extern void awstore_item_extent(DynRaw *item);

/* The same from a parsed item, through its JSON text. */
extern void awstore_fill_slot_value(TupleTableSlot *slot, AwColumns *cols, List *attnums,
									DynValue *item, AwConvertContext *ctx);

/* A parsed value's JSON text (palloc'd) in place; false for NULL. */
extern bool awstore_value_raw(DynValue *v, DynRaw *raw);

/* The key of an item read in place, for messages: "(id)=(a1)". */
extern char *awstore_raw_item_key_text(DynRaw item, const char *pk, const char *sk);

/* ---------------------------------------------------------------------
 * Encoding values (encode.c)
 * ---------------------------------------------------------------------
 */

/*
 * Renders a Datum of type typid as an AttributeValue of type atype into
 * buf (palloc'd, so that an error raised by an output function midway
 * loses nothing).  Returns false when DynamoDB cannot hold the value
 * exactly (NaN, infinity, more than 38 digits), with the reason in *why.
 */
extern bool awstore_datum_to_attr(Datum value, Oid typid, DynType atype,
								  StringInfo buf, const char **why);
extern bool awstore_item_to_attr(Datum value, Oid typid, StringInfo buf, const char **why);
extern char *awstore_encode_value(Datum value, Oid typid, DynType type, const char **why);
extern void awstore_array_elements(ArrayType *arr, Datum **elems, bool **nulls, int *n);

/* ---------------------------------------------------------------------
 * Building items and keys (item.c)
 * ---------------------------------------------------------------------
 */
extern char *awstore_key_text(const char *const keys[2], const char *const values[2]);
extern char *awstore_item_key_text(DynValue *item, const char *pk, const char *sk);

/* Where an item's key is, for building and checking items. */
typedef struct AwItemShape
{
	AwColumns  *columns;
	const char *table;
	const char *pk;
	DynType		pk_type;
	const char *sk;				/* NULL when the table has no sort key */
	DynType		sk_type;
} AwItemShape;

extern char *awstore_row_key_text(AwItemShape *shape, TupleTableSlot *slot);
extern char *awstore_build_item(AwItemShape *shape, TupleTableSlot *slot, List *attnums,
								const char *key_override, char **key_json,
								char **key_text, long *item_size);
extern char *awstore_build_key(AwItemShape *shape, Datum pk, Oid pk_typid,
							   Datum sk, Oid sk_typid, char **key_text);

/* ---------------------------------------------------------------------
 * Planning, deparsing and execution
 * ---------------------------------------------------------------------
 */

/* The DynamoDB operation a scan runs. */
typedef enum AwOperation
{
	AW_OP_SCAN,
	AW_OP_QUERY,
	AW_OP_GET_ITEM,
	AW_OP_BATCH_GET_ITEM,
	AW_OP_MULTI_QUERY			/* one Query per partition key value */
} AwOperation;

/* The kind of sort key condition a read sends. */
typedef enum AwSortKeyCondition
{
	AW_SK_NONE,
	AW_SK_EQ,					/* sk = v: a value no item can have means no row */
	AW_SK_RANGE					/* <, <=, >, >=, BETWEEN, begins_with: an
								 * unsendable bound is checked locally */
} AwSortKeyCondition;

/*
 * A planned scan (scanplan.c): what GetForeignPlan decided, what the
 * executor runs and what EXPLAIN shows.  The expressions name attributes
 * #n<i> (names[i]) and values :v<i> (the i-th fdw_expr, of DynamoDB type
 * value_types[i]) and :c<i> (constants[i], AttributeValue JSON).
 */
typedef struct AwScanPlan
{
	AwOperation op;
	char	   *table;			/* the DynamoDB table */
	char	   *index;			/* index name, NULL for the table */
	char	   *keycond;		/* KeyConditionExpression, "" for none */
	char	   *keycond_pk;		/* ... without its sort key part */
	char	   *filter;			/* FilterExpression, "" for none */
	char	   *projection;		/* ProjectionExpression, "" for all */
	List	   *names;			/* String: the attribute name of #n<i> */
	List	   *constants;		/* String: the AttributeValue of :c<i> */
	List	   *value_types;	/* Integer: the DynType of :v<i> */
	List	   *value_texts;	/* String: :v<i> as EXPLAIN shows it */
	int			pk_idx;			/* :v of the partition key value (or array) */
	int			sk_idx;			/* :v of the sort key value or lower bound,
								 * -1 when none */
	int			sk_hi_idx;		/* :v of its upper bound, -1 when none */
	AwSortKeyCondition sk_cond;
	List	   *retrieved;		/* Integer: attnums converted */
	bool		count_only;		/* Select=COUNT */
	int			nsegments;		/* TotalSegments (1: sequential) */
	int			limit;			/* Limit per request, 0 for none */
	bool		consistent;		/* ConsistentRead */
	char	   *pk;				/* the table's partition key, to name items */
	DynType		pk_type;
	char	   *sk;				/* the table's sort key, NULL when none */
	DynType		sk_type;
} AwScanPlan;

extern List *awstore_scan_plan_to_list(const AwScanPlan *plan);
extern AwScanPlan *awstore_scan_plan_from_list(List *priv);
extern void awstore_scan_placeholders(const AwScanPlan *plan, const char *keycond,
									  const char *filter, const char *projection,
									  char *const *value_json, const char *key_value,
									  char **names_json, char **values_json);

/* deparse.c */
typedef struct AwDeparseContext
{
	PlannerInfo *root;
	RelOptInfo *baserel;
	AwColumns  *columns;
	List	   *names;			/* String attribute names, #n<i> */
	List	   *values;			/* Expr, :v<i> (become fdw_exprs) */
	List	   *value_types;	/* Integer DynType of each value */
	List	   *constants;		/* String AttributeValue JSON, :c<i> */
} AwDeparseContext;

extern int	awstore_deparse_name(AwDeparseContext *ctx, const char *attname);
extern int	awstore_deparse_value(AwDeparseContext *ctx, Expr *expr, DynType type);
extern bool awstore_deparse_filter(AwDeparseContext *ctx, Expr *expr,
								   StringInfo buf);
extern void awstore_deparse_scratch(AwDeparseContext *scratch,
								   const AwDeparseContext *ctx);
extern bool awstore_filter_shippable(AwDeparseContext *ctx, Expr *expr);
extern AwColumn *awstore_column_of(AwDeparseContext *ctx, Expr *expr);
extern bool awstore_expr_is_value(AwDeparseContext *ctx, Expr *expr,
								  Relids outer_relids);
extern int	awstore_operator_strategy(Oid opno, AwColumn *col);
extern bool awstore_type_comparable(AwColumn *col, Oid collid, bool ordering);
extern bool awstore_type_encodable(Oid typid, DynType type);
extern bool awstore_value_encodable(Expr *expr, DynType type);
extern AwColumn *awstore_match_comparison(AwDeparseContext *ctx, Expr *clause,
										  Relids outer_relids, Expr **value,
										  int *strategy);
extern char *awstore_like_prefix(Const *pattern);
extern AwColumn *awstore_match_prefix(AwDeparseContext *ctx, Expr *clause,
									  Const **prefix);

/* keycond.c: the key conditions found for a table or an index */
typedef struct AwKeyMatch
{
	RestrictInfo *pk_eq;		/* pk = value */
	Expr	   *pk_value;
	RestrictInfo *pk_in;		/* pk = ANY (array) */
	Expr	   *pk_array;
	RestrictInfo *sk_eq;		/* sk = value */
	Expr	   *sk_value;
	RestrictInfo *sk_lower;		/* sk > or >= value */
	Expr	   *sk_lower_value;
	int			sk_lower_strategy;
	RestrictInfo *sk_upper;		/* sk < or <= value */
	Expr	   *sk_upper_value;
	int			sk_upper_strategy;
	RestrictInfo *sk_prefix;	/* sk LIKE 'prefix%' */
	Const	   *sk_prefix_value;
} AwKeyMatch;

/* The key condition of a planned read. */
typedef struct AwKeyCondition
{
	List	   *clauses;		/* the RestrictInfos it takes over */
	List	   *sk_range_exprs; /* its sort key clauses, to check locally */
	int			pk_idx;			/* value of the partition key (or array) */
	int			sk_idx;			/* value of the sort key or its lower bound */
	int			sk_hi_idx;		/* value of its upper bound */
	AwSortKeyCondition sk_cond;
	StringInfoData expr;		/* KeyConditionExpression, "" for none */
	int			pk_len;			/* length of its partition key part */
} AwKeyCondition;

extern void awstore_match_keys(AwDeparseContext *ctx, List *clauses, const char *pk,
							   DynType pk_type, const char *sk, DynType sk_type,
							   Relids outer_relids, AwKeyMatch *m);
extern List *awstore_sort_key_clauses(AwKeyMatch *m);
extern bool awstore_clause_names_key(AwDeparseContext *ctx, Expr *clause, const char *pk,
									 const char *sk);
extern void awstore_deparse_key_condition(AwDeparseContext *ctx, List *clauses,
										  AwOperation op, const char *pk,
										  DynType pk_type, const char *sk,
										  DynType sk_type, Relids outer_relids,
										  AwKeyCondition *kc);
extern bool awstore_key_value_empty(const char *json);
extern const char **awstore_encode_key_list(Datum array, DynType type, int *nkeys);
extern bool awstore_compare_key_values(DynType type, const char *a, const char *b, int *cmp);

/*
 * The values of a scan's conditions for one execution (keycond.c), and
 * what of them can be sent.
 */
typedef struct AwScanValues
{
	char	  **value_json;		/* AttributeValue of each fdw_expr */
	bool		known_empty;	/* a key condition that no item can meet */
	bool		filter_local;	/* a filter value cannot be sent */
	bool		sk_local;		/* a sort key bound cannot be sent */
	const char **keys;			/* BatchGetItem keys / Query-per-key values */
	int			nkeys;
} AwScanValues;

extern void awstore_scan_values(const AwScanPlan *plan, List *value_states,
								ExprContext *econtext, bool recheckable,
								AwScanValues *values);

/* plan.c: FDW callbacks for planning */
extern void awstoreGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel,
									 Oid foreigntableid);
extern void awstoreGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel,
								   Oid foreigntableid);
extern ForeignScan *awstoreGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel,
										  Oid foreigntableid, ForeignPath *best_path,
										  List *tlist, List *scan_clauses,
										  Plan *outer_plan);

/* scan.c: FDW callbacks for executing reads */
extern void awstoreBeginForeignScan(ForeignScanState *node, int eflags);
extern TupleTableSlot *awstoreIterateForeignScan(ForeignScanState *node);
extern void awstoreReScanForeignScan(ForeignScanState *node);
extern void awstoreEndForeignScan(ForeignScanState *node);

/* What a scan has done, for EXPLAIN ANALYZE. */
typedef struct AwScanCounts
{
	long		requests;		/* HTTP requests sent */
	long		pages;
	long		retries;
	double		capacity;
	double		cap;			/* the read budget's cap; 0: none */
	double		budget_wait_ms; /* waiting for the budget */
} AwScanCounts;

extern const AwScanPlan *awstore_scan_plan(ForeignScanState *node);
extern bool awstore_scan_counts(ForeignScanState *node, AwScanCounts *counts);

/* modifyplan.c: FDW callbacks for planning writes */
extern void awstoreAddForeignUpdateTargets(PlannerInfo *root, Index rtindex,
										   RangeTblEntry *target_rte,
										   Relation target_relation);
extern List *awstorePlanForeignModify(PlannerInfo *root, ModifyTable *plan,
									  Index resultRelation, int subplan_index);
extern int	awstoreIsForeignRelUpdatable(Relation rel);
extern bool awstore_is_row_key_var(Node *node);
extern bool awstore_update_reads_consistently(PlannerInfo *root, List *scan_tlist);
extern bool awstore_update_moves_index(PlannerInfo *root, RelOptInfo *rel, AwColumns *cols,
									   const char *pk, const char *sk);
extern List *awstore_row_key_scan_tlist(Index relid, AwColumns *cols, List *exprs,
										List *quals);

/* modify.c, update.c: FDW callbacks for executing writes */
extern void awstoreBeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
									  List *fdw_private, int subplan_index, int eflags);
extern void awstoreBeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo);
extern TupleTableSlot *awstoreExecForeignInsert(EState *estate, ResultRelInfo *rinfo,
												TupleTableSlot *slot,
												TupleTableSlot *planSlot);
extern TupleTableSlot **awstoreExecForeignBatchInsert(EState *estate, ResultRelInfo *rinfo,
													  TupleTableSlot **slots,
													  TupleTableSlot **planSlots,
													  int *numSlots);
extern int	awstoreGetForeignModifyBatchSize(ResultRelInfo *rinfo);
extern TupleTableSlot *awstoreExecForeignUpdate(EState *estate, ResultRelInfo *rinfo,
												TupleTableSlot *slot,
												TupleTableSlot *planSlot);
extern TupleTableSlot *awstoreExecForeignDelete(EState *estate, ResultRelInfo *rinfo,
												TupleTableSlot *slot,
												TupleTableSlot *planSlot);
extern void awstoreEndForeignModify(EState *estate, ResultRelInfo *rinfo);
extern void awstoreEndForeignInsert(EState *estate, ResultRelInfo *rinfo);
/* How a modification writes, and what it has written (for EXPLAIN). */
typedef struct AwModifyReport
{
	bool		on_conflict;	/* INSERT … ON CONFLICT DO NOTHING */
	bool		per_row;		/* one request per row */
	bool		executed;		/* stats are set (EXPLAIN ANALYZE) */
	AwWriteStats stats;			/* retries include resent UnprocessedItems */
	double		cap;			/* the write budget's cap; 0: none */
} AwModifyReport;

extern void awstore_modify_report(ModifyTableState *mtstate, ResultRelInfo *rinfo,
								  List *fdw_private, bool analyze,
								  AwModifyReport *report);

/* explain.c: EXPLAIN of scans and modifications */
extern char *awstore_explain_value_text(PlannerInfo *root, Expr *expr);
extern void awstoreExplainForeignScan(ForeignScanState *node, ExplainState *es);
extern void awstoreExplainForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
										List *fdw_private, int subplan_index,
										ExplainState *es);

/* truncate.c */
extern void awstoreExecForeignTruncate(List *rels, DropBehavior behavior,
									   bool restart_seqs);

/* import.c */
extern List *awstoreImportForeignSchema(ImportForeignSchemaStmt *stmt,
										Oid serverOid);

/* analyze.c */
extern bool awstoreAnalyzeForeignTable(Relation relation,
									   AcquireSampleRowsFunc *func,
									   BlockNumber *totalpages);

#endif							/* AWSTORE_FDW_H */
