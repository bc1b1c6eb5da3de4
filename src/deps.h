/*-------------------------------------------------------------------------
 *
 * deps.h
 *		Versions of the libraries awstore is linked with.
 *
 * Kept apart from postgres.h so that libcurl and json-c headers
 * never meet PostgreSQL's.
 *
 *-------------------------------------------------------------------------
 */
#ifndef AWSTORE_DEPS_H
#define AWSTORE_DEPS_H

#include <stddef.h>

/*
 * Writes "libcurl/X OpenSSL/Y …, json-c Z" into buf (always terminated).
 */
extern void awstore_library_versions(char *buf, size_t size);

#endif							/* AWSTORE_DEPS_H */
