/*-------------------------------------------------------------------------
 *
 * options.c
 *		Options of the awstore_dynamodb wrapper: validation and lookup.
 *
 * Each option is valid on one or more kinds of object (server, user
 * mapping, foreign table, column) and has a checker for its value.  The
 * validator rejects an unknown option, or one given on the wrong kind of
 * object, with the hint listing what is valid there, as postgres_fdw does.
 * Values of secret options are never repeated in a message.
 *
 * Credentials: every credential_source but static, a profile, and a
 * role assumed without the mapping's own keys use the database server's
 * own AWS identity, so only superusers may set them (the reasoning of
 * postgres_fdw's password_required).  The validator sees a user mapping's
 * whole option list, ALTER USER MAPPING included, so a role that is not a
 * superuser can neither add such an option nor keep one while changing
 * others.
 *
 * Lookup merges server and table options into one AwOptions: a table's
 * consistent_read, scan_segments, batch_size and capacity budgets
 * (max_read_capacity, max_write_capacity, read_capacity_percent,
 * write_capacity_percent) override the server's, each on its own.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <sys/socket.h>

#include "access/reloptions.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "fdw/fdw.h"

typedef enum AwOptionCheck
{
	AW_CHECK_STRING,			/* any non-empty string */
	AW_CHECK_SECRET,			/* non-empty, never shown */
	AW_CHECK_REGION,
	AW_CHECK_ENDPOINT,
	AW_CHECK_CA_BUNDLE,			/* an absolute file path; superusers only */
	AW_CHECK_PROXY,				/* an http(s) URL; superusers only */
	AW_CHECK_DURATION,			/* a positive time, milliseconds by default */
	AW_CHECK_RETRIES,
	AW_CHECK_BOOL,
	AW_CHECK_SEGMENTS,
	AW_CHECK_BATCH_SIZE,
	AW_CHECK_CAPACITY,			/* units per second, [0.01, 1e6] */
	AW_CHECK_PERCENT,			/* a share of provisioned capacity, [0.01, 100] */
	AW_CHECK_ATTRIBUTE_TYPE,
	AW_CHECK_DOCUMENT,
	AW_CHECK_NULL_AS,
	AW_CHECK_STS_ENDPOINT,		/* an endpoint without user name or password */
	AW_CHECK_CREDENTIAL_SOURCE,
	AW_CHECK_ROLE_ARN,
	AW_CHECK_ROLE_SESSION_NAME,
	AW_CHECK_ROLE_DURATION
} AwOptionCheck;

typedef struct AwOptionDef
{
	const char *name;
	Oid			context;		/* catalog of the object it belongs to */
	AwOptionCheck check;
} AwOptionDef;

static const AwOptionDef aw_options[] = {
	{"region", ForeignServerRelationId, AW_CHECK_REGION},
	{"endpoint", ForeignServerRelationId, AW_CHECK_ENDPOINT},
	{"streams_endpoint", ForeignServerRelationId, AW_CHECK_ENDPOINT},
	{"sts_endpoint", ForeignServerRelationId, AW_CHECK_STS_ENDPOINT},
	{"ca_bundle", ForeignServerRelationId, AW_CHECK_CA_BUNDLE},
	{"proxy", ForeignServerRelationId, AW_CHECK_PROXY},
	{"connect_timeout", ForeignServerRelationId, AW_CHECK_DURATION},
	{"request_timeout", ForeignServerRelationId, AW_CHECK_DURATION},
	{"max_retries", ForeignServerRelationId, AW_CHECK_RETRIES},
	{"consistent_read", ForeignServerRelationId, AW_CHECK_BOOL},
	{"scan_segments", ForeignServerRelationId, AW_CHECK_SEGMENTS},
	{"batch_size", ForeignServerRelationId, AW_CHECK_BATCH_SIZE},
	{"max_read_capacity", ForeignServerRelationId, AW_CHECK_CAPACITY},
	{"max_write_capacity", ForeignServerRelationId, AW_CHECK_CAPACITY},
	{"read_capacity_percent", ForeignServerRelationId, AW_CHECK_PERCENT},
	{"write_capacity_percent", ForeignServerRelationId, AW_CHECK_PERCENT},

	{"access_key_id", UserMappingRelationId, AW_CHECK_STRING},
	{"secret_access_key", UserMappingRelationId, AW_CHECK_SECRET},
	{"session_token", UserMappingRelationId, AW_CHECK_SECRET},
	{"credential_source", UserMappingRelationId, AW_CHECK_CREDENTIAL_SOURCE},
	{"profile", UserMappingRelationId, AW_CHECK_STRING},
	{"role_arn", UserMappingRelationId, AW_CHECK_ROLE_ARN},
	{"external_id", UserMappingRelationId, AW_CHECK_STRING},
	{"role_session_name", UserMappingRelationId, AW_CHECK_ROLE_SESSION_NAME},
	{"duration", UserMappingRelationId, AW_CHECK_ROLE_DURATION},

	{"table_name", ForeignTableRelationId, AW_CHECK_STRING},
	{"partition_key", ForeignTableRelationId, AW_CHECK_STRING},
	{"sort_key", ForeignTableRelationId, AW_CHECK_STRING},
	{"consistent_read", ForeignTableRelationId, AW_CHECK_BOOL},
	{"scan_segments", ForeignTableRelationId, AW_CHECK_SEGMENTS},
	{"batch_size", ForeignTableRelationId, AW_CHECK_BATCH_SIZE},
	{"max_read_capacity", ForeignTableRelationId, AW_CHECK_CAPACITY},
	{"max_write_capacity", ForeignTableRelationId, AW_CHECK_CAPACITY},
	{"read_capacity_percent", ForeignTableRelationId, AW_CHECK_PERCENT},
	{"write_capacity_percent", ForeignTableRelationId, AW_CHECK_PERCENT},

	{"attribute_name", AttributeRelationId, AW_CHECK_STRING},
	{"attribute_type", AttributeRelationId, AW_CHECK_ATTRIBUTE_TYPE},
	{"document", AttributeRelationId, AW_CHECK_DOCUMENT},
	{"null_as", AttributeRelationId, AW_CHECK_NULL_AS},
	{NULL, InvalidOid, AW_CHECK_STRING}
};

PG_FUNCTION_INFO_V1(awstore_dynamodb_validator);

static const char *
aw_context_name(Oid context)
{
	switch (context)
	{
		case ForeignServerRelationId:
			return "a foreign server";
		case UserMappingRelationId:
			return "a user mapping";
		case ForeignTableRelationId:
			return "a foreign table";
		case AttributeRelationId:
			return "a column";
		default:
			return "this object";
	}
}

static void
aw_bad_value(DefElem *def, bool secret, const char *hint)
{
	if (secret)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"%s\"", def->defname),
				 hint ? errhint("%s", hint) : 0));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for option \"%s\": \"%s\"",
					def->defname, defGetString(def)),
			 hint ? errhint("%s", hint) : 0));
}

/*
 * Endpoints a role that is not a superuser may give: the user mappings'
 * credentials (session tokens among them) go wherever the endpoint points.
 * Plain http:// only to a loopback address, never a link-local address
 * (the instance metadata service), and never a user name or password in
 * the URL.  The http layer checks the address it actually connects to as
 * well (HttpConfig.restrict_addresses), since a host name can resolve
 * anywhere; this check gives the clear error up front.
 */
static void
aw_check_endpoint_privilege(DefElem *def, const char *url)
{
	bool		plain_http = pg_strncasecmp(url, "http://", 7) == 0;
	const char *host = strstr(url, "://") + 3;
	size_t		hostlen = strcspn(host, "/?#");
	char	   *authority = pnstrdup(host, hostlen);
	char	   *name = authority;
	char	   *end;
	const char *why = NULL;
	unsigned char addr[16];

	if (strchr(authority, '@') != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"%s\"", def->defname),
				 errdetail("An endpoint must not hold a user name or password.")));
	if (name[0] == '[')
	{
		name++;
		end = strchr(name, ']');
		if (end)
			*end = '\0';
		if (inet_pton(AF_INET6, name, addr) == 1)
			why = http_address_refusal(AF_INET6, addr, plain_http);
		else
			why = "an address that is not valid";
	}
	else
	{
		end = strchr(name, ':');
		if (end)
			*end = '\0';
		if (inet_pton(AF_INET, name, addr) == 1)
			why = http_address_refusal(AF_INET, addr, plain_http);
		else if (plain_http && pg_strcasecmp(name, "localhost") != 0)
			why = "plain http:// beyond the loopback interface (credentials would travel in clear)";
	}
	if (why)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("only superusers may give an endpoint that uses %s", why),
				 errdetail("Endpoint \"%s\" was given by a role that is not a superuser.", url),
				 errhint("Use https://, or http:// to 127.0.0.1, ::1 or localhost; or ask a superuser to create the server.")));
	pfree(authority);
}

/* Parses a duration option ("500ms", "5s", "2min"; bare numbers are ms). */
static int
aw_parse_duration(DefElem *def)
{
	int			ms;
	const char *hintmsg = NULL;

	if (!parse_int(defGetString(def), &ms, GUC_UNIT_MS, &hintmsg) || ms <= 0)
		aw_bad_value(def, false,
					 hintmsg ? hintmsg : "Give a positive time such as '500ms', '10s' or '2min'.");
	return ms;
}

/* AssumeRole's DurationSeconds: 15 minutes to 12 hours ("1h", bare: s). */
static int
aw_parse_role_duration(DefElem *def)
{
	int			s;

	if (!parse_int(defGetString(def), &s, GUC_UNIT_S, NULL) || s < 900 || s > 43200)
		aw_bad_value(def, false,
					 "Give a time from 15 minutes to 12 hours, such as '3600' (seconds) or '1h'.");
	return s;
}

static int
aw_parse_int_range(DefElem *def, int min, int max, const char *hint)
{
	int			value;

	if (!parse_int(defGetString(def), &value, 0, NULL) || value < min || value > max)
		aw_bad_value(def, false, hint);
	return value;
}

/* A decimal number in [min, max]: capacity units per second, or a percent. */
static double
aw_parse_decimal(DefElem *def, double min, double max, const char *hint)
{
	double		value;

	if (!parse_real(defGetString(def), &value, 0, NULL) || !isfinite(value) ||
		value < min || value > max)
		aw_bad_value(def, false, hint);
	return value;
}

static bool
aw_parse_bool(DefElem *def)
{
	bool		value;

	if (!parse_bool(defGetString(def), &value))
		aw_bad_value(def, false, "Give true or false.");
	return value;
}

static void
aw_check_value(const AwOptionDef *opt, DefElem *def)
{
	const char *value = defGetString(def);

	switch (opt->check)
	{
		case AW_CHECK_STRING:
		case AW_CHECK_SECRET:
			if (value[0] == '\0')
				aw_bad_value(def, opt->check == AW_CHECK_SECRET, "The value must not be empty.");
			break;
		case AW_CHECK_REGION:
			{
				bool		ok = value[0] != '\0';

				for (const char *p = value; *p; p++)
					if (!(islower((unsigned char) *p) || isdigit((unsigned char) *p) || *p == '-'))
						ok = false;
				if (!ok)
					aw_bad_value(def, false, "A region looks like us-east-1 or eu-west-2.");
				break;
			}
		case AW_CHECK_STS_ENDPOINT:
			{
				const char *host = strstr(value, "://");
				size_t		hostlen = host ? strcspn(host + 3, "/?#") : 0;

				/* its requests carry credentials: none go in the URL */
				if (host && memchr(host + 3, '@', hostlen) != NULL)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("invalid value for option \"%s\"", def->defname),
							 errdetail("An endpoint must not hold a user name or password.")));
			}
			/* FALLTHROUGH */
		case AW_CHECK_ENDPOINT:
			if ((strncmp(value, "http://", 7) != 0 && strncmp(value, "https://", 8) != 0) ||
				strchr(value, ' ') != NULL)
				aw_bad_value(def, false,
							 "An endpoint is a URL such as https://dynamodb.eu-west-1.amazonaws.com or http://127.0.0.1:8000.");
			if (!superuser())
				aw_check_endpoint_privilege(def, value);
			break;
		case AW_CHECK_CA_BUNDLE:
			if (value[0] != '/')
				aw_bad_value(def, false,
							 "Give the absolute path of a PEM file of CA certificates, such as /etc/ssl/certs/ca-certificates.crt.");
			/* it names a file the server reads, as COPY FROM a file does */
			if (!superuser())
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("only superusers may set option \"%s\"", def->defname),
						 errdetail("The option names a file that the server process reads.")));
			break;
		case AW_CHECK_PROXY:
			if ((pg_strncasecmp(value, "http://", 7) != 0 && pg_strncasecmp(value, "https://", 8) != 0) ||
				strchr(value, ' ') != NULL)
				aw_bad_value(def, false,
							 "A proxy is a URL such as http://proxy.example.com:3128.");
			/* every request, credentials and all, goes through it */
			if (!superuser())
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("only superusers may set option \"%s\"", def->defname),
						 errdetail("Every request of the server, signed with its users' credentials, goes through the proxy.")));
			break;
		case AW_CHECK_DURATION:
			(void) aw_parse_duration(def);
			break;
		case AW_CHECK_RETRIES:
			(void) aw_parse_int_range(def, 0, 100, "Give an integer from 0 to 100.");
			break;
		case AW_CHECK_BOOL:
			(void) aw_parse_bool(def);
			break;
		case AW_CHECK_SEGMENTS:
			(void) aw_parse_int_range(def, 1, AW_MAX_SCAN_SEGMENTS,
									  psprintf("Give an integer from 1 to %d.", AW_MAX_SCAN_SEGMENTS));
			break;
		case AW_CHECK_BATCH_SIZE:
			(void) aw_parse_int_range(def, 1, 25,
									  "Give an integer from 1 to 25 (BatchWriteItem takes at most 25 items).");
			break;
		case AW_CHECK_CAPACITY:
			(void) aw_parse_decimal(def, AW_MIN_CAPACITY, AW_MAX_CAPACITY,
								   "Give capacity units per second, at least 0.01 and at most 1000000.");
			break;
		case AW_CHECK_PERCENT:
			(void) aw_parse_decimal(def, AW_MIN_CAPACITY, 100,
								   "Give a percent of the table's provisioned capacity, at least 0.01 and at most 100.");
			break;
		case AW_CHECK_ATTRIBUTE_TYPE:
			if (dyn_type_from_name(value) == DYN_T_INVALID || strcmp(value, "NULL") == 0)
				aw_bad_value(def, false, "Valid types are S, N, B, BOOL, M, L, SS, NS and BS.");
			break;
		case AW_CHECK_DOCUMENT:
			if (strcmp(value, "plain") != 0 && strcmp(value, "dynamodb") != 0)
				aw_bad_value(def, false, "Give 'plain' (plain JSON) or 'dynamodb' (DynamoDB's typed JSON).");
			break;
		case AW_CHECK_NULL_AS:
			if (strcmp(value, "absent") != 0 && strcmp(value, "null") != 0)
				aw_bad_value(def, false, "Give 'absent' (leave the attribute out) or 'null' (write {\"NULL\": true}).");
			break;
		case AW_CHECK_CREDENTIAL_SOURCE:
			{
				AwsSource	source;

				if (!aws_source_from_name(value, &source))
					aw_bad_value(def, false,
								 "Valid sources are static, environment, profile, web_identity, container, instance and chain.");
				break;
			}
		case AW_CHECK_ROLE_ARN:
			if (strncmp(value, "arn:", 4) != 0 || strstr(value, ":role/") == NULL ||
				strchr(value, ' ') != NULL)
				aw_bad_value(def, false,
							 "A role ARN looks like arn:aws:iam::123456789012:role/name.");
			break;
		case AW_CHECK_ROLE_SESSION_NAME:
			{
				size_t		len = strlen(value);
				bool		ok = len >= 2 && len <= 64;

				for (const char *p = value; *p; p++)
					if (!isalnum((unsigned char) *p) && strchr("+=,.@_-", *p) == NULL)
						ok = false;
				if (!ok)
					aw_bad_value(def, false,
								 "A role session name has 2 to 64 letters, digits and +=,.@_- characters.");
				break;
			}
		case AW_CHECK_ROLE_DURATION:
			(void) aw_parse_role_duration(def);
			break;
	}
}

/*
 * The rules that span a user mapping's options: which combinations make
 * sense, and which use the database server's own AWS identity and so are
 * for superusers only.
 */
static void
aw_check_credential_options(List *options)
{
	AwCredOptions co;
	UserMapping fake;
	bool		nonstatic;

	memset(&fake, 0, sizeof(fake));
	fake.options = options;
	awstore_credential_options(&fake, &co);
	nonstatic = co.source_given && co.source != AWS_SOURCE_STATIC;

	if (nonstatic && (co.access_key_id || co.secret_access_key || co.session_token))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("options \"access_key_id\", \"secret_access_key\" and \"session_token\" go only with credential_source \"static\""),
				 errdetail("Credential source \"%s\" finds its own keys.", aws_source_name(co.source))));
	if (co.profile && co.source_given && co.source != AWS_SOURCE_PROFILE &&
		co.source != AWS_SOURCE_CHAIN)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("option \"profile\" goes only with credential_source \"profile\" or \"chain\"")));
	if (!co.role_arn && (co.external_id || co.role_session_name || co.duration))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("options \"external_id\", \"role_session_name\" and \"duration\" go only with \"role_arn\"")));

	if (superuser())
		return;
	if (nonstatic)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("only superusers may set option \"credential_source\" to \"%s\"",
						aws_source_name(co.source)),
				 errdetail("Every credential source but static uses the database server's own AWS identity."),
				 errhint("Give access_key_id and secret_access_key instead.")));
	if (co.profile)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("only superusers may set option \"profile\""),
				 errdetail("A profile is part of the database server's own AWS configuration.")));
	if (co.role_arn && co.access_key_id == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("only superusers may set option \"role_arn\" without access_key_id"),
				 errdetail("Without keys of its own, the mapping would assume the role with the database server's own AWS identity."),
				 errhint("Give access_key_id and secret_access_key with role_arn.")));
}

/*
 * awstore_dynamodb_validator(options text[], catalog oid)
 */
Datum
awstore_dynamodb_validator(PG_FUNCTION_ARGS)
{
	List	   *options = untransformRelOptions(PG_GETARG_DATUM(0));
	Oid			catalog = PG_GETARG_OID(1);
	ListCell   *lc;
	bool		has_document = false;
	bool		has_attribute = false;

	foreach(lc, options)
	{
		DefElem    *def = lfirst_node(DefElem, lc);
		const AwOptionDef *opt = NULL;

		for (const AwOptionDef *o = aw_options; o->name; o++)
			if (o->context == catalog && strcmp(o->name, def->defname) == 0)
			{
				opt = o;
				break;
			}
		if (opt == NULL)
		{
			StringInfoData valid;
			const char *elsewhere = NULL;

			initStringInfo(&valid);
			for (const AwOptionDef *o = aw_options; o->name; o++)
			{
				if (o->context == catalog)
					appendStringInfo(&valid, "%s%s", valid.len > 0 ? ", " : "", o->name);
				else if (strcmp(o->name, def->defname) == 0 && elsewhere == NULL)
					elsewhere = aw_context_name(o->context);
			}
			if (elsewhere)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
						 errmsg("invalid option \"%s\"", def->defname),
						 errdetail("Option \"%s\" belongs on %s, not on %s.",
								   def->defname, elsewhere, aw_context_name(catalog)),
						 valid.len > 0 ? errhint("Valid options in this context are: %s.", valid.data)
						 : errhint("There are no valid options in this context.")));
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("invalid option \"%s\"", def->defname),
					 valid.len > 0 ? errhint("Valid options in this context are: %s.", valid.data)
					 : errhint("There are no valid options in this context.")));
		}
		aw_check_value(opt, def);
		if (strcmp(def->defname, "document") == 0)
			has_document = true;
		if (strcmp(def->defname, "attribute_name") == 0 ||
			strcmp(def->defname, "attribute_type") == 0 ||
			strcmp(def->defname, "null_as") == 0)
			has_attribute = true;
	}
	if (has_document && has_attribute)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("option \"document\" cannot be combined with attribute_name, attribute_type or null_as"),
				 errdetail("A document column holds the whole item, not one attribute.")));
	if (catalog == UserMappingRelationId)
		aw_check_credential_options(options);

	PG_RETURN_VOID();
}

/* The default endpoint of a region. */
static char *
aw_endpoint_for_region(const char *region)
{
	if (strncmp(region, "cn-", 3) == 0)
		return psprintf("https://dynamodb.%s.amazonaws.com.cn", region);
	return psprintf("https://dynamodb.%s.amazonaws.com", region);
}

/* The default DynamoDB Streams endpoint of a region. */
static char *
aw_streams_endpoint_for_region(const char *region)
{
	if (strncmp(region, "cn-", 3) == 0)
		return psprintf("https://streams.dynamodb.%s.amazonaws.com.cn", region);
	return psprintf("https://streams.dynamodb.%s.amazonaws.com", region);
}

static void
aw_apply_shared_option(DefElem *def, AwOptions *opts)
{
	if (strcmp(def->defname, "consistent_read") == 0)
		opts->consistent_read = aw_parse_bool(def);
	else if (strcmp(def->defname, "scan_segments") == 0)
		opts->scan_segments = aw_parse_int_range(def, 1, AW_MAX_SCAN_SEGMENTS, NULL);
	else if (strcmp(def->defname, "batch_size") == 0)
		opts->batch_size = aw_parse_int_range(def, 1, 25, NULL);
	else if (strcmp(def->defname, "max_read_capacity") == 0)
		opts->max_read_capacity = aw_parse_decimal(def, AW_MIN_CAPACITY, AW_MAX_CAPACITY, NULL);
	else if (strcmp(def->defname, "max_write_capacity") == 0)
		opts->max_write_capacity = aw_parse_decimal(def, AW_MIN_CAPACITY, AW_MAX_CAPACITY, NULL);
	else if (strcmp(def->defname, "read_capacity_percent") == 0)
		opts->read_capacity_percent = aw_parse_decimal(def, AW_MIN_CAPACITY, 100, NULL);
	else if (strcmp(def->defname, "write_capacity_percent") == 0)
		opts->write_capacity_percent = aw_parse_decimal(def, AW_MIN_CAPACITY, 100, NULL);
}

/*
 * Fills opts from a server's options, with defaults for what is not set.
 */
void
awstore_server_options(ForeignServer *server, AwOptions *opts)
{
	ListCell   *lc;

	memset(opts, 0, sizeof(AwOptions));
	opts->region = AW_DEFAULT_REGION;
	opts->connect_timeout_ms = AW_DEFAULT_CONNECT_TIMEOUT_MS;
	opts->request_timeout_ms = AW_DEFAULT_REQUEST_TIMEOUT_MS;
	opts->max_retries = AW_DEFAULT_MAX_RETRIES;
	opts->scan_segments = 1;
	opts->batch_size = AW_DEFAULT_BATCH_SIZE;

	foreach(lc, server->options)
	{
		DefElem    *def = lfirst_node(DefElem, lc);

		if (strcmp(def->defname, "region") == 0)
			opts->region = defGetString(def);
		else if (strcmp(def->defname, "endpoint") == 0)
			opts->endpoint = defGetString(def);
		else if (strcmp(def->defname, "streams_endpoint") == 0)
			opts->streams_endpoint = defGetString(def);
		else if (strcmp(def->defname, "ca_bundle") == 0)
			opts->ca_bundle = defGetString(def);
		else if (strcmp(def->defname, "proxy") == 0)
			opts->proxy = defGetString(def);
		else if (strcmp(def->defname, "sts_endpoint") == 0)
			opts->sts_endpoint = defGetString(def);
		else if (strcmp(def->defname, "connect_timeout") == 0)
			opts->connect_timeout_ms = aw_parse_duration(def);
		else if (strcmp(def->defname, "request_timeout") == 0)
			opts->request_timeout_ms = aw_parse_duration(def);
		else if (strcmp(def->defname, "max_retries") == 0)
			opts->max_retries = aw_parse_int_range(def, 0, 100, NULL);
		else
			aw_apply_shared_option(def, opts);
	}
	/*
	 * DynamoDB Streams has endpoints of its own in AWS; an endpoint given
	 * by hand (DynamoDB Local, a proxy) serves both unless told otherwise.
	 */
	if (opts->streams_endpoint == NULL)
		opts->streams_endpoint = opts->endpoint ? opts->endpoint :
			aw_streams_endpoint_for_region(opts->region);
	if (opts->endpoint == NULL)
		opts->endpoint = aw_endpoint_for_region(opts->region);
}

/*
 * Fills co from a user mapping's options (pointers into them).  The source
 * is static when credential_source is not given; source_given tells.
 */
void
awstore_credential_options(UserMapping *user, AwCredOptions *co)
{
	ListCell   *lc;

	memset(co, 0, sizeof(AwCredOptions));
	co->source = AWS_SOURCE_STATIC;
	foreach(lc, user->options)
	{
		DefElem    *def = lfirst_node(DefElem, lc);
		const char *name = def->defname;

		if (strcmp(name, "credential_source") == 0)
		{
			co->source_given = aws_source_from_name(defGetString(def), &co->source);
			if (!co->source_given)
				co->source = AWS_SOURCE_STATIC;
		}
		else if (strcmp(name, "access_key_id") == 0)
			co->access_key_id = defGetString(def);
		else if (strcmp(name, "secret_access_key") == 0)
			co->secret_access_key = defGetString(def);
		else if (strcmp(name, "session_token") == 0)
			co->session_token = defGetString(def);
		else if (strcmp(name, "profile") == 0)
			co->profile = defGetString(def);
		else if (strcmp(name, "role_arn") == 0)
			co->role_arn = defGetString(def);
		else if (strcmp(name, "external_id") == 0)
			co->external_id = defGetString(def);
		else if (strcmp(name, "role_session_name") == 0)
			co->role_session_name = defGetString(def);
		else if (strcmp(name, "duration") == 0)
			co->duration = aw_parse_role_duration(def);
	}
}

/*
 * Adds a foreign table's options to opts (filled by awstore_server_options).
 */
void
awstore_table_options(Oid relid, AwOptions *opts)
{
	ForeignTable *table = GetForeignTable(relid);
	ListCell   *lc;

	opts->table_name = get_rel_name(relid);
	foreach(lc, table->options)
	{
		DefElem    *def = lfirst_node(DefElem, lc);

		if (strcmp(def->defname, "table_name") == 0)
			opts->table_name = defGetString(def);
		else if (strcmp(def->defname, "partition_key") == 0)
			opts->partition_key = defGetString(def);
		else if (strcmp(def->defname, "sort_key") == 0)
			opts->sort_key = defGetString(def);
		else
			aw_apply_shared_option(def, opts);
	}
}
