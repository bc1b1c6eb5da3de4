/*-------------------------------------------------------------------------
 *
 * deps.c
 *		Versions of the libraries awstore is linked with.
 *
 * The runtime versions are reported, not the ones the headers had at build
 * time, because a DBA troubleshooting TLS or HTTP problems needs to know
 * what is actually loaded in the server.
 *
 *-------------------------------------------------------------------------
 */
#include "deps.h"

#include <stdio.h>

#include <curl/curl.h>
#include <json-c/json_c_version.h>

void
awstore_library_versions(char *buf, size_t size)
{
	snprintf(buf, size, "%s, json-c/%s", curl_version(), json_c_version());
}
