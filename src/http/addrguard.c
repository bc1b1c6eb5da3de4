/*-------------------------------------------------------------------------
 *
 * addrguard.c
 *		Which addresses a server not owned by a superuser may not reach.
 *
 * Under restrict_addresses a session never connects to a link-local
 * address (169.254.0.0/16, fe80::/10) or to the instance metadata service
 * (fd00:ec2::/32), IPv4 addresses inside IPv6 ones included, and sends
 * plain http:// only to loopback.  The check is made on the address libcurl
 * is about to connect to, whatever the URL spelled, so that no host name or
 * redirect leads around it.  The refusal is a phrase for a message, never
 * an error raised here.
 *
 *-------------------------------------------------------------------------
 */
#include "http_int.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

const char *
http_address_refusal(int family, const void *addr, bool plain_http)
{
	if (family == AF_INET)
	{
		const unsigned char *a = (const unsigned char *) &((const struct in_addr *) addr)->s_addr;

		if (a[0] == 169 && a[1] == 254)
			return "a link-local address (169.254.0.0/16, where the instance metadata service answers)";
		if (plain_http && a[0] != 127)
			return "plain http:// beyond the loopback interface (credentials would travel in clear)";
		return NULL;
	}
	if (family == AF_INET6)
	{
		const unsigned char *a = ((const struct in6_addr *) addr)->s6_addr;
		static const unsigned char loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
		static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

		static const unsigned char compat[12] = {0};
		static const unsigned char nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
		struct in_addr v4;

		/* IPv4 inside IPv6: mapped, compatible, NAT64 (64:ff9b::/96), 6to4 */
		if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0 ||
			(memcmp(a, compat, 12) == 0 && memcmp(a, loopback, 16) != 0 &&
			 (a[12] | a[13] | a[14] | a[15]) != 0))
		{
			memcpy(&v4.s_addr, a + 12, 4);
			return http_address_refusal(AF_INET, &v4, plain_http);
		}
		if (a[0] == 0x20 && a[1] == 0x02)
		{
			const char *why;

			memcpy(&v4.s_addr, a + 2, 4);
			why = http_address_refusal(AF_INET, &v4, false);
			if (why)
				return why;
		}
		if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
			return "a link-local address (fe80::/10)";
		if (a[0] == 0xfd && a[1] == 0x00 && a[2] == 0x0e && a[3] == 0xc2)
			return "an address of the instance metadata service (fd00:ec2::/32)";
		if (plain_http && memcmp(a, loopback, 16) != 0)
			return "plain http:// beyond the loopback interface (credentials would travel in clear)";
		return NULL;
	}
	return "an address of an unknown family";
}

/* The address guard of restrict_addresses: why libcurl may not connect there. */
const char *
http_guard_address(HttpSession *session, const struct curl_sockaddr *address)
{
	const void *addr = NULL;

	if (!session->restrict_addresses)
		return NULL;
	if (address->family == AF_INET)
		addr = &((const struct sockaddr_in *) &address->addr)->sin_addr;
	else if (address->family == AF_INET6)
		addr = &((const struct sockaddr_in6 *) &address->addr)->sin6_addr;
	return http_address_refusal(address->family, addr, session->plain_http);
}
