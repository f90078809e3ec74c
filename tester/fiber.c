/* fiber: stackful coroutines (see fiber.h).  On x86-64 a switch is a
 * few instructions (fiber_switch below); elsewhere ucontext, whose
 * swapcontext also saves the signal mask: a syscall per switch, 14 per
 * short session (make bench).  The sanitizers are told of every switch,
 * or they would take the other stack's frames for overflows (ASan) or
 * races (TSan). */
#include "fiber.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "util.h"

#if defined(__SANITIZE_ADDRESS__)
#define FIBER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FIBER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define FIBER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FIBER_TSAN 1
#endif
#endif

#ifdef FIBER_ASAN
void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom,
                                    size_t size);
void __sanitizer_finish_switch_fiber(void *fake_stack_save,
                                     const void **bottom_old, size_t *size_old);
/* Sanitized frames are several times larger. */
#define FIBER_STACK (2u << 20)
#else
#define FIBER_STACK (256u << 10)
#endif
#ifdef FIBER_TSAN
void *__tsan_get_current_fiber(void);
void *__tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void *fiber);
void __tsan_switch_to_fiber(void *fiber, unsigned flags);
#endif

#if defined(__x86_64__) && !defined(MS_FIBER_UCONTEXT)
#define FIBER_ASM 1
/* Save the callee-saved registers, x87/SSE control words and the stack
 * pointer in *FROM; load TO's and return into it (System V AMD64). */
void ms_fiber_switch_(void **from, void *to);
__asm__(".pushsection .text\n"
        ".globl ms_fiber_switch_\n"
        ".type ms_fiber_switch_,@function\n"
        "ms_fiber_switch_:\n"
        "  pushq %rbp\n  pushq %rbx\n  pushq %r12\n"
        "  pushq %r13\n  pushq %r14\n  pushq %r15\n"
        "  subq $8, %rsp\n  stmxcsr (%rsp)\n  fnstcw 4(%rsp)\n"
        "  movq %rsp, (%rdi)\n  movq %rsi, %rsp\n"
        "  ldmxcsr (%rsp)\n  fldcw 4(%rsp)\n  addq $8, %rsp\n"
        "  popq %r15\n  popq %r14\n  popq %r13\n"
        "  popq %r12\n  popq %rbx\n  popq %rbp\n"
        "  ret\n"
        ".size ms_fiber_switch_,.-ms_fiber_switch_\n"
        ".popsection\n");
#endif

struct ms_fiber {
#ifdef FIBER_ASM
  void *sp; /* saved stack pointer while switched out */
  void *stack;
  size_t stacklen;
#else
  ucontext_t ctx;
#endif
  ms_fiber_fn fn;
  void *arg;
  void *map; /* guard page + stack */
  size_t maplen;
  bool done;
  void *local;
  void *fake; /* ASan's fake stack while switched out */
  void *tsan; /* TSan's fiber */
};

/* Per thread: where resume() came from, and what runs now. */
#ifdef FIBER_ASM
static _Thread_local void *fiber_home;
#else
static _Thread_local ucontext_t fiber_home;
#endif
static _Thread_local struct ms_fiber *fiber_cur;
static _Thread_local void *fiber_thread_local;
#ifdef FIBER_ASAN
static _Thread_local const void *fiber_home_bottom;
static _Thread_local size_t fiber_home_size;
#endif
#ifdef FIBER_TSAN
static _Thread_local void *fiber_home_tsan;
#endif

#ifdef FIBER_ASAN
static void *fiber_stack(const struct ms_fiber *f) {
#ifdef FIBER_ASM
  return f->stack;
#else
  return f->ctx.uc_stack.ss_sp;
#endif
}
#endif

static size_t fiber_page(void) {
  long p = sysconf(_SC_PAGESIZE);
  return p > 0 ? (size_t)p : 4096;
}

/* Back to the thread's stack; FINAL when this fiber's stack is done. */
static void fiber_to_home(struct ms_fiber *f, bool final) {
#ifdef FIBER_ASAN
  __sanitizer_start_switch_fiber(final ? NULL : &f->fake, fiber_home_bottom,
                                 fiber_home_size);
#endif
#ifdef FIBER_TSAN
  __tsan_switch_to_fiber(fiber_home_tsan, 0);
#endif
#ifdef FIBER_ASM
  ms_fiber_switch_(&f->sp, fiber_home);
  if (final)
    abort(); /* a finished fiber is never resumed */
#else
  if (final) {
    setcontext(&fiber_home);
    abort(); /* setcontext does not return */
  }
  swapcontext(&f->ctx, &fiber_home);
#endif
#ifdef FIBER_ASAN
  __sanitizer_finish_switch_fiber(f->fake, &fiber_home_bottom,
                                  &fiber_home_size);
#endif
}

static void fiber_entry(void) {
  struct ms_fiber *f = fiber_cur;
#ifdef FIBER_ASAN
  __sanitizer_finish_switch_fiber(NULL, &fiber_home_bottom, &fiber_home_size);
#endif
  f->fn(f->arg);
  f->done = true;
  fiber_to_home(f, true);
}

struct ms_fiber *ms_fiber_new(ms_fiber_fn fn, void *arg) {
  size_t page = fiber_page(), len = FIBER_STACK + page;
  /* NORESERVE: only the pages a session touches cost memory, so
   * thousands of sessions fit (issue 17: 5,000 under 64 MB). */
  void *m =
      mmap(NULL, len, PROT_READ | PROT_WRITE,
           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (m == MAP_FAILED)
    return NULL;
  /* A guard page: an overflow faults instead of writing over a heap. */
  if (mprotect(m, page, PROT_NONE) != 0) {
    munmap(m, len);
    return NULL;
  }
  struct ms_fiber *f = xcalloc(1, sizeof *f);
  f->fn = fn;
  f->arg = arg;
  f->map = m;
  f->maplen = len;
#ifdef FIBER_ASM
  f->stack = (char *)m + page;
  f->stacklen = FIBER_STACK;
  /* The frame ms_fiber_switch_ pops: control words, six registers, then
   * the return into fiber_entry, above it a null return address so that
   * fiber_entry starts with the stack aligned as after a call. */
  uintptr_t top = ((uintptr_t)f->stack + FIBER_STACK) & ~(uintptr_t)15;
  uint64_t *sp = (uint64_t *)top;
  *--sp = 0;                      /* fiber_entry's return address */
  *--sp = (uintptr_t)fiber_entry; /* ms_fiber_switch_'s ret */
  for (int i = 0; i < 6; i++)
    *--sp = 0;               /* rbp rbx r12 r13 r14 r15 */
  *--sp = 0x037F00001F80ull; /* fcw 0x37f, mxcsr 0x1f80 (defaults) */
  f->sp = sp;
#else
  getcontext(&f->ctx);
  f->ctx.uc_stack.ss_sp = (char *)m + page;
  f->ctx.uc_stack.ss_size = FIBER_STACK;
  f->ctx.uc_link = NULL;
  makecontext(&f->ctx, fiber_entry, 0);
#endif
#ifdef FIBER_TSAN
  f->tsan = __tsan_create_fiber(0);
#endif
  return f;
}

bool ms_fiber_resume(struct ms_fiber *f) {
  if (f->done)
    return true;
  struct ms_fiber *prev = fiber_cur;
  fiber_cur = f;
#ifdef FIBER_ASAN
  void *fake = NULL;
  __sanitizer_start_switch_fiber(&fake, fiber_stack(f), FIBER_STACK);
#endif
#ifdef FIBER_TSAN
  fiber_home_tsan = __tsan_get_current_fiber();
  __tsan_switch_to_fiber(f->tsan, 0);
#endif
#ifdef FIBER_ASM
  ms_fiber_switch_(&fiber_home, f->sp);
#else
  swapcontext(&fiber_home, &f->ctx);
#endif
#ifdef FIBER_ASAN
  __sanitizer_finish_switch_fiber(fake, NULL, NULL);
#endif
  fiber_cur = prev;
  return f->done;
}

void ms_fiber_yield(void) {
  struct ms_fiber *f = fiber_cur;
  if (f)
    fiber_to_home(f, false);
}

void ms_fiber_trim(void) {
  struct ms_fiber *f = fiber_cur;
  if (!f)
    return;
  size_t page = fiber_page();
  char here;
  /* Everything below this frame is dead until the fiber runs on; a page
   * under the current one stays, for the frames the wait still adds. */
  uintptr_t lo = (uintptr_t)f->map + page;
  uintptr_t cut = ((uintptr_t)&here & ~(uintptr_t)(page - 1)) - page;
  if (cut > lo)
    madvise((void *)lo, cut - lo, MADV_DONTNEED);
}

struct ms_fiber *ms_fiber_current(void) {
  return fiber_cur;
}

void **ms_fiber_local(void) {
  return fiber_cur ? &fiber_cur->local : &fiber_thread_local;
}

void ms_fiber_free(struct ms_fiber *f) {
  if (!f)
    return;
#ifdef FIBER_TSAN
  if (f->tsan)
    __tsan_destroy_fiber(f->tsan);
#endif
  munmap(f->map, f->maplen);
  free(f);
}
