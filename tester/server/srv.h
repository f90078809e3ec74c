/* srv: the interface between the reference server's socket loop
 * (server.c) and its protocol sessions (srv_smtp.c, srv_pop3.c).
 * Sessions are pure: lines in, reply bytes out; no sockets, no clock
 * except through the context.  This is what makes them unit-testable
 * and fuzzable. */
#ifndef MS_SRV_H
#define MS_SRV_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "world.h"
#include "mailspec/server.h"

/* Faults: break one rule on purpose (fault.c parses --fault NAME[:ARG]).
 * One enumerator per fault, in fault.c's table order; a set of them is a
 * bitset, so the list can grow past a machine word. */
enum ms_fault {
  MS_F_NONE,            /* no fault (0: a cleared set, a test's default) */
  MS_F_RCPT_250,        /* rcpt-250: 250 for an unknown recipient */
  MS_F_MIXED_MULTI,     /* mixed-multiline: codes differ inside */
  MS_F_BARE_LF,         /* bare-lf: replies end in LF only */
  MS_F_NO_UNSTUFF,      /* no-unstuff: keep the leading dot */
  MS_F_GREET_554,       /* greet-554: refuse at the greeting */
  MS_F_CLOSE_DATA,      /* close-after-data: drop after DATA's 354 */
  MS_F_SLOW,            /* slow:MS */
  MS_F_POP3_OCTETS,     /* pop3-octets: wrong sizes in LIST/STAT */
  MS_F_POP3_EARLY_DELE, /* pop3-early-dele: DELE acts at once */
  /* Hostile behaviours (issue 8), all at the wire (srv_conn.c): */
  MS_F_NO_GREETING,   /* no-greeting: accept, stay silent */
  MS_F_GREET_TWICE,   /* greet-twice */
  MS_F_CLOSE_AT_ONCE, /* close-at-once: accept, close */
  MS_F_ENDLESS,       /* endless-multiline */
  MS_F_LONG_LINE,     /* long-line[:BYTES]: no line end, ever */
  MS_F_TRICKLE,       /* trickle[:MS]: one octet at a time */
  MS_F_NUL,           /* nul: a NUL in every reply line */
  MS_F_BAD_UTF8,      /* bad-utf8: invalid UTF-8 in every line */
  MS_F_RESET,         /* reset-mid-reply: half a reply, then RST */
  MS_F_NO_READ,       /* no-read: greet, then never read */
  /* TLS, AUTH, smuggling (issue 7; srv_tls.c, srv_auth.c): */
  MS_F_STARTTLS_KEEP,     /* starttls-keep-pipelined: commands sent with
                             STARTTLS run after TLS */
  MS_F_LF_DOT_LF,         /* lf-dot-lf: <LF>.<LF> ends the data */
  MS_F_AUTH_BEFORE_TLS,   /* auth-before-tls: AUTH PLAIN offered before
                             TLS, yet refused with 538 */
  MS_F_CR_DOT_CR,         /* cr-dot-cr: <CR>.<CR> ends the data */
  MS_F_STARTTLS_NO_RESET, /* starttls-no-reset: the SMTP session survives
                             STARTTLS */
  MS_F_AUTH_ANY_PASS,     /* auth-any-pass: any password is right for a
                             known user */
  /* POP3, RFC 1939 / 2449 / 2595 / 5034 (srv_pop3*.c, srv_auth.c): */
  MS_F_POP3_LOWERCASE,          /* pop3-lowercase-status */
  MS_F_POP3_LONG_STATUS,        /* pop3-long-status */
  MS_F_POP3_QUIT_AUTH_ERR,      /* pop3-quit-auth-err */
  MS_F_POP3_QUIT_NO_CLOSE,      /* pop3-quit-no-close */
  MS_F_POP3_CASE,               /* pop3-case-sensitive */
  MS_F_POP3_UNKNOWN_OK,         /* pop3-unknown-ok */
  MS_F_POP3_ANY_STATE,          /* pop3-any-state */
  MS_F_POP3_AUTH_IN_TRANS,      /* pop3-auth-cmds-in-trans */
  MS_F_POP3_LAX_ARGS,           /* pop3-lax-args */
  MS_F_POP3_MSGNO_WRAP,         /* pop3-msgno-wrap */
  MS_F_POP3_NO_STUFF,           /* pop3-no-stuff */
  MS_F_POP3_COUNT_STUFFED,      /* pop3-count-stuffed */
  MS_F_POP3_TOP_EXTRA,          /* pop3-top-extra-line */
  MS_F_POP3_TOP_SHORT,          /* pop3-top-short */
  MS_F_POP3_LIST_DELETED,       /* pop3-list-deleted */
  MS_F_POP3_STAT_DELETED,       /* pop3-stat-deleted */
  MS_F_POP3_LIST_EMPTY_ERR,     /* pop3-list-empty-err */
  MS_F_POP3_LISTING_EXTRA,      /* pop3-listing-extra */
  MS_F_POP3_NUMBER_FROM_0,      /* pop3-number-from-0 */
  MS_F_POP3_HEX_SIZES,          /* pop3-hex-sizes */
  MS_F_POP3_NO_STAT,            /* pop3-no-stat */
  MS_F_POP3_NO_LIST,            /* pop3-no-list */
  MS_F_POP3_NO_RETR,            /* pop3-no-retr */
  MS_F_POP3_NO_DELE,            /* pop3-no-dele */
  MS_F_POP3_NO_NOOP,            /* pop3-no-noop */
  MS_F_POP3_NO_RSET,            /* pop3-no-rset */
  MS_F_POP3_NO_TOP,             /* pop3-no-top */
  MS_F_POP3_RETR_HEADER,        /* pop3-retr-header-only */
  MS_F_POP3_LIST_N_BARE,        /* pop3-list-n-bare */
  MS_F_POP3_DELE_NOOP,          /* pop3-dele-noop */
  MS_F_POP3_RSET_NOOP,          /* pop3-rset-noop */
  MS_F_POP3_DELE_TWICE,         /* pop3-dele-twice-ok */
  MS_F_POP3_QUIT_NO_UPDATE,     /* pop3-quit-no-update */
  MS_F_POP3_QUIT_ALL,           /* pop3-quit-removes-all */
  MS_F_POP3_NO_RETRY,           /* pop3-no-retry */
  MS_F_PASS_ANY,                /* pass-any-password */
  MS_F_USER_ANY,                /* user-any-name */
  MS_F_PASS_REMEMBERS,          /* pass-remembers-user */
  MS_F_USER_AFTER_USER,         /* user-after-user */
  MS_F_APOP_AFTER_USER,         /* apop-after-user */
  MS_F_USER_EMPTY_OK,           /* user-empty-ok */
  MS_F_PASS_EMPTY_OK,           /* pass-empty-ok */
  MS_F_APOP_ONE_ARG,            /* apop-one-arg-ok */
  MS_F_APOP_BAD_TIMESTAMP,      /* apop-bad-timestamp */
  MS_F_APOP_NO_BRACKETS,        /* apop-no-brackets */
  MS_F_APOP_ANY_DIGEST,         /* apop-any-digest */
  MS_F_POP3_CMD_47,             /* pop3-cmd-47 */
  MS_F_UIDL_PER_SESSION,        /* uidl-per-session */
  MS_F_UIDL_LONG,               /* uidl-long */
  MS_F_UIDL_DUP,                /* uidl-dup */
  MS_F_POP3_NO_CAPA,            /* pop3-no-capa */
  MS_F_CAPA_LONG_LINE,          /* capa-long-line */
  MS_F_CAPA_AUTH_ONLY,          /* capa-auth-only */
  MS_F_CAPA_TOP_BROKEN,         /* capa-top-broken */
  MS_F_CAPA_UIDL_BROKEN,        /* capa-uidl-broken */
  MS_F_CAPA_USER_BROKEN,        /* capa-user-broken */
  MS_F_CAPA_UNLISTED_TOP,       /* capa-unlisted-top */
  MS_F_CAPA_UNLISTED_UIDL,      /* capa-unlisted-uidl */
  MS_F_CAPA_UNLISTED_USER,      /* capa-unlisted-user */
  MS_F_EXPIRE_NO_USER,          /* expire-no-user */
  MS_F_LOGIN_DELAY_NO_USER,     /* login-delay-no-user */
  MS_F_RESP_CODE_BAD,           /* resp-code-bad */
  MS_F_RESP_CODE_UNLISTED,      /* resp-code-unlisted */
  MS_F_STLS_LISTED_ALWAYS,      /* stls-listed-always */
  MS_F_STLS_ANY_STATE,          /* stls-any-state */
  MS_F_STLS_UNLISTED,           /* stls-unlisted */
  MS_F_USER_PASS_BEFORE_TLS,    /* user-pass-before-tls */
  MS_F_POP3_AUTH_AGAIN,         /* pop3-auth-again */
  MS_F_POP3_AUTH_AFTER_PASS,    /* pop3-auth-after-pass */
  MS_F_SASL_ANY_MECH,           /* sasl-any-mech */
  MS_F_POP3_EMPTY_CONT_TEXT,    /* pop3-empty-cont-text */
  MS_F_POP3_CONT_TEXT,          /* pop3-cont-text */
  MS_F_SASL_LISTS_UNSUPPORTED,  /* sasl-lists-unsupported */
  MS_F_CRAM_IR_OK,              /* cram-md5-ir-ok */
  MS_F_POP3_B64_RETRY,          /* pop3-b64-retry */
  MS_F_POP3_B64_LENIENT,        /* pop3-b64-lenient */
  MS_F_POP3_SASL_255,           /* pop3-sasl-255 */
  MS_F_POP3_NO_SASLPREP,        /* pop3-no-saslprep */
  MS_F_POP3_AUTH_FAIL_LOCKS,    /* pop3-auth-fail-locks */
  MS_F_POP3_MECH_CASE,          /* pop3-mech-case */
  MS_F_PLAIN_IGNORE_AUTHZID,    /* plain-ignore-authzid */
  MS_F_POP3_PIPELINING_REFUSED, /* pop3-pipelining-refused */
  MS_F_STLS_BROKEN,             /* stls-broken */
  MS_F_STLS_PLAINTEXT,          /* stls-plaintext-after-ok */
  MS_F_STLS_LEAVES_AUTH,        /* stls-leaves-authorization */
  MS_F_SASL_BEFORE_TLS,         /* sasl-before-tls */
  MS_F_SASL_LIST_COMMAS,        /* sasl-list-commas */
  MS_F_POP3_AUTH_NO_TRANS,      /* pop3-auth-no-trans */
  MS_F_POP3_AUTH_OK_ERR,        /* pop3-auth-ok-err */
  MS_F_UIDL_ABORT_CHANGES,      /* uidl-abort-changes */
  MS_F_SASLPREP_NO_MAP,         /* pop3-saslprep-no-map */
  MS_F_UIDL_BY_NUMBER,          /* uidl-by-number */
  MS_F_POP3_NOOP_SILENT,        /* pop3-noop-silent */
  MS_F_POP3_QUIT_ERR,           /* pop3-quit-err */
  MS_F_POP3_LIST_NO_DOT,        /* pop3-list-no-dot */
  MS_F_POP3_NO_LOGIN,           /* pop3-no-login */
  MS_F_PASS_OK_ERR,             /* pass-ok-err */
  MS_F_USER_BAD_STATUS,         /* user-bad-status */
  MS_F_POP3_DELETED_REACHABLE,  /* pop3-deleted-reachable */
  MS_F_POP3_LIST_FIRST_ONLY,    /* pop3-list-first-only */
  MS_F_UIDL_EXTRA,              /* uidl-extra */
  MS_F_UIDL_FIRST_ONLY,         /* uidl-first-only */
  MS_F_POP3_CANCEL_IGNORED,     /* pop3-cancel-ignored */
  MS_F_POP3_QUIT_KEEPS_LOCK,    /* pop3-quit-keeps-lock */
  MS_F_APOP_REPLAY,             /* apop-replay */
  MS_F_PASS_APOP_SECRET,        /* pop3-pass-apop-secret */
  MS_F_POP3_ABORT_DELETES_RETR, /* pop3-abort-deletes-retrieved */
  MS_F_LOGIN_DELAY_UNENFORCED,  /* login-delay-unenforced */
  /* POP3 sessions side by side (issue 13; srv_pop3.c): */
  MS_F_POP3_NO_LOCK,  /* pop3-no-lock: a maildrop another session holds
                         opens anyway */
  MS_F_APOP_FIXED_TS, /* apop-fixed-timestamp: RFC 1939 §10's timestamp in
                         every greeting */
  /* STARTTLS, AUTH, submission: RFC 3207, 4954, 6409 (issue 14; the
   * requirement ids in fault.c's help texts) */
  MS_F_STARTTLS_UNADV,    /* starttls-unadvertised: EHLO omits STARTTLS, which
                             works */
  MS_F_STARTTLS_KW_PARAM, /* starttls-keyword-param: the STARTTLS keyword with a
                             parameter */
  MS_F_STARTTLS_502,      /* starttls-502: STARTTLS advertised, answered 502 */
  MS_F_STARTTLS_PARAM_OK, /* starttls-param-ok: STARTTLS x: 220 */
  MS_F_STARTTLS_REQUIRED, /* starttls-required: 530 before TLS on a public MX */
  MS_F_STARTTLS_TWICE,    /* starttls-twice: a second STARTTLS: 220 */
  MS_F_STARTTLS_AFTER_TLS, /* starttls-after-tls: STARTTLS listed inside TLS */
  MS_F_TLS_REQUIRED_IGNORED, /* tls-required-ignored: require_tls ignored */
  MS_F_AUTH_UNADV,       /* auth-unadvertised: EHLO omits AUTH, which works */
  MS_F_AUTH_MECHS_COMMA, /* auth-mechs-comma: AUTH PLAIN,LOGIN,CRAM-MD5 */
  MS_F_AUTH_PARAM_LINE, /* auth-param-line-512: MAIL with AUTH= over 512: 500 */
  MS_F_AUTH_TWICE,      /* auth-twice: AUTH after success runs */
  MS_F_AUTH_IN_TXN, /* auth-in-transaction: AUTH inside a transaction runs */
  MS_F_AUTH_UNKNOWN_535,     /* auth-unknown-535: unknown mechanism: 535 */
  MS_F_AUTH_CHALLENGE_RAW,   /* auth-challenge-raw: challenges not base64 */
  MS_F_AUTH_CHALLENGE_TEXT,  /* auth-challenge-text: text in 334 challenges */
  MS_F_AUTH_CANCEL_535,      /* auth-cancel-535: "*": 535 */
  MS_F_AUTH_PLAIN_NEEDS_IR,  /* auth-plain-needs-ir: PLAIN without IR: 501 */
  MS_F_AUTH_IR_IGNORED,      /* auth-ir-ignored: IR to CRAM-MD5 ignored */
  MS_F_AUTH_B64_LENIENT,     /* auth-b64-lenient: lenient base64 */
  MS_F_AUTH_B64_ESC,         /* auth-b64-esc: 501 5.5.4 for bad base64 */
  MS_F_AUTH_LINE_512,        /* auth-line-512: responses over 512: 500 */
  MS_F_AUTH_OVERLONG_CLOSE,  /* auth-overlong-close: overlong response: close */
  MS_F_AUTH_AUTHZID_IGNORED, /* auth-authzid-ignored: authzid ignored */
  MS_F_AUTH_SUCCESS_250,     /* auth-success-250: success: 250 */
  MS_F_AUTH_PARAM_555,       /* auth-param-555: AUTH= refused before AUTH */
  MS_F_AUTH_CASE,            /* auth-case: case-sensitive mechanism names */
  MS_F_AUTH_PLAIN_IN_CLEAR,  /* auth-plain-in-clear: PLAIN/LOGIN before TLS */
  MS_F_SUBMIT_NULL_550,      /* submission-null-550: null sender refused */
  MS_F_SUBMIT_DOMAIN_550, /* submission-domain-550: unqualified domain: 550 */
  MS_F_SUBMIT_NO_AUTH,    /* submission-mail-before-auth: no 530 before AUTH */
  MS_F_SUBMIT_SENDER_553, /* submission-sender-553: sender refused with 553 */
  MS_F_SUBMIT_RCPT_553,   /* submission-rcpt-553: recipient refused with 553 */
  MS_F_SUBMIT_SYNTAX_550, /* submission-syntax-550: header syntax: 550 */
  MS_F_SUBMIT_DATA_ARG_500, /* submission-data-arg-500: DATA x: 500 */
  MS_F_SUBMIT_USER_554,     /* submission-user-554: user refused with 554 */
  MS_F_SUBMIT_POLICY_554,   /* submission-policy-554: policy refusal with 554 */
  MS_F_SUBMIT_ETRN,         /* submission-etrn: ETRN/ATRN offered */
  MS_F_SUBMIT_521,          /* submission-521: greeting 521 */
  /* RFC 5321 core (issue 13; srv_smtp*.c): */
  MS_F_HELO_EHLO_REPLY,     /* helo-ehlo-reply */
  MS_F_GREET_554_CLOSE,     /* greet-554-close */
  MS_F_GREET_BAD_DOMAIN,    /* greet-bad-domain */
  MS_F_VRFY_502,            /* vrfy-502 */
  MS_F_VRFY_550,            /* vrfy-550 */
  MS_F_VRFY_NO_MAILBOX,     /* vrfy-no-mailbox */
  MS_F_VRFY_PATH,           /* vrfy-path */
  MS_F_VRFY_NO_NAMES,       /* vrfy-no-user-names */
  MS_F_EXPN_NAMES_ONLY,     /* expn-names-only */
  MS_F_EHLO_NO_EXPN,        /* ehlo-no-expn */
  MS_F_EHLO_NO_HELP,        /* ehlo-no-help */
  MS_F_SEND_UNLISTED,       /* send-unlisted */
  MS_F_EHLO_BAD_KEYWORD,    /* ehlo-bad-keyword */
  MS_F_NO_ADDRESS_LITERAL,  /* no-address-literal */
  MS_F_DOMAIN_UNDERSCORE,   /* domain-underscore-ok */
  MS_F_DOMAIN_64,           /* domain-limit-64 */
  MS_F_EHLO_REFUSED_RESETS, /* ehlo-refused-resets */
  MS_F_EHLO_NO_RESET,       /* ehlo-no-reset */
  MS_F_HELO_503_AFTER_EHLO, /* helo-503-after-ehlo */
  MS_F_MAIL_501_OPENS,      /* mail-501-opens */
  MS_F_503_RESETS,          /* 503-resets */
  MS_F_MAIL_SYNTAX_500,     /* mail-syntax-500 */
  MS_F_RCPT_SYNTAX_500,     /* rcpt-syntax-500 */
  MS_F_NO_QUOTED_LOCAL,     /* no-quoted-local */
  MS_F_QUOTED_KEPT,         /* quoted-local-kept */
  MS_F_PARAM_501,           /* param-501 */
  MS_F_POSTMASTER_CASE,     /* postmaster-case */
  MS_F_NO_POSTMASTER,       /* no-postmaster */
  MS_F_RCPT_LIMIT_451,      /* rcpt-limit-451 */
  MS_F_REJECT_RESENT,       /* reject-resent */
  MS_F_REJECT_BAD_TRACE,    /* reject-bad-trace */
  MS_F_CHECK_HEADERS,       /* check-headers */
  MS_F_CMD_LINE_400,        /* cmd-line-400 */
  MS_F_CMD_BARE_LF,         /* cmd-bare-lf-splits */
  MS_F_RELAY_554,           /* relay-554 */
  MS_F_HELO_FIRST,          /* helo-first */
  MS_F_UNKNOWN_502,         /* unknown-502 */
  MS_F_TRAILING_SPACE_501,  /* trailing-space-501 */
  MS_F_QUIT_ARGS_OK,        /* quit-args-ok */
  MS_F_DATA_FAIL_CLOSE,     /* data-fail-close */
  MS_F_SOURCE_ROUTE_501,    /* source-route-501 */
  /* SMTP service extensions (issue 14; srv_smtp_size.c, srv_smtp_pipe.c,
   * srv_smtp_8bit.c, srv_smtp_enh.c): */
  MS_F_SIZE_UNADVERTISED,  /* size-unadvertised */
  MS_F_SIZE_452,           /* size-452 */
  MS_F_SIZE_ZERO_552,      /* size-zero-552 */
  MS_F_SIZE_STUFFING,      /* size-counts-stuffing */
  MS_F_SIZE_DATA_NO_LIMIT, /* size-no-limit-at-data */
  MS_F_SIZE_ENDS_DATA,     /* size-ends-data */
  MS_F_PIPE_PARAM,         /* pipelining-param */
  MS_F_PIPE_REORDER,       /* pipelining-reorder */
  MS_F_PIPE_FLUSH_ERROR,   /* pipelining-flush-on-error */
  MS_F_PIPE_NO_FLUSH,      /* pipelining-no-flush */
  MS_F_PIPE_HOLD_NOOP,     /* pipelining-hold-noop */
  MS_F_PIPE_HOLD_UNKNOWN,  /* pipelining-hold-unknown */
  MS_F_DATA_NO_RCPT,       /* data-354-no-rcpt */
  MS_F_8BIT_UNADVERTISED,  /* 8bitmime-unadvertised */
  MS_F_8BIT_PARAM,         /* 8bitmime-param */
  MS_F_BODY_7BIT,          /* body-7bit-refused */
  MS_F_8BIT_REFUSED,       /* 8bit-data-refused */
  MS_F_DATA_LINE_999,      /* data-line-999 */
  MS_F_ENH_MISSING,        /* enhanced-missing */
  MS_F_ENH_CLASS,          /* enhanced-class */
  MS_F_ENH_NO_SPACE,       /* enhanced-no-space */
  MS_F_ENH_LEADING_ZERO,   /* enhanced-leading-zero */
  MS_F_ENH_SPACE_INSIDE,   /* enhanced-space-inside */
  MS_F_ENH_TWO_FIELDS,     /* enhanced-two-fields */
  MS_F_ENH_FIRST_LINE,     /* enhanced-first-line */
  MS_F_ENH_EHLO_ONLY,      /* enhanced-ehlo-only */
  MS_F_ENH_PARAM,          /* enhanced-param */
  MS_F_SIZE_REFUSED,       /* size-param-refused */
  MS_F_SIZE_KEYWORD_TEXT,  /* size-keyword-text */
  MS_F_ESC_MOVED_4XX,      /* esc-moved-transient */
  MS_F_ESC_FULL_5XX,       /* esc-full-permanent */
  MS_F_ESC_LIMIT_4XX,      /* esc-limit-transient */
  MS_F_ESC_LIST_4XX,       /* esc-list-transient */
  MS_F_ESC_INVALID_4XX,    /* esc-invalid-transient */
  MS_F_BODY_ANY,           /* body-any-value */
  MS_F_8BIT_NO_BODY_451,   /* 8bit-no-body-451 */
  /* CHUNKING, BINARYMIME, SMTPUTF8, DSN (issue 14; srv_smtp_bdat.c,
   * srv_smtp_utf8.c, srv_smtp_dsn.c): */
  MS_F_BDAT_UNADV,          /* bdat-unadvertised */
  MS_F_BDAT_NO_DATA,        /* bdat-no-data */
  MS_F_BDAT_NO_LAST,        /* bdat-no-last */
  MS_F_BDAT0_REFUSED,       /* bdat0-refused */
  MS_F_BDAT_AFTER_LAST,     /* bdat-after-last-250 */
  MS_F_BDAT_CHUNK_354,      /* bdat-chunk-354 */
  MS_F_BDAT_FAILED_PARSE,   /* bdat-parse-failed-chunk */
  MS_F_BDAT_PIPE_PARSE,     /* bdat-pipeline-parse */
  MS_F_BDAT_DATA_354,       /* bdat-then-data-354 */
  MS_F_BINARY_LINE_CLOSE,   /* binary-line-close */
  MS_F_BINMIME_UNADV,       /* binarymime-unadvertised */
  MS_F_BINMIME_NO_CHUNKING, /* binarymime-no-chunking */
  MS_F_BINMIME_PARAM,       /* binarymime-param */
  MS_F_BINMIME_REFUSED,     /* binarymime-body-refused */
  MS_F_BINMIME_DATA_354,    /* binarymime-data-354 */
  MS_F_BINARY_CTE_REFUSED,  /* binary-cte-refused */
  MS_F_UTF8_UNADV,          /* smtputf8-unadvertised */
  MS_F_UTF8_PARAM,          /* smtputf8-param */
  MS_F_UTF8_NO_8BITMIME,    /* smtputf8-no-8bitmime */
  MS_F_EHLO_UTF8_DOMAIN,    /* ehlo-utf8-domain */
  MS_F_UTF8_RCPT_REFUSED,   /* utf8-rcpt-refused */
  MS_F_UTF8_VALUE_OK,       /* smtputf8-value-accepted */
  MS_F_UTF8_MAIL_NOPARAM,   /* utf8-mail-no-param-553 */
  MS_F_UTF8_RCPT_NOPARAM,   /* utf8-rcpt-no-param-550 */
  MS_F_UTF8_NOPARAM_ESC,    /* utf8-no-param-esc */
  MS_F_UTF8_ASCII_550,      /* utf8-ascii-only-550 */
  MS_F_UTF8_ASCII_ESC,      /* utf8-ascii-only-esc */
  MS_F_UTF8_ECHO,           /* utf8-echo */
  MS_F_UTF8_FWD_RAW,        /* utf8-forward-unconverted */
  MS_F_UTF8_FWD_CODE,       /* utf8-forward-keeps-code */
  MS_F_VRFY_UTF8_UNASKED,   /* vrfy-utf8-unasked */
  MS_F_VRFY_UTF8_553,       /* vrfy-utf8-553 */
  MS_F_VRFY_UTF8_STICKY,    /* vrfy-utf8-sticky */
  MS_F_VRFY_UTF8_NOMBOX,    /* vrfy-utf8-no-mailbox */
  MS_F_VRFY_UTF8_FORM,      /* vrfy-utf8-form */
  MS_F_VRFY_UTF8_ESC,       /* vrfy-utf8-esc */
  MS_F_VRFY_UTF8_LATIN1,    /* vrfy-utf8-latin1 */
  MS_F_DSN_UNADV,           /* dsn-unadvertised */
  MS_F_DSN_KW_PARAM,        /* dsn-keyword-param */
  MS_F_DSN_RET_REFUSED,     /* dsn-ret-refused */
  MS_F_DSN_NOTIFY_REFUSED,  /* dsn-notify-refused */
  MS_F_DSN_ACCEPT_INVALID,  /* dsn-accept-invalid */
  MS_F_DSN_ACCEPT_DUP,      /* dsn-accept-duplicate */
  MS_F_DSN_RCPT_INVALID,    /* dsn-rcpt-accept-invalid */
  MS_F_DSN_ENVID_38,        /* dsn-envid-38 */
  MS_F_DSN_NOTIFY_22,       /* dsn-notify-22 */
  MS_F_DSN_ORCPT_100,       /* dsn-orcpt-100 */
  MS_F_DSN_LINE_512,        /* dsn-line-512 */
  MS_F_DSN_CASE,            /* dsn-case */
  MS_F_DSN_COMBO,           /* dsn-combo-555 */
  MS_F_BINARYMIME_LINE,     /* binarymime-line */
  MS_F_UTF8_LINE,           /* smtputf8-line */
  /* What is delivered (issue 14; srv_smtp_deliver.c, store.c, the
   * session's delivery point in srv_smtp.c): */
  MS_F_NO_RECEIVED,           /* no-received: no trace line */
  MS_F_RECEIVED_BELOW,        /* received-below: it goes below the header
                                 fields, not on top */
  MS_F_RECEIVED_NO_FROM,      /* received-no-from: no FROM clause */
  MS_F_RECEIVED_SHORT_YEAR,   /* received-two-digit-year: obs- date */
  MS_F_RECEIVED_FOR_ALL,      /* received-for-all: every RCPT in FOR */
  MS_F_RECEIVED_NO_HELO,      /* received-no-helo: FROM without the EHLO name */
  MS_F_RECEIVED_NO_IP,        /* received-no-ip: FROM without the address */
  MS_F_RECEIVED_ZONE_NAME,    /* received-zone-name: "GMT", not an offset */
  MS_F_RECEIVED_UNREGISTERED, /* received-unregistered: WITH XSMTP */
  MS_F_RECEIVED_NO_ESMTPA,    /* received-no-esmtpa: WITH ESMTP after AUTH */
  MS_F_TRACE_REWRITE,        /* trace-rewrite: earlier Received lines dropped */
  MS_F_HEADER_REORDER,       /* header-reorder: Subject: moved to the top */
  MS_F_NO_RETURN_PATH,       /* no-return-path: final delivery without it */
  MS_F_RETURN_PATH_KEPT,     /* return-path-kept: the message's own stay */
  MS_F_FOLD_LOCAL_PART,      /* fold-local-part: Return-Path in lower case */
  MS_F_NULL_SENDER_FILLED,   /* null-sender-filled: <> becomes MAILER-DAEMON */
  MS_F_STRIP_CONTROLS,       /* strip-controls: VT, FF, ... removed */
  MS_F_WRAP_LONG_LINES,      /* wrap-long-lines: lines cut at 78 octets */
  MS_F_STRIP_8TH_BIT,        /* strip-8th-bit: octets & 0x7f */
  MS_F_DELIVER_UNFINISHED,   /* deliver-unfinished: data cut by a closed
                                connection is delivered */
  MS_F_FORGET_ON_DROP,       /* forget-on-drop: a 250'd message is undone
                                when the client vanishes without QUIT */
  MS_F_DELIVER_REFUSED_RCPT, /* deliver-refused-rcpt */
  MS_F_NO_LOOP_CHECK,        /* no-loop-check: any number of Received */
  MS_F_LOOP_LIMIT_50,        /* loop-limit-50: refuses past 50 Received */
  MS_F_DELIVER_REFUSED,      /* deliver-refused: 5yz at the end, delivered */
  MS_F_DELIVER_DEFERRED,     /* deliver-deferred: 4yz at the end, delivered */
  MS_F_ROUTE_BY_HEADER,      /* route-by-header: To: gets it too */
  MS_F_RCPT_LIMIT_DISCARD,   /* rcpt-limit-discard: past the limit, the
                                first recipient is dropped for the new one */
  MS_F_APPARENTLY_TO,        /* apparently-to: an Apparently-To: field */
  MS_F_POP3_LOCK_CLOSE, /* pop3-lock-close: a held maildrop: close, no -ERR */
  /* branch wiremisc: on-the-wire requirements without a test */
  MS_F_PLAIN_255_REFUSED,   /* plain-255-refused: POP3 PLAIN fields over 254
                               octets fail (2595-6-6, 6-7, 6-8) */
  MS_F_PLAIN_UTF8_LATIN1,   /* plain-utf8-latin1: POP3 PLAIN's name and
                               password read as Latin-1 (2595-A-1) */
  MS_F_CORRUPT_MAILDROP_OK, /* corrupt-maildrop-ok: a maildrop that cannot
                               be parsed is opened, +OK (1939-4-9) */
  MS_F_EXPN_DISABLED_250,   /* expn-disabled-250: EXPN disabled for
                               security answers 250 (5321-7.3-3) */
  MS_F_LOGIN_DELAY_BEFORE_SMALLER, /* login-delay-before-smaller: CAPA's
                                      LOGIN-DELAY before login is below the
                                      one after it (2449-6.5-3) */
  MS_F_EXPIRE_BEFORE_GREATER,      /* expire-before-greater: CAPA's EXPIRE
                                      before login is above the one after
                                      it (2449-6.7-4) */
  MS_F_EHLO_VRFY_KEYWORD,          /* ehlo-vrfy-keyword: EHLO lists VRFY, a
                                      keyword IANA never registered
                                      (5321-2.2.2-2, 2.2.2-3) */
  MS_F_TURN_554,                   /* turn-554: TURN, recognized, is refused
                                      with 554, not 502 (5321-4.2.4-1) */
  /* branch f6 */
  MS_F_SEND_NO_TRANSACTION, /* send-no-transaction: SEND/SOML/SAML answer
                               250 but open no transaction (5321-F.6-3) */
  /* branch lead2 */
  MS_F_EXPN_PROGRAM_PATH, /* expn-program-path: EXPN shows a member's
                             program instead of its mailbox (5321-3.5.2-5) */
  /* branch dsn: notifications (srv_smtp_notify.c, RFC 3461 §5.2, §6,
   * RFC 5321 §4.4, §6.1) */
  MS_F_DSN_NONE,             /* dsn-none: no notification at all */
  MS_F_DSN_SENDER_NOT_NULL,  /* dsn-sender-not-null: sent from MAILER-DAEMON */
  MS_F_DSN_TO_NULL_SENDER,   /* dsn-to-null-sender: <> mail bounced to From: */
  MS_F_DSN_IGNORE_NOTIFY,    /* dsn-ignore-notify: failed DSN for NEVER too */
  MS_F_DSN_NO_ENVID,         /* dsn-no-envid: no Original-Envelope-ID */
  MS_F_DSN_ENVID_XTEXT,      /* dsn-envid-xtext: ENVID copied still encoded */
  MS_F_DSN_NO_ORCPT,         /* dsn-no-orcpt: no Original-Recipient */
  MS_F_DSN_ORCPT_ALWAYS,     /* dsn-orcpt-always: one without ORCPT too */
  MS_F_DSN_NO_REPORTING_MTA, /* dsn-no-reporting-mta */
  MS_F_DSN_FINAL_REWRITTEN,  /* dsn-final-recipient-rewritten */
  MS_F_DSN_NO_STATUS,        /* dsn-no-status: Action and Status left out */
  MS_F_DSN_NO_DELIVERED,     /* dsn-no-delivered: NOTIFY=SUCCESS ignored */
  MS_F_DSN_DELIVERED_ALWAYS, /* dsn-delivered-always: without SUCCESS too */
  MS_F_DSN_RET_IGNORED,      /* dsn-ret-ignored: RET=FULL gets headers */
  MS_F_DSN_HEADERS_MISLABELED, /* dsn-headers-mislabeled: message/rfc822 */
  MS_F_DSN_ONE_PER_RCPT,       /* dsn-one-per-rcpt */
  MS_F_DSN_LIST_ALL,           /* dsn-list-all: recipients not due listed */
  MS_F_DSN_SOURCE_ROUTE,       /* dsn-source-route: sent along the route */
  /* branch delivered: what a delivered message shows (issue 14 §3) */
  MS_F_RECEIVED_NO_BY,        /* received-no-by: no BY clause (§4.4) */
  MS_F_RECEIVED_ZONE_BARE,    /* received-zone-bare: "+0000 UTC", the
                                 zone name outside a comment (§4.4) */
  MS_F_NO_RECEIVED_AUTH,      /* no-received-auth: no Received: line on
                                 a message sent after AUTH (RFC 4954 §7) */
  MS_F_RCPT_LIST_HEADER,      /* rcpt-list-header: every RCPT address in
                                 an added field (§7.2) */
  MS_F_SOURCE_ROUTE_FOLLOWED, /* source-route-followed: a routed RCPT
                                 relayed to its first hop (§3.3) */
  MS_F_RECEIVED_NO_UTF8SMTP,  /* received-no-utf8smtp: WITH ESMTP after
                                 SMTPUTF8 (RFC 6531 §3.7.3) */
  MS_F_RECEIVED_UTF8_ALWAYS,  /* received-utf8-always: a UTF-8 comment in
                                 Received: without SMTPUTF8 too */
  MS_F_BDAT_OWN_DELIVERY,     /* bdat-own-delivery: BDAT LAST delivers
                                 without DATA's end of data (no trace) */
  MS_F_BDAT_RSET_DELIVERS,    /* bdat-rset-delivers: RSET after a BDAT
                                 delivers the chunks so far */
  MS_F_BINARY_NUL_DROPPED,    /* binary-nul-dropped: NUL octets of a
                                 BODY=BINARYMIME message not delivered */
  MS_F_TO_DEDUCED,            /* to-deduced: a To: without an address
                                 becomes the first recipient's (§7.2) */
  /* branch prove: one RFC 5321 MUST each (issue 13 §4) */
  MS_F_RSET_503_INIT,   /* rset-503-before-ehlo: RSET before EHLO gets 503 */
  MS_F_RSET_KEEPS_TXN,  /* rset-keeps-transaction: 250, nothing discarded */
  MS_F_RSET_TXN_500,    /* rset-500-in-transaction: RSET after MAIL: 500 */
  MS_F_RSET_ARG_CLOSE,  /* rset-arg-close: RSET with an argument: 501, close */
  MS_F_NOOP_502,        /* noop-502: NOOP not implemented */
  MS_F_HELO_502,        /* helo-502: HELO not implemented */
  MS_F_QUIT_250,        /* quit-250: QUIT gets 250, then the close */
  MS_F_EHLO_AGAIN_503,  /* ehlo-again-503: a second EHLO gets 503 */
  MS_F_LISTED_502,      /* listed-502: VRFY, EXPN, HELP listed, all 502 */
  MS_F_NESTED_MAIL_250, /* nested-mail-250: MAIL in a transaction restarts it */
  MS_F_RCPT_NO_MAIL_250, /* rcpt-without-mail-250: RCPT before MAIL: 250 */
  MS_F_UNKNOWN_CLOSE,    /* unknown-close: 500, then the close */
  MS_F_VRFY_SYNTAX_250,  /* vrfy-syntax-250: an unknown mailbox gets 250 */
  MS_F_BARE_POSTMASTER,  /* bare-postmaster-550: <Postmaster> refused */
  MS_F_RCPT_LIMIT_99,    /* rcpt-limit-99: 99 recipients, not 100 */
  MS_F_PATH_255,         /* path-255: a 256-octet path refused */
  MS_F_MESSAGE_60000,    /* message-limit-60000: 552 past 60000 octets */
  MS_F_SECOND_451,       /* second-message-451: delivered, yet 451 */
  MS_F_NULL_SENDER_501,  /* null-sender-501: MAIL FROM:<> a syntax error */
  MS_F_AUTH_NO_MECHS,    /* auth-no-mechs: EHLO lists AUTH, no mechanism */
  /* branch lead3 */
  MS_F_PARTIAL_554, /* partial-failure-554: some recipients fail after the
                       end of data, the others are delivered: 554 (4.4-25) */
  /* branch lists */
  MS_F_LIST_KEEPS_SENDER,  /* list-keeps-sender: a list's copies keep the
                              sender as reverse-path (5321-3.9-2) */
  MS_F_LIST_REWRITES_FROM, /* list-rewrites-from: a list's copies get the
                              list in From: (5321-3.9-3) */
  /* branch relay: the relay route (srv_smtp_relay.c, RFC 5321 §3.6.3,
   * RFC 3461 §5.2.2, §6.3) */
  MS_F_RELAY_NO_BOUNCE,       /* relay-no-bounce */
  MS_F_RELAY_BOUNCE_SENDER,   /* relay-bounce-sender */
  MS_F_RELAY_BOUNCE_TO_NULL,  /* relay-bounce-to-null */
  MS_F_RELAY_NO_REMOTE_MTA,   /* relay-no-remote-mta */
  MS_F_RELAY_DIAG_NOT_SMTP,   /* relay-diagnostic-not-smtp */
  MS_F_RELAY_EDITS_HEADER,    /* relay-edits-header */
  MS_F_RELAY_NO_RECEIVED,     /* relay-no-received */
  MS_F_RELAY_REWRITES_SENDER, /* relay-rewrites-sender */
  MS_F_RELAY_NEVER_BOUNCE,    /* relay-notify-never-bounce */
  MS_F_RELAY_NO_RELAYED,      /* relay-no-relayed-dsn */
  MS_F_RELAY_RELAYED_ALWAYS,  /* relay-relayed-always */
  MS_F_RELAY_DIAG_REWRITTEN,  /* relay-diagnostic-rewritten */
  /* branch lead3 */
  MS_F_DSN_DNS_UNQUALIFIED, /* dsn-dns-unqualified: Reporting-MTA says "dns"
                               with a one-label hostname (3461-6.3-7) */
  MS_F_NOTIFY_BY_SEND,      /* notify-by-send: the notification about a SEND/
                               SOML/SAML message goes to the sender's terminal,
                               not by MAIL to the mailbox (5321-4.4-29) */
  /* branch dsn2 */
  MS_F_DSN_LIST_NO_DELIVERED, /* dsn-list-no-delivered: no "delivered" DSN
                                 for a list's submission address under
                                 NOTIFY=SUCCESS (3461-5.2.7.1-1) */
  MS_F_SUBMIT_NO_MESSAGE_ID,  /* submission-no-message-id: the MSA adds no
                                 Message-ID: to a message without one
                                 (6409-8.3-1) */
  MS_F_SUBMIT_NO_DATE,        /* submission-no-date: the MSA delivers a
                                 message without Date: as it is (6409-8-3) */
  MS_F_SUBMIT_SENDER_LOCAL,   /* submission-sender-local: the Sender: the MSA
                                 adds holds a bare local part (6409-8.1-2) */
  MS_F_SUBMIT_HEADER_UNQUALIFIED,   /* submission-header-unqualified: a header
                                       address in a single-level domain is
                                       delivered as is (6409-4.2-2) */
  MS_F_SUBMIT_ENVELOPE_UNQUALIFIED, /* submission-envelope-unqualified: MAIL
                                       in a single-level domain is taken and
                                       delivered as is (6409-4.2-1) */
  MS_F_LIST_DROPS_ORIGINATOR,       /* list-drops-originator: a list's copies
                                       leave out the originator (5321-3.9-4) */
  MS_F_ALIAS_NOT_EXPANDED,     /* alias-not-expanded: mail to an alias stays
                                  with the alias, never reaches its forward
                                  address (5321-3.9-1) */
  MS_F_DSN_ALIAS_TWICE,        /* dsn-alias-twice: a DSN at the alias on top
                                  of the final delivery's (3461-5.2.7.2-1) */
  MS_F_AUTOREPLY_NULL_SENDER,  /* autoreply-null-sender: an automatic
                                  responder answers mail from <> (to its
                                  From: address) (5321-4.5.5-2) */
  MS_F_DSN_NULL_NO_POSTMASTER, /* dsn-null-no-postmaster: failures of mail
                                  from <> reach nobody, not even the
                                  postmaster (3461-5.2-2) */
  /* branch ext3: RFC 3463 and RFC 6531 on delivery */
  MS_F_DSN_DELIVERED_STATUS_200, /* dsn-delivered-status-200: a delivered
                                    DSN says Status: 2.0.0, not 2.1.5
                                    (3463-3.2-4) */
  MS_F_DSN_UTF8_PLAIN,           /* dsn-utf8-plain: the DSN about an
                                    SMTPUTF8 message in RFC 3464's form, not
                                    RFC 6533's (6531-3.2-13) */
  MS_F_RECEIVED_A_LABEL,         /* received-a-label: an SMTPUTF8 message's
                                    Received: names the EHLO domain in
                                    A-labels, not U-labels (6531-3.7.3-2) */
  /* branch relay2: the relay route, delivery-side (srv_smtp_relay.c) */
  MS_F_RELAY_NAME_IN_SENDER,    /* relay-name-in-sender: the relay passes the
                                   reverse-path on with its own name in it,
                                   "box%domain@relay" (5321-4.1.1.3-5) */
  MS_F_RELAY_DROPS_RETURN_PATH, /* relay-drops-return-path: the relay
                                   looks for Return-Path: fields and drops
                                   the messages that have one (5321-4.4-18) */
  MS_F_EMPTY_DATA_NOTICE,       /* empty-data-notice: DATA without a valid
                                   recipient gets 354, and the empty message
                                   then a notice to the sender (2920-3.2-4) */
  MS_F_BINARY_CTE_NO_DSN,       /* binary-cte-no-dsn: a message labelled binary
                                   without BODY=BINARYMIME is delivered, no DSN
                                   returns it (3030-3-21) */
  /* branch wire2: RFC 6409 §5.1 and RFC 5321 §4.5.3.1.7 */
  MS_F_SUBMIT_HEADER_ADDRESS_TAKEN, /* submission-header-address-taken: the
                                       MSA takes and delivers a message with
                                       illegal syntax in an address header
                                       field (6409-5.1-2) */
  MS_F_SIZE_LIMIT_UNADVERTISED,     /* size-limit-unadvertised: EHLO leaves
                                       SIZE out (and SIZE= gets 555, as not
                                       offered) while the size limit stays
                                       (5321-4.5.3.1.7-2) */
  MS_F_SUBMIT_INCOMPLETE_TAKEN,     /* submission-incomplete-domain-taken:
                                       where short_domains permits 'sales',
                                       'squeaky.sales' is taken as complete,
                                       in the envelope and the header
                                       (6409-4.2-4) */
  MS_F_COUNT                        /* keep last */
};
#define MS_FAULT_WORDS ((MS_F_COUNT + 63) / 64)
struct ms_faults {
  unsigned long long on[MS_FAULT_WORDS]; /* bit F: fault F is on */
  unsigned slow_ms;                      /* slow:MS, delay before each reply */
  unsigned trickle_ms;      /* trickle:MS, delay between reply octets */
  unsigned long long_bytes; /* long-line:BYTES, length of the greeting */
};
static inline bool ms_fault_on(const struct ms_faults *f, enum ms_fault x) {
  return x != MS_F_NONE && ((f->on[x / 64] >> (x % 64)) & 1u);
}
static inline void ms_fault_set(struct ms_faults *f, enum ms_fault x) {
  if (x != MS_F_NONE)
    f->on[x / 64] |= 1ull << (x % 64);
}
int ms_faults_parse(struct ms_faults *f, const char *const *names, size_t n,
                    char *err, size_t errlen);

/* Shared by all sessions of one server: the world, accepted mail and
 * POP3 maildrop state (locks, deletions).  store.c; thread-safe. */
struct ms_store;
struct srv_tls;

struct srv_ctx {
  const struct ms_world *world;
  enum ms_profile profile;
  struct ms_faults faults;
  struct ms_store *store;
  /* TLS and AUTH (issue 7; srv_tls.c, srv_auth.c).  All zero: the
   * sessions offer neither STARTTLS/STLS nor AUTH. */
  struct srv_tls *tls; /* STARTTLS/STLS offered when set */
  bool tls_implicit;   /* every connection starts with a handshake */
  bool auth;           /* SMTP AUTH (rfc5321), POP3 AUTH offered */
  bool auth_need_tls;  /* --require-tls-for-auth */
  /* The client's IP address, as the TCP connection says (the session's
   * own copy of the context has it; "" in unit tests): the trace line's
   * FROM clause (RFC 5321 §4.4, issue 14). */
  const char *peer;
  /* The relay route's next hop (world.h), which server.c runs beside a
   * server with a POP3 side: its loopback address and port, NULL when
   * there is none (the route's domain is then refused like any other). */
  const char *relay_host, *relay_port;
};

/* What a session asks the loop to do after handling input. */
enum srv_action {
  SRV_CONTINUE = 0,
  SRV_CLOSE = 1,   /* flush OUT, then close */
  SRV_STARTTLS = 2 /* flush OUT, then start TLS (issue 7) */
};

struct srv_session_ops {
  const char *name;
  /* New connection: greeting into OUT.  Returns the session state. */
  void *(*open)(const struct srv_ctx *ctx, struct ms_buf *out,
                enum srv_action *act);
  /* One input line without its line end; CRLF tells whether it ended in
   * CRLF (false: bare LF).  Replies are appended to OUT. */
  enum srv_action (*line)(void *sess, const char *line, size_t len, bool crlf,
                          struct ms_buf *out);
  /* The client vanished or the server stops. */
  void (*close)(void *sess);
  /* Optional (NULL in POP3): octets the session wants as they came, not
   * as lines, before the next line (the chunk of a BDAT, RFC 3030 §2:
   * "exactly" that many octets follow the command line); 0 for lines. */
  size_t (*raw_want)(void *sess);
  /* Up to raw_want() of those octets; replies are appended to OUT. */
  enum srv_action (*raw)(void *sess, const char *p, size_t n,
                         struct ms_buf *out);
};
extern const struct srv_session_ops ms_srv_smtp_ops;
extern const struct srv_session_ops ms_srv_pop3_ops;

#endif
