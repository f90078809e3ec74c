/* transcript_message: the delivery checks (message:, no_message:,
 * notification:, no_notification:) of a `target: pop3` session, issue
 * 14.  See transcript_message.c and transcripts/README.md. */
#ifndef MS_TRANSCRIPT_MESSAGE_H
#define MS_TRANSCRIPT_MESSAGE_H

#include "msgcheck.h"
#include "transcript_steps.h"

/* The sibling options step key KEY takes when it is a delivery check,
 * space-separated; NULL when KEY is none. */
const char *ms_transcript_message_options(const char *key);
/* ITEM is a steps: item whose key K (one of the four) has value V. */
void ms_transcript_message_parse(struct ms_script *s,
                                 const struct ms_ynode *item,
                                 const struct ms_ynode *k,
                                 const struct ms_ynode *v);
/* "message", "no_message", ... */
const char *ms_msg_kind_key(enum ms_msg_kind k);

#endif
