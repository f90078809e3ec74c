// mailspec_queue: accept each message and discard it (Haraka has no local
// delivery; tester/tests/servers/haraka.sh).
'use strict';

exports.hook_queue = function (next) {
  return next(OK, 'Queued (discarded)');
};
