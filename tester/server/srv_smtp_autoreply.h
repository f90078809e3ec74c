/* srv_smtp_autoreply: the reference server's automatic responders (world
 * users with `autoreply: true`, a vacation notice; see
 * srv_smtp_autoreply.c). */
#ifndef MS_SRV_SMTP_AUTOREPLY_H
#define MS_SRV_SMTP_AUTOREPLY_H

#include <stddef.h>

#include "srv.h"
#include "srv_smtp_deliver.h"

/* The replies T's responding recipients mail back, delivered into the
 * store; returns how many. */
size_t srv_smtp_autoreply(const struct srv_ctx *ctx,
                          const struct srv_smtp_txn *t);

#endif
