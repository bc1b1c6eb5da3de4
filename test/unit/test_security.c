/*-------------------------------------------------------------------------
 *
 * test_security.c
 *		Unit tests of what keeps secrets and private addresses safe in the
 *		layers without PostgreSQL: the scrubbing of DynamoDB error messages
 *		and the address guard of servers not owned by a superuser.
 *
 *-------------------------------------------------------------------------
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "unit.h"
#include "dynamo/dynamo.h"
#include "http/http.h"

static void
test_scrub(void)
{
	char		msg[768];

	snprintf(msg, sizeof(msg), "%s",
			 "The request signature we calculated does not match the signature you provided. "
			 "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\n"
			 "The Canonical String for this request should have been\n'POST\n/\n\n"
			 "content-type:application/x-amz-json-1.0\nhost:dynamodb.us-east-1.amazonaws.com\n"
			 "x-amz-date:20260101T000000Z\nx-amz-security-token:IQoJb3JpZ2luX2VjEXAMPLETOKEN\n'\n\n"
			 "The String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20260101T000000Z\n'");
	dyn_scrub_error_message(msg, sizeof(msg));
	UNIT_TRUE("scrub: the token is gone", strstr(msg, "EXAMPLETOKEN") == NULL);
	UNIT_TRUE("scrub: the canonical request is gone", strstr(msg, "x-amz-date") == NULL);
	UNIT_TRUE("scrub: the explanation stays", strstr(msg, "signature we calculated") != NULL);
	UNIT_TRUE("scrub: says what was left out", strstr(msg, "left out") != NULL);

	snprintf(msg, sizeof(msg), "%s", "bad header X-Amz-Security-Token: secret123 in request");
	dyn_scrub_error_message(msg, sizeof(msg));
	UNIT_TRUE("scrub: a token header is masked", strstr(msg, "secret123") == NULL &&
			  strstr(msg, "in request") != NULL);

	snprintf(msg, sizeof(msg), "%s", "ends with x-amz-security-token=abc");
	dyn_scrub_error_message(msg, sizeof(msg));
	UNIT_TRUE("scrub: a token at the end is masked", strstr(msg, "abc") == NULL);

	snprintf(msg, sizeof(msg), "%s", "Requested resource not found");
	dyn_scrub_error_message(msg, sizeof(msg));
	UNIT_TRUE("scrub: other messages are kept", strcmp(msg, "Requested resource not found") == 0);
}

static const char *
refusal4(const char *text, bool plain_http)
{
	struct in_addr a;

	inet_pton(AF_INET, text, &a);
	return http_address_refusal(AF_INET, &a, plain_http);
}

static const char *
refusal6(const char *text, bool plain_http)
{
	struct in6_addr a;

	inet_pton(AF_INET6, text, &a);
	return http_address_refusal(AF_INET6, &a, plain_http);
}

static void
test_address_guard(void)
{
	UNIT_TRUE("guard: instance metadata refused", refusal4("169.254.169.254", false) != NULL);
	UNIT_TRUE("guard: link-local refused over http", refusal4("169.254.1.1", true) != NULL);
	UNIT_TRUE("guard: https to a public address allowed", refusal4("52.94.0.1", false) == NULL);
	UNIT_TRUE("guard: http to a public address refused", refusal4("52.94.0.1", true) != NULL);
	UNIT_TRUE("guard: http to 10.x refused", refusal4("10.0.0.5", true) != NULL);
	UNIT_TRUE("guard: http to loopback allowed", refusal4("127.0.0.1", true) == NULL);
	UNIT_TRUE("guard: http to 127.1.2.3 allowed", refusal4("127.1.2.3", true) == NULL);
	UNIT_TRUE("guard: http to ::1 allowed", refusal6("::1", true) == NULL);
	UNIT_TRUE("guard: IPv6 metadata refused", refusal6("fd00:ec2::254", false) != NULL);
	UNIT_TRUE("guard: fe80:: refused", refusal6("fe80::1", false) != NULL);
	UNIT_TRUE("guard: mapped 169.254 refused", refusal6("::ffff:169.254.169.254", false) != NULL);
	UNIT_TRUE("guard: mapped loopback over http allowed", refusal6("::ffff:127.0.0.1", true) == NULL);
	UNIT_TRUE("guard: https to a public IPv6 allowed", refusal6("2600:1f18::1", false) == NULL);
	UNIT_TRUE("guard: http to a public IPv6 refused", refusal6("2600:1f18::1", true) != NULL);
	UNIT_TRUE("guard: NAT64 169.254 refused", refusal6("64:ff9b::a9fe:a9fe", false) != NULL);
	UNIT_TRUE("guard: 6to4 169.254 refused", refusal6("2002:a9fe:a9fe::1", false) != NULL);
	UNIT_TRUE("guard: compatible 169.254 refused", refusal6("::169.254.169.254", false) != NULL);
	UNIT_TRUE("guard: NAT64 public allowed over https", refusal6("64:ff9b::3400:1", false) == NULL);
}

int
main(void)
{
	test_scrub();
	test_address_guard();
	return unit_done();
}
