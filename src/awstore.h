/*-------------------------------------------------------------------------
 *
 * awstore.h
 *		Declarations shared by the PostgreSQL-facing parts of awstore.
 *
 * Only files that include postgres.h include this header.  The http and
 * dynamo layers have their own headers and never see PostgreSQL types.
 *
 *-------------------------------------------------------------------------
 */
#ifndef AWSTORE_H
#define AWSTORE_H

#define AWSTORE_EXTENSION_NAME "awstore"

/* GUC variables (awstore.c) */
extern int	awstore_ttl_history_retention;
extern int	awstore_ttl_batch_delay;

#endif							/* AWSTORE_H */
