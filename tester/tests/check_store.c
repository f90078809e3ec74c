/* Unit tests for store.c: delivered mail, the mbox spool, POP3 locks. */
#include <check.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "util.h"
#include "world.h"
#include "mailspec/transcript.h"

START_TEST(test_deliver_memory) {
  struct ms_world *w = ms_world_builtin();
  struct ms_store *s = ms_store_new(w, NULL);
  char j[] = "Jones@BBN-UNIX.ARPA", b[] = "Brown@BBN-UNIX.ARPA";
  char *r1[] = {j, b};
  ck_assert_int_eq(
      ms_store_deliver(s, "Smith@USC-ISIF.ARPA", r1, 2, "one\r\n", 5), 0);
  char jl[] = "jones@bbn-unix.arpa";
  char *r2[] = {jl};
  ck_assert_int_eq(ms_store_deliver(s, "", r2, 1, "two\r\n", 5), 0);
  ck_assert_int_eq(ms_store_count(s, "JONES@BBN-UNIX.ARPA"), 2);
  ck_assert_int_eq(ms_store_count(s, "Brown@BBN-UNIX.ARPA"), 1);
  ck_assert_int_eq(ms_store_count(s, "Green@BBN-UNIX.ARPA"), 0);
  size_t len = 0;
  ck_assert_str_eq(ms_store_message(s, "Jones@BBN-UNIX.ARPA", 1, &len),
                   "two\r\n");
  ck_assert_int_eq(len, 5);
  ck_assert_ptr_null(ms_store_message(s, "Jones@BBN-UNIX.ARPA", 2, &len));
  ms_store_free(s);
  ms_world_free(w);
}
END_TEST

static char *slurp(const char *dir, const char *name) {
  char *p = xasprintf("%s/%s", dir, name);
  size_t len;
  char *r = ms_read_file(p, 1 << 20, &len);
  free(p);
  return r;
}

static void rmtree(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  while (d && (e = readdir(d))) {
    if (e->d_name[0] == '.' && (!e->d_name[1] || e->d_name[1] == '.'))
      continue;
    char *p = xasprintf("%s/%s", dir, e->d_name);
    unlink(p);
    free(p);
  }
  if (d)
    closedir(d);
  rmdir(dir);
}

START_TEST(test_spool_mbox) {
  char dir[] = "/tmp/mailspec-spool-XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  struct ms_world *w = ms_world_builtin();
  struct ms_store *s = ms_store_new(w, dir);
  char j[] = "Jones@BBN-UNIX.ARPA", e[] = "../evil/x",
       b[] = "Brown@BBN-UNIX.ARPA";
  char *r[] = {j, e};
  const char *msg = "Subject: hi\r\n\r\nFrom here on\r\n>From there\r\n.\r\n";
  ck_assert_int_eq(
      ms_store_deliver(s, "Smith@USC-ISIF.ARPA", r, 2, msg, strlen(msg)), 0);
  char *mbox = slurp(dir, "jones@bbn-unix.arpa");
  ck_assert_ptr_nonnull(mbox);
  ck_assert(strncmp(mbox, "From Smith@USC-ISIF.ARPA ", 25) == 0);
  /* mboxrd: LF line ends, ">From " quoting, a blank line after */
  const char *body = strchr(mbox, '\n') + 1;
  ck_assert_str_eq(body, "Subject: hi\n\n>From here on\n>>From there\n.\n\n");
  free(mbox);
  /* a recipient cannot leave the spool directory */
  char *evil = slurp(dir, "_._evil_x");
  ck_assert_ptr_nonnull(evil);
  free(evil);
  char *null_rp[] = {b};
  ck_assert_int_eq(ms_store_deliver(s, "", null_rp, 1, "x\r\n", 3), 0);
  mbox = slurp(dir, "brown@bbn-unix.arpa");
  ck_assert(strncmp(mbox, "From MAILER-DAEMON ", 19) == 0);
  free(mbox);
  rmtree(dir);
  /* the spool went away: delivery reports the failure */
  ck_assert_int_eq(ms_store_deliver(s, "", null_rp, 1, "x\r\n", 3), -1);
  ms_store_free(s);
  ms_world_free(w);
}
END_TEST

static struct ms_world *pop3_world(void) {
  struct ms_world *w = ms_world_builtin();
  struct ms_diags d = {0};
  const char *y = "pop3:\n  maildrops:\n"
                  "    - {user: joe, pass: x, messages: [a, b, c]}\n";
  ck_assert_int_eq(ms_world_apply_yaml(w, "t", y, strlen(y), 1, &d), 0);
  return w;
}

START_TEST(test_pop3_locks) {
  struct ms_world *w = pop3_world();
  struct ms_store *s = ms_store_new(w, NULL);
  struct ms_maildrop_view v, v2;
  ck_assert_int_eq(ms_store_lock(s, "nobody", &v), -1);
  ck_assert_int_eq(ms_store_lock(s, "joe", &v), 0);
  ck_assert_int_eq(v.nmsgs, 3);
  ck_assert_str_eq(v.msgs[1]->data, "b\r\n");
  /* RFC 1939 §8: a second session finds the maildrop locked */
  ck_assert_int_eq(ms_store_lock(s, "joe", &v2), -1);
  v.deleted[1] = true;
  ms_store_unlock(s, &v, false); /* no UPDATE: nothing removed */
  ck_assert_int_eq(ms_store_pop3_count(s, "joe"), 3);
  ck_assert_int_eq(ms_store_lock(s, "joe", &v), 0);
  v.deleted[1] = true;
  ms_store_unlock(s, &v, true);
  ck_assert_int_eq(ms_store_pop3_count(s, "joe"), 2);
  ck_assert_int_eq(ms_store_lock(s, "joe", &v), 0);
  ck_assert_int_eq(v.nmsgs, 2); /* renumbered: a, c */
  ck_assert_str_eq(v.msgs[1]->data, "c\r\n");
  v.deleted[0] = v.deleted[1] = true;
  ms_store_unlock(s, &v, true);
  ck_assert_int_eq(ms_store_pop3_count(s, "joe"), 0);
  ck_assert_int_eq(ms_store_pop3_count(s, "nobody"), 0);
  ms_store_free(s);
  ms_world_free(w);
}
END_TEST

struct race {
  struct ms_store *s;
  int ok;
};

static void *race_deliver(void *arg) {
  struct race *r = arg;
  char j[] = "Jones@BBN-UNIX.ARPA";
  char *rc[] = {j};
  for (int i = 0; i < 200; i++)
    r->ok += ms_store_deliver(r->s, "a@b", rc, 1, "m\r\n", 3) == 0;
  return NULL;
}

static void *race_lock(void *arg) {
  struct race *r = arg;
  for (int i = 0; i < 200; i++) {
    struct ms_maildrop_view v;
    if (ms_store_lock(r->s, "joe", &v) == 0) {
      r->ok++;
      ms_store_unlock(r->s, &v, false);
    }
  }
  return NULL;
}

START_TEST(test_threads) {
  struct ms_world *w = pop3_world();
  struct ms_store *s = ms_store_new(w, NULL);
  struct race r[4] = {{s, 0}, {s, 0}, {s, 0}, {s, 0}};
  pthread_t t[4];
  for (int i = 0; i < 4; i++)
    pthread_create(&t[i], NULL, i < 2 ? race_deliver : race_lock, &r[i]);
  for (int i = 0; i < 4; i++)
    pthread_join(t[i], NULL);
  ck_assert_int_eq(r[0].ok + r[1].ok, 400);
  ck_assert_int_eq(ms_store_count(s, "Jones@BBN-UNIX.ARPA"), 400);
  ck_assert_int_gt(r[2].ok + r[3].ok, 0);
  ck_assert_int_eq(ms_store_pop3_count(s, "joe"), 3);
  ms_store_free(s);
  ms_world_free(w);
}
END_TEST

Suite *make_store_suite(void);
Suite *make_store_suite(void) {
  Suite *s = suite_create("store");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_deliver_memory);
  tcase_add_test(tc, test_spool_mbox);
  tcase_add_test(tc, test_pop3_locks);
  tcase_add_test(tc, test_threads);
  suite_add_tcase(s, tc);
  return s;
}
