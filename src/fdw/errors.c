/*-------------------------------------------------------------------------
 *
 * errors.c
 *		DynamoDB errors reported as PostgreSQL errors.
 *
 * A failed request comes back from the dynamo layer as a DynError: a kind
 * (no connection, dropped connection, DynamoDB's own error, …) and, for
 * DynamoDB's errors, its __type and message.  Here it becomes an ERROR the
 * way postgres_fdw's pgfdw_report_error does it: the SQLSTATE from two
 * tables (one by kind, one by __type, ERRCODE_FDW_ERROR when neither
 * knows it), a primary message of our own, DynamoDB's message in the
 * detail, a hint where the fix is known, and the action and table in the
 * context.
 *
 * Every primary message is a whole sentence, so that it can be translated:
 * where the number of attempts is told, the message with it and the one
 * without are two messages.  No credential is ever part of a message: the
 * dynamo layer's messages carry none, and nothing here adds one.
 *
 * Nothing here sends a request: the request layer (request.c) calls in.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "fdw/fdw.h"

/*
 * Raises the error of an interrupted wait: the query-cancel (or
 * termination) error itself when one is pending.
 */
void
awstore_raise_canceled(void)
{
	CHECK_FOR_INTERRUPTS();
	/* an interrupt that did not raise an error: still, the request is gone */
	ereport(ERROR,
			(errcode(ERRCODE_QUERY_CANCELED),
			 errmsg("DynamoDB request interrupted")));
}

/* The SQLSTATE of each kind of failure but DynamoDB's own errors. */
static const int aw_kind_sqlstates[] = {
	[DYN_ERR_UNREACHABLE] = ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION,
	[DYN_ERR_TRANSPORT] = ERRCODE_CONNECTION_FAILURE,
	[DYN_ERR_HTTP] = ERRCODE_FDW_ERROR,
	[DYN_ERR_RESPONSE] = ERRCODE_FDW_ERROR,
	[DYN_ERR_CANCELED] = ERRCODE_QUERY_CANCELED,
	[DYN_ERR_INTERNAL] = ERRCODE_OUT_OF_MEMORY,
	[DYN_ERR_NO_SOCKET] = ERRCODE_INSUFFICIENT_RESOURCES,
	[DYN_ERR_CREDENTIALS] = ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION,
};

/* The SQLSTATE of DynamoDB's error types (its __type). */
typedef struct AwErrorType
{
	const char *type;
	int			sqlstate;
} AwErrorType;

static const AwErrorType aw_type_sqlstates[] = {
	{"ResourceNotFoundException", ERRCODE_FDW_TABLE_NOT_FOUND},
	{"UnrecognizedClientException", ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION},
	{"InvalidSignatureException", ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION},
	{"MissingAuthenticationTokenException", ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION},
	{"IncompleteSignatureException", ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION},
	{"ExpiredTokenException", ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION},
	{"InvalidClientTokenId", ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION},
	{"AccessDeniedException", ERRCODE_INSUFFICIENT_PRIVILEGE},
	{"ConditionalCheckFailedException", ERRCODE_FDW_ERROR},
	{"ItemCollectionSizeLimitExceededException", ERRCODE_PROGRAM_LIMIT_EXCEEDED},
	{"ResourceInUseException", ERRCODE_OBJECT_IN_USE},
	{"LimitExceededException", ERRCODE_CONFIGURATION_LIMIT_EXCEEDED},
	{"ValidationException", ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE},
	{"SerializationException", ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE},
};

/*
 * The SQLSTATE of a failure: by its kind, else by DynamoDB's error type
 * (every throttling type counts as a limit exceeded), else
 * ERRCODE_FDW_ERROR.
 */
static int
aw_sqlstate(const DynError *err)
{
	if (err->kind > DYN_ERR_NONE && (size_t) err->kind < lengthof(aw_kind_sqlstates) &&
		aw_kind_sqlstates[err->kind] != 0)
		return aw_kind_sqlstates[err->kind];
	for (size_t i = 0; i < lengthof(aw_type_sqlstates); i++)
		if (strcmp(err->type, aw_type_sqlstates[i].type) == 0)
			return aw_type_sqlstates[i].sqlstate;
	if (dyn_error_type_throttling(err->type))
		return ERRCODE_CONFIGURATION_LIMIT_EXCEEDED;
	return ERRCODE_FDW_ERROR;
}

static int
aw_error_context(const char *action, const char *table)
{
	if (table)
		return errcontext("DynamoDB %s on table \"%s\"", action, table);
	return errcontext("DynamoDB %s", action);
}

/* Does action read (Scan, Query, GetItem …) rather than write? */
static bool
aw_is_read_action(const char *action)
{
	return strcmp(action, "Scan") == 0 || strcmp(action, "Query") == 0 ||
		strcmp(action, "GetItem") == 0 || strcmp(action, "BatchGetItem") == 0;
}

void
awstore_report_error(const DynError *err, const char *action, const char *table)
{
	int			code = aw_sqlstate(err);
	int			attempts = err->attempts;

	if (err->kind == DYN_ERR_UNREACHABLE && http_curl_code_tls(err->curl_code))
		ereport(ERROR,
				(errcode(ERRCODE_SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION),
				 errmsg("could not establish a verified TLS connection to DynamoDB"),
				 errdetail_internal("%s", err->message),
				 errhint("Check the server's endpoint, and its ca_bundle option: the endpoint's certificate must be valid, for its host name, and signed by a trusted CA."),
				 aw_error_context(action, table)));
	switch (err->kind)
	{
		case DYN_ERR_UNREACHABLE:
			ereport(ERROR,
					(errcode(code),
					 errmsg("could not connect to DynamoDB"),
					 errdetail_internal("%s", err->message),
					 errhint("Check the server's endpoint and region options, and the network."),
					 aw_error_context(action, table)));
			break;
		case DYN_ERR_TRANSPORT:
			ereport(ERROR,
					(errcode(code),
					 attempts > 1
					 ? errmsg("lost the connection to DynamoDB after %d attempts", attempts)
					 : errmsg("lost the connection to DynamoDB"),
					 errdetail_internal("%s", err->message),
					 errhint("Check the network, or raise the server's request_timeout or max_retries."),
					 aw_error_context(action, table)));
			break;
		case DYN_ERR_RESPONSE:
			ereport(ERROR,
					(errcode(code),
					 attempts > 1
					 ? errmsg("invalid response from DynamoDB after %d attempts", attempts)
					 : errmsg("invalid response from DynamoDB"),
					 errdetail_internal("%s", err->message),
					 aw_error_context(action, table)));
			break;
		case DYN_ERR_HTTP:
			ereport(ERROR,
					(errcode(code),
					 attempts > 1
					 ? errmsg("unexpected HTTP response from DynamoDB after %d attempts", attempts)
					 : errmsg("unexpected HTTP response from DynamoDB"),
					 errdetail_internal("%s", err->message),
					 errhint("Check that the server's endpoint is a DynamoDB endpoint."),
					 aw_error_context(action, table)));
			break;
		case DYN_ERR_CANCELED:
			awstore_raise_canceled();
			break;
		case DYN_ERR_INTERNAL:
			ereport(ERROR,
					(errcode(code),
					 errmsg("could not send a DynamoDB request"),
					 errdetail_internal("%s", err->message),
					 aw_error_context(action, table)));
			break;
		case DYN_ERR_NO_SOCKET:
			ereport(ERROR,
					(errcode(code),
					 errmsg("could not open another connection to DynamoDB: too many open files in this backend"),
					 errdetail("The backend may use only part of max_files_per_process for sockets, and they are in use."),
					 errhint("Lower the scan_segments option, close cursors open on other servers, or raise max_files_per_process."),
					 aw_error_context(action, table)));
			break;
		case DYN_ERR_CREDENTIALS:
			ereport(ERROR,
					(errcode(code),
					 errmsg("could not renew the AWS credentials of a DynamoDB request"),
					 errdetail_internal("%s", err->message),
					 aw_error_context(action, table)));
			break;
		case DYN_ERR_SERVICE:
		case DYN_ERR_NONE:
			break;
	}

	if (strcmp(err->type, "ResourceNotFoundException") == 0)
		ereport(ERROR,
				(errcode(code),
				 table ? errmsg("DynamoDB table \"%s\" does not exist", table)
				 : errmsg("DynamoDB resource not found"),
				 errdetail_internal("%s", err->message),
				 errhint("Check the table_name option and the server's region."),
				 aw_error_context(action, table)));
	if (strcmp(err->type, "InvalidSignatureException") == 0 &&
		strstr(err->message, "scoped to a valid region") != NULL)
		ereport(ERROR,
				(errcode(code),
				 errmsg("DynamoDB rejected the region of the request signature"),
				 errdetail_internal("%s", err->message),
				 errhint("Check the server's region option: it must match the endpoint's region."),
				 aw_error_context(action, table)));
	if (code == ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION)
		ereport(ERROR,
				(errcode(code),
				 errmsg("DynamoDB rejected the credentials (%s)", err->type),
				 errdetail_internal("%s", err->message),
				 errhint("Check the user mapping's credentials: access_key_id, secret_access_key and session_token, or what its credential_source gives."),
				 aw_error_context(action, table)));
	if (strcmp(err->type, "UnknownOperationException") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the DynamoDB endpoint does not implement %s", action),
				 err->message[0] ? errdetail_internal("%s", err->message) : 0,
				 errhint("Local DynamoDB servers implement only part of the API."),
				 aw_error_context(action, table)));
	if (dyn_error_type_throttling(err->type))
		ereport(ERROR,
				(errcode(code),
				 attempts > 1
					 ? errmsg("DynamoDB kept throttling requests after %d attempts", attempts)
					 : errmsg("DynamoDB kept throttling requests"),
				 errdetail_internal("%s: %s", err->type, err->message),
				 aw_is_read_action(action)
				 ? errhint("Raise the table's read capacity or the server's max_retries, or lower scan_segments.")
				 : errhint("Raise the table's write capacity or the server's max_retries."),
				 aw_error_context(action, table)));
	if (strcmp(err->type, "ResourceInUseException") == 0 && table)
		ereport(ERROR,
				(errcode(strcmp(action, "CreateTable") == 0 ? ERRCODE_DUPLICATE_TABLE : code),
				 strcmp(action, "CreateTable") == 0
				 ? errmsg("DynamoDB table \"%s\" already exists", table)
				 : errmsg("DynamoDB table \"%s\" is in use", table),
				 err->message[0] ? errdetail_internal("%s", err->message) : 0,
				 strcmp(action, "CreateTable") == 0 ? 0 :
				 errhint("A table being created, updated or deleted accepts no other change until it is done."),
				 aw_error_context(action, table)));
	ereport(ERROR,
			(errcode(code),
			 err->type[0]
			 ? (attempts > 1
				? errmsg("DynamoDB returned %s after %d attempts", err->type, attempts)
				: errmsg("DynamoDB returned %s", err->type))
			 : (attempts > 1
				? errmsg("DynamoDB returned an error after %d attempts", attempts)
				: errmsg("DynamoDB returned an error")),
			 err->message[0] ? errdetail_internal("%s", err->message) : 0,
			 aw_error_context(action, table)));
	pg_unreachable();
}
