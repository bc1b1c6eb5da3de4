/*-------------------------------------------------------------------------
 *
 * dynamo_int.h
 *		What the files of a DynamoDB call share: the call and the client.
 *
 * DynCall and DynClient are opaque outside this folder (dynamo.h only
 * names them).  client.c runs a call through its states; response.c
 * receives and judges each attempt's response; dynerror.c fills in a
 * DynError.  Like the rest of src/dynamo this never includes postgres.h;
 * json-c's headers stay here too.
 *
 * A call is WAITING (not sent, or backing off before a retry), RUNNING (an
 * HTTP request in flight), DONE (finished, not yet handed out by dyn_wait)
 * or RETURNED.  Every call is on its client's list until dyn_call_free().
 *
 *-------------------------------------------------------------------------
 */
#ifndef AWSTORE_DYNAMO_INT_H
#define AWSTORE_DYNAMO_INT_H

#include "dynamo.h"

#include <json-c/json.h>

#include "dynamo/jsoncheck.h"

typedef enum DynCallState
{
	DYN_CALL_WAITING,			/* not sent yet, or backing off before a retry */
	DYN_CALL_RUNNING,			/* an HTTP request is in flight */
	DYN_CALL_DONE,				/* finished, not yet handed out */
	DYN_CALL_RETURNED			/* handed out by dyn_wait */
} DynCallState;

struct DynCall
{
	DynClient  *client;
	char		action[40];
	char		target[64];
	char	   *body;
	size_t		body_len;
	DynCallState state;
	long long	retry_at;		/* monotonic ms when WAITING */
	HttpTransfer *xfer;
	json_tokener *tok;
	json_object *root;			/* the parsed body of the last attempt */
	bool		parse_error;
	bool		too_deep;		/* the body nests deeper than any DynamoDB's */
	bool		deferred;		/* a 200 body is kept raw until used */
	bool		page_counted;	/* dyn_call_page counted its capacity */
	char	   *raw;			/* the kept body (deferred) */
	size_t		raw_len;
	size_t		raw_cap;
	DynJsonCheck check;			/* of the body, as it arrives */
	DynError	error;
	DynStats	stats;
	void	   *user;
	long		sent_generation;	/* credentials the last attempt used */
	bool		renewed;		/* retried once with renewed credentials */
	bool		expired;		/* the next attempt needs renewed ones */
	DynCall    *prev;
	DynCall    *next;
};

struct DynClient
{
	HttpSession *http;
	int			max_retries;
	long		backoff_base_ms;
	long		backoff_cap_ms;
	uint64_t	rng;
	size_t		max_body;		/* the session's cap of a response body */
	DynCredentialsFn credentials_fn;
	void	   *credentials_arg;
	long		credentials_generation; /* bumped by dyn_client_set_credentials */
	DynCall    *calls;			/* every call not yet freed */
	int			in_flight;		/* calls not yet handed out */
	char		target_prefix[48];	/* "DynamoDB_20120810." */
};

/* dynerror.c */
extern void dyn_set_error(DynError *err, DynErrorKind kind, const char *message);

/* response.c */
extern void dyn_body_sink(void *arg, const char *data, size_t len);
extern bool dyn_judge(DynCall *call, const HttpResult *res);

#endif							/* AWSTORE_DYNAMO_INT_H */
