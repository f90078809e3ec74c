// mailspec_rcpt: the mailboxes of tester/tests/servers/haraka.sh.  Haraka
// itself has no local delivery and no user list: this is the one place
// that says which recipients exist (testuser and postmaster at localhost
// and mx.example.test, and a bare "Postmaster", RFC 5321 §4.5.1).
'use strict';

const LOCAL_DOMAINS = ['localhost', 'mx.example.test'];
const USERS = ['testuser', 'postmaster'];

exports.hook_rcpt = function (next, connection, params) {
  const rcpt = params[0];
  const user = (rcpt.user || '').toLowerCase();
  const host = (rcpt.host || '').toLowerCase();
  if (!host && user === 'postmaster') return next(OK);
  if (!LOCAL_DOMAINS.includes(host)) {
    if (connection.relaying) return next(OK);
    return next(DENY, 'Relaying denied');
  }
  if (USERS.includes(user)) return next(OK);
  return next(DENY, 'No such user here');
};
