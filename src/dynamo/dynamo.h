/*-------------------------------------------------------------------------
 *
 * dynamo.h
 *		DynamoDB's JSON protocol: calls with retries, and their responses.
 *
 * A DynClient sends DynamoDB actions over an HttpSession and retries what
 * is worth retrying: throttling (ProvisionedThroughputExceededException,
 * ThrottlingException, RequestLimitExceeded), InternalServerError and other
 * HTTP 5xx, dropped or reset connections, timeouts, truncated or corrupt
 * bodies (bad JSON, x-amz-crc32 mismatch).  Retries back off exponentially
 * with full jitter (a random delay up to min(cap, base * 2^attempt)), at
 * most max_retries times.  Several calls may be in flight at once.
 *
 * Request bodies are JSON text built with DynBuf; responses are parsed with
 * json-c as they arrive and handed out as DynValue trees.  Nothing here
 * includes postgres.h or raises errors: a failed call carries a DynError
 * (kind, DynamoDB's __type and message, HTTP status, attempts) that the
 * caller reports.  All memory is malloc'd; a DynCall and everything it
 * returned are freed by dyn_call_free().
 *
 * json-c's own headers stay inside src/dynamo/: a DynValue is a
 * struct json_object, named only through this typedef, so that PostgreSQL
 * files (whose fmgrprotos.h declares a function json_object) can use it.
 *
 * The files of src/dynamo, one job each:
 *	client.c		the client and its calls: start, wait, retry, free
 *	response.c		one attempt's response: received, checked, judged, parsed
 *	dynerror.c		DynError, secrets scrubbed from messages, throttling types
 *	backoff.c		the delay before a retry (exponential, full jitter)
 *	jsoncheck.c		the streaming check that a body is exactly JSON
 *	actions.c		request bodies, one function per DynamoDB action
 *	buf.c			DynBuf, the growable text of a request body
 *	value.c			accessors over json-c: values and AttributeValues
 *	rawjson.c		JSON text read in place: pages, items, AttributeValues
 *	plainjson.c		an item or AttributeValue as plain JSON
 *	attrcheck.c		AttributeValues checked as DynamoDB will, before sending
 *	itemsize.c		an item's size as DynamoDB counts it (400 KB limit)
 *	bucket.c		a token bucket of capacity units, with AIMD on throttling
 *	dynamo_int.h	the call and client structs the files share
 *
 *-------------------------------------------------------------------------
 */
#ifndef AWSTORE_DYNAMO_H
#define AWSTORE_DYNAMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http.h"

struct json_object;
typedef struct json_object DynValue;

typedef struct DynClient DynClient;
typedef struct DynCall DynCall;

/* ---------------------------------------------------------------------
 * Growable text buffer for request bodies (malloc'd).
 * ---------------------------------------------------------------------
 */
typedef struct DynBuf
{
	char	   *data;
	size_t		len;
	size_t		cap;
	bool		oom;			/* an allocation failed; data is unusable */
} DynBuf;

extern void dynbuf_init(DynBuf *buf);
extern void dynbuf_free(DynBuf *buf);
extern void dynbuf_reset(DynBuf *buf);
extern void dynbuf_append(DynBuf *buf, const char *data, size_t len);
extern void dynbuf_append_str(DynBuf *buf, const char *s);
extern void dynbuf_append_char(DynBuf *buf, char c);
extern void dynbuf_printf(DynBuf *buf, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

/* Appends s (len bytes, UTF-8) as a JSON string literal, quotes included. */
/*
 * The JSON escape of byte c inside a string literal, or NULL when c stands
 * for itself; u is room for a \\u00XX escape.
 */
extern const char *dyn_json_escape(unsigned char c, char u[7]);
extern void dynbuf_append_json_string(DynBuf *buf, const char *s, size_t len);

/* Hands the text over to the caller (malloc'd, NUL-terminated). */
extern char *dynbuf_release(DynBuf *buf, size_t *len);

/* ---------------------------------------------------------------------
 * Errors
 * ---------------------------------------------------------------------
 */
typedef enum DynErrorKind
{
	DYN_ERR_NONE = 0,
	DYN_ERR_UNREACHABLE,		/* could not resolve or connect */
	DYN_ERR_TRANSPORT,			/* connection dropped, timed out (after retries) */
	DYN_ERR_SERVICE,			/* DynamoDB answered with an error __type */
	DYN_ERR_HTTP,				/* a non-200 status without a DynamoDB error */
	DYN_ERR_RESPONSE,			/* a corrupt, truncated or malformed body */
	DYN_ERR_CANCELED,			/* the wait was interrupted */
	DYN_ERR_INTERNAL,			/* out of memory, libcurl refused */
	DYN_ERR_NO_SOCKET,			/* the caller's fd accounting refused a socket */
	DYN_ERR_CREDENTIALS			/* the credentials callback found none */
} DynErrorKind;

typedef struct DynError
{
	DynErrorKind kind;
	char		type[96];		/* DynamoDB's __type, without its namespace */
	char		message[768];	/* DynamoDB's or libcurl's message */
	long		http_status;
	int			curl_code;
	int			attempts;		/* requests sent, retries included */
	bool		retryable;		/* the last failure was of a retryable kind */
	char		request_id[80];
} DynError;

/*
 * Cuts from a DynamoDB error message the canonical request and string to
 * sign that AWS quotes in signature errors, and masks any security token
 * in it.  msg is a buffer of size bytes.
 */
extern void dyn_scrub_error_message(char *msg, size_t size);

/* Is this DynamoDB __type a throttling error that is retried? */
extern bool dyn_error_type_throttling(const char *type);

/*
 * Did the request fail because its temporary credentials had expired
 * (ExpiredTokenException, or an expired-token 403)?
 */
extern bool dyn_error_expired_token(const DynError *err);

/* ---------------------------------------------------------------------
 * Client and calls
 * ---------------------------------------------------------------------
 */
/*
 * Called right before each request is sent, when the credentials may
 * change (temporary ones): it brings the client's credentials up to date
 * with dyn_client_set_credentials() when they were refreshed.  expired
 * says that a request signed with the current ones was refused as
 * expired: they must be replaced, not reused.  Returns false, with err's
 * kind (DYN_ERR_CREDENTIALS, DYN_ERR_CANCELED) and message set, when no
 * credentials could be had: the call then fails with that error.  It must
 * not longjmp.
 */
typedef bool (*DynCredentialsFn) (DynClient *client, void *arg, bool expired,
								  DynError *err);

typedef struct DynConfig
{
	HttpConfig	http;
	int			max_retries;
	long		backoff_base_ms;
	long		backoff_cap_ms;
	DynCredentialsFn credentials_fn;	/* NULL: the credentials never change */
	void	   *credentials_arg;
	/* X-Amz-Target's service part; NULL: DynamoDB's, "DynamoDB_20120810" */
	const char *target_prefix;
} DynConfig;

/* Counters a call accumulates, for EXPLAIN ANALYZE. */
typedef struct DynStats
{
	long		requests;		/* HTTP requests sent */
	long		retries;		/* of which retries */
	double		capacity;		/* ConsumedCapacity.CapacityUnits summed */
	long		capacity_reports;	/* responses that carried ConsumedCapacity */
	long		throttles;		/* attempts DynamoDB throttled */
	long long	bytes;			/* response bytes received */
} DynStats;

typedef enum DynWaitResult
{
	DYN_WAIT_DONE,				/* a call finished (successfully or not) */
	DYN_WAIT_INTERRUPTED,		/* the wait callback gave up */
	DYN_WAIT_IDLE,				/* no call is in flight */
	DYN_WAIT_TIMEOUT			/* dyn_wait_until: the deadline passed */
} DynWaitResult;

extern DynClient *dyn_client_create(const DynConfig *cfg, DynError *err);
extern void dyn_client_destroy(DynClient *client);

/*
 * Signs the requests sent from now on with these credentials (copied);
 * calls in flight keep theirs.  Returns false when out of memory.
 */
extern bool dyn_client_set_credentials(DynClient *client, const char *access_key_id,
									   const char *secret_access_key,
									   const char *session_token);

/*
 * Starts an action ("Scan", "Query", …) with a JSON body.  The client takes
 * ownership of body (malloc'd).  Returns NULL only when out of memory.
 */
extern DynCall *dyn_call_start(DynClient *client, const char *action,
							   char *body, size_t len);

/*
 * Drives the calls in flight (sending retries when their backoff is over)
 * until one finishes.  Each finished call is handed out once.
 */
extern DynWaitResult dyn_wait(DynClient *client, HttpWaitFn wait, void *arg,
							  DynCall **done);

/*
 * dyn_wait, giving up at deadline_ms (dyn_now_ms's clock) with
 * DYN_WAIT_TIMEOUT; the calls in flight go on.  A deadline < 0 is none.
 */
extern DynWaitResult dyn_wait_until(DynClient *client, HttpWaitFn wait, void *arg,
									long long deadline_ms, DynCall **done);

/* Milliseconds of a monotonic clock. */
extern long long dyn_now_ms(void);

/*
 * Runs one call to completion.  Returns the finished call (check
 * dyn_call_ok), or NULL when the wait was interrupted; the call is then
 * freed already.
 */
extern DynCall *dyn_call_run(DynClient *client, const char *action,
							 char *body, size_t len,
							 HttpWaitFn wait, void *arg);

/* Has the call finished (successfully or not)? */
extern bool dyn_call_finished(const DynCall *call);
extern bool dyn_call_ok(DynCall *call);
extern const DynError *dyn_call_error(const DynCall *call);
extern DynValue *dyn_call_response(DynCall *call);

/*
 * A finished, successful Scan or Query call whose page is still kept
 * unparsed: the JSON text of the page's top-level member called name,
 * found without parsing the page (the streaming check noted where it is).
 * Returns 1 with *value and *len pointing into the kept page (valid until
 * the page is parsed or the call freed: copy it), 0 when the page has no
 * such member, -1 when that cannot be told without parsing the page (then
 * use dyn_call_response).
 */
extern int	dyn_call_raw_member(DynCall *call, const char *name,
								const char **value, size_t *len);

/*
 * The capacity units a finished, successful call's answer says it
 * consumed, known as soon as the call finished: from the kept page's
 * ConsumedCapacity member, without parsing the page.  1 with *units set,
 * 0 when the answer says nothing, -1 when it cannot be told without
 * parsing the page (then dyn_call_stats, once it is parsed) or the call
 * failed (then never).  Each CapacityUnits counts in [0, 1e7].
 */
extern int	dyn_call_capacity_now(DynCall *call, double *units);
extern const DynStats *dyn_call_stats(const DynCall *call);
extern const char *dyn_call_action(const DynCall *call);

/* Caller's own pointer, carried with the call. */
extern void dyn_call_set_user(DynCall *call, void *user);
extern void *dyn_call_get_user(const DynCall *call);

/* Frees a call and its response; a call in flight is aborted. */
extern void dyn_call_free(DynCall *call);

/*
 * Moves what has arrived for the calls in flight into them, without
 * waiting (http_pump): for a caller busy converting a page, so that the
 * next one keeps arriving.  Finished calls are handed out by dyn_wait;
 * retries are sent by it.
 */
extern void dyn_client_pump(DynClient *client);

/* Number of calls started and not yet handed out by dyn_wait. */
extern int	dyn_in_flight(DynClient *client);

/* Does the client have calls not yet freed (which point to it)? */
extern bool dyn_client_has_calls(DynClient *client);

/*
 * Closes idle connections beyond keep when no call is running (see
 * http_session_close_idle); returns the sockets still open.
 */
extern int	dyn_client_close_idle(DynClient *client, int keep);

/* Backoff delay before retry number attempt (1-based), full jitter. */
extern long dyn_backoff_ms(long base_ms, long cap_ms, int attempt, uint64_t *rng);

/* ---------------------------------------------------------------------
 * Reading responses
 * ---------------------------------------------------------------------
 */
typedef enum DynType
{
	DYN_T_INVALID = 0,
	DYN_T_S,
	DYN_T_N,
	DYN_T_B,
	DYN_T_BOOL,
	DYN_T_NULL,
	DYN_T_M,
	DYN_T_L,
	DYN_T_SS,
	DYN_T_NS,
	DYN_T_BS
} DynType;

extern const char *dyn_type_name(DynType type);
extern DynType dyn_type_from_name(const char *name);
extern DynType dyn_type_from_name_len(const char *name, size_t len);

extern DynValue *dyn_get(DynValue *object, const char *key);
extern bool dyn_is_object(DynValue *v);
extern bool dyn_is_array(DynValue *v);
extern int	dyn_array_length(DynValue *array);
extern DynValue *dyn_array_get(DynValue *array, int i);
extern const char *dyn_string(DynValue *v, size_t *len);	/* NULL if not a string */
extern long long dyn_integer(DynValue *v);
extern double dyn_double(DynValue *v);
extern bool dyn_boolean(DynValue *v);

/* Iterating an object's members in order. */
typedef struct DynObjectIter
{
	void	   *entry;
} DynObjectIter;

extern void dyn_object_iter_init(DynValue *object, DynObjectIter *iter);
extern bool dyn_object_iter_next(DynObjectIter *iter, const char **key,
								 DynValue **value);
extern int	dyn_object_size(DynValue *object);

/*
 * An AttributeValue ({"S": "x"}): its type and the value inside (a string
 * for S, N and B; a boolean; an object for M; an array for L and the
 * sets).  DYN_T_INVALID when it is not a well-formed AttributeValue.
 */
extern DynType dyn_attr(DynValue *av, DynValue **inner);

/* ---------------------------------------------------------------------
 * Reading JSON text in place (rawjson.c), for pages as received: nothing
 * is parsed or allocated.  The text must be JSON the streaming check
 * accepted; malformed text makes these fail, never read out of bounds.
 * ---------------------------------------------------------------------
 */

/*
 * A slice of JSON text: a whole value (a string with its quotes), or the
 * content of a string between its quotes, escapes undecoded (esc: it has
 * some).
 */
typedef struct DynRaw
{
	const char *p;
	size_t		len;
	bool		esc;
} DynRaw;

/*
 * The entries of an object or array, in order.  Opened on a slice (the
 * container exactly) or on where a container starts, with only an upper
 * bound of where it ends: the close is found by the iteration.
 */
typedef struct DynRawIter
{
	const char *p;
	const char *end;			/* no byte at or after it is read */
	const char *exact;			/* the slice's end, or NULL */
	char		close;			/* '}' or ']' */
	bool		first;
	bool		ok;
	bool		closed;			/* the close was reached; p is past it */
} DynRawIter;

/* The one value that text is (whitespace around it); false if it is not. */
extern bool dyn_raw_value(const char *text, size_t len, DynRaw *value);

extern void dyn_raw_iter_init(DynRaw container, DynRawIter *it);
extern void dyn_raw_iter_open(const char *p, const char *end, DynRawIter *it);

/*
 * The next entry's first byte, without reading the entry: the caller
 * reads it and says where it ended with dyn_raw_iter_skip_to.
 */
extern bool dyn_raw_next_start(DynRawIter *it, const char **start);
extern void dyn_raw_iter_skip_to(DynRawIter *it, const char *after);

/*
 * The next member of an item: the attribute's name (content, as a key),
 * its whole AttributeValue, and that read as dyn_raw_attr reads it — in
 * one pass for the common form.  A malformed AttributeValue gives
 * DYN_T_INVALID; false at the end of the item or on junk.
 */
extern bool dyn_raw_next_attr(DynRawIter *it, DynRaw *name, DynRaw *av, DynType *type,
							  DynRaw *inner);

/* The value that starts text (whitespace before it), whatever follows. */
extern bool dyn_raw_first_value(const char *p, const char *end, DynRaw *value);

/* The next member of an object: key is the key's content (see DynRaw). */
extern bool dyn_raw_next_member(DynRawIter *it, DynRaw *key, DynRaw *value);
extern bool dyn_raw_next_element(DynRawIter *it, DynRaw *elem);

/*
 * After next returned false: did the iteration reach the container's
 * close (and, for a slice, is that its end), not junk?
 */
extern bool dyn_raw_iter_done(const DynRawIter *it);

/* The member of object called name (the last one, if it repeats). */
extern bool dyn_raw_member(DynRaw object, const char *name, DynRaw *value);

/* Is the key's content, decoded, exactly name? */
extern bool dyn_raw_key_is(DynRaw key, const char *name, size_t name_len);

/* A string value's content; false if value is not a string. */
extern bool dyn_raw_string(DynRaw value, DynRaw *content);

/*
 * Decodes the escapes of a string's content (len bytes) into dst, which
 * has room for len bytes (decoding never lengthens), and returns the
 * decoded length, or DYN_RAW_BAD_ESCAPE for an escape that is not JSON
 * or a surrogate without its pair (no UTF-8 can hold it).  \u0000 decodes
 * to a NUL byte: the caller decides whether it can hold one.
 */
#define DYN_RAW_BAD_ESCAPE ((size_t) -1)
extern size_t dyn_raw_unescape(const char *s, size_t len, char *dst);

/*
 * An AttributeValue in place: its type, and inner as dyn_attr's, except
 * that S, N and B give the string's content.  Exactly one member, known
 * type, the right JSON type inside; else DYN_T_INVALID.
 */
extern DynType dyn_raw_attr(DynRaw av, DynRaw *inner);

/* BOOL's value: is the literal true? */
extern bool dyn_raw_true(DynRaw v);

/* A JSON integer (Count, ScannedCount); saturates, 0 for junk. */
extern long long dyn_raw_integer(DynRaw v);

/*
 * A finished, successful call's body as received, unparsed (Scan, Query,
 * GetItem and BatchGetItem keep theirs): a JSON object, valid until the
 * call is freed.  Its ConsumedCapacity counts in the stats from this call
 * on, as dyn_call_ok's parsing would count it.  False when the call
 * failed, or its body was parsed already (then use dyn_call_response).
 */
extern bool dyn_call_page(DynCall *call, DynRaw *page);

/* As dyn_attr_to_plain_json and dyn_item_to_plain_json, in place. */
extern bool dyn_raw_attr_to_plain_json(DynRaw av, DynBuf *out);
extern bool dyn_raw_item_to_plain_json(DynRaw item, DynBuf *out);

/*
 * Renders an AttributeValue as plain JSON (S → string, N → number, BOOL,
 * NULL → null, M → object, L and sets → arrays, B → base64 string) or a
 * whole item (a map of AttributeValues) as a plain JSON object.  Returns
 * false when the value is malformed.
 */
extern bool dyn_attr_to_plain_json(DynValue *av, DynBuf *out);
extern bool dyn_item_to_plain_json(DynValue *item, DynBuf *out);

/* Serializes any value as compact JSON (DynamoDB's typed form as is). */
extern void dyn_to_json(DynValue *v, DynBuf *out);

/* Parses JSON text into a value the caller frees with dyn_value_free. */
extern DynValue *dyn_parse(const char *text, size_t len);
extern void dyn_value_free(DynValue *v);

/* Is text a number as DynamoDB's N accepts and JSON can carry as is? */
extern bool dyn_number_is_json(const char *text, size_t len);

/*
 * Appends N's text as a JSON number, mending the forms DynamoDB takes and
 * JSON does not (+1, 007, .5, 5.) without changing the value; false when
 * it is no number.
 */
extern bool dyn_plain_number(const char *text, size_t len, DynBuf *out);

/* ---------------------------------------------------------------------
 * Request bodies, one function per action (actions.c).  Each returns a
 * malloc'd JSON text for dyn_call_start(), or NULL when out of memory.
 * Arguments named *_json are JSON text inserted as is: AttributeValues,
 * keys, ExpressionAttributeNames / Values objects.
 * ---------------------------------------------------------------------
 */
typedef struct DynReadRequest
{
	const char *table;
	const char *index;			/* NULL: the table itself */
	const char *key_condition;	/* Query's KeyConditionExpression */
	const char *filter;			/* FilterExpression, NULL for none */
	const char *projection;		/* ProjectionExpression, NULL for all */
	const char *names_json;		/* ExpressionAttributeNames, NULL for none */
	const char *values_json;	/* ExpressionAttributeValues, NULL for none */
	const char *start_key_json; /* ExclusiveStartKey, NULL to start over */
	bool		consistent_read;
	bool		count_only;		/* Select = COUNT */
	long		limit;			/* Limit, 0 for none */
	int			segment;		/* parallel Scan: this segment ... */
	int			total_segments; /* ... of that many (0: not parallel) */
} DynReadRequest;

extern char *dyn_body_scan(const DynReadRequest *req, size_t *len);
extern char *dyn_body_query(const DynReadRequest *req, size_t *len);
extern char *dyn_body_get_item(const char *table, const char *key_json,
							   const char *projection, const char *names_json,
							   bool consistent_read, size_t *len);

/* keys_json: the JSON array of keys; request_items_json: a whole
 * RequestItems object (to resend UnprocessedKeys), used when not NULL. */
extern char *dyn_body_batch_get_item(const char *table, const char *keys_json,
									 const char *projection,
									 const char *names_json,
									 bool consistent_read,
									 const char *request_items_json,
									 size_t *len);
extern char *dyn_body_describe_table(const char *table, size_t *len);
extern char *dyn_body_list_tables(const char *start_table, int limit, size_t *len);

/* PutItem; condition (with names/values) may be NULL. */
extern char *dyn_body_put_item(const char *table, const char *item_json,
							   const char *condition, const char *names_json,
							   const char *values_json, size_t *len);

/*
 * UpdateItem and DeleteItem of the item with key key_json; condition and
 * return_values ("ALL_NEW", "ALL_OLD") may be NULL.
 */
extern char *dyn_body_update_item(const char *table, const char *key_json,
								  const char *update, const char *condition,
								  const char *names_json, const char *values_json,
								  const char *return_values, size_t *len);
extern char *dyn_body_delete_item(const char *table, const char *key_json,
								  const char *condition, const char *names_json,
								  const char *return_values, size_t *len);

/*
 * BatchWriteItem: requests_json is the JSON array of PutRequest and
 * DeleteRequest objects for table, or request_items_json a whole
 * RequestItems object (to resend UnprocessedItems).
 */
extern char *dyn_body_batch_write_item(const char *table, const char *requests_json,
									   const char *request_items_json, size_t *len);

/*
 * CreateTable.  attributes_json is the AttributeDefinitions array,
 * key_schema_json the KeySchema array, gsi_json the GlobalSecondaryIndexes
 * array (NULL for none); provisioned_json the ProvisionedThroughput object
 * when billing_mode is PROVISIONED.
 */
extern char *dyn_body_create_table(const char *table, const char *attributes_json,
								   const char *key_schema_json, const char *gsi_json,
								   const char *billing_mode,
								   const char *provisioned_json, size_t *len);
extern char *dyn_body_delete_table(const char *table, size_t *len);
extern char *dyn_body_describe_time_to_live(const char *table, size_t *len);
extern char *dyn_body_update_time_to_live(const char *table, const char *attribute,
										  bool enabled, size_t *len);
/* UpdateTable turning the table's stream on (with a view type) or off */
extern char *dyn_body_update_table_stream(const char *table, bool enabled,
										  const char *view_type, size_t *len);

/*
 * The size DynamoDB counts for an item (a map of AttributeValues) against
 * its 400 KB limit: names and values in UTF-8, numbers about one byte per
 * two digits, binaries decoded, 3 bytes of overhead per map or list and 1
 * per element.  -1 when the item is malformed.
 */
extern long dyn_item_size(DynValue *item);

#define DYN_MAX_ITEM_SIZE (400 * 1024)

/*
 * A token bucket of capacity units (bucket.c): times in seconds of a
 * monotonic clock.  A bucket starts empty; dyn_bucket_lower cuts the cap
 * of one in use; dyn_bucket_owed says the deficit it ends with (which the
 * next bucket for the same work takes over with dyn_bucket_take).
 * dyn_bucket_delay says how long a request of that expected cost must
 * wait (0: it may go), dyn_bucket_take debits it, dyn_bucket_settle debits
 * what the answer says was consumed beyond it, dyn_bucket_throttled lowers
 * the rate after DynamoDB throttled.
 */
typedef struct DynBucket
{
	double		cap;			/* units per second, never exceeded */
	double		rate;			/* units per second now */
	double		burst;			/* the most tokens held */
	double		tokens;			/* below 0: a deficit to wait out */
	double		last;			/* last refill */
	double		last_throttle;	/* last halving, or < 0 */
} DynBucket;

extern void dyn_bucket_init(DynBucket *b, double cap, double burst, double now);
extern void dyn_bucket_lower(DynBucket *b, double cap, double burst, double now);
extern double dyn_bucket_delay(DynBucket *b, double cost, double now);
extern void dyn_bucket_take(DynBucket *b, double cost);
extern double dyn_bucket_owed(DynBucket *b, double now);
extern void dyn_bucket_settle(DynBucket *b, double expected, double actual);
extern void dyn_bucket_throttled(DynBucket *b, double now);

/*
 * Checks an AttributeValue as DynamoDB will before it is sent: one known
 * type, numbers DynamoDB can store (syntax, 38 digits, range), strict
 * base64, {"NULL": true} only, sets non-empty without duplicates (numbers
 * compared by value), M and L nested at most DYN_MAX_NESTING levels.  path
 * (size bytes) holds the attribute's name on entry; on failure it names
 * the place ("tags.a[2]") and *why says what is wrong, as a predicate
 * ("is not a number").  Empty strings and key rules are the caller's.
 */
extern bool dyn_attr_check(DynValue *av, char *path, size_t size, const char **why);

#endif							/* AWSTORE_DYNAMO_H */
