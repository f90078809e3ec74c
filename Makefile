# mailspec: SMTP/POP3 conformance tester and traffic replayer.
# `make` builds ./mailspec and the engine library; `make demo` and
# `make check` are the README's two commands (they install missing
# Debian packages when run as root).
.SUFFIXES:

CC      ?= cc
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
LIBDIR  ?= $(PREFIX)/lib
INCDIR  ?= $(PREFIX)/include
MANDIR  ?= $(PREFIX)/share/man
DESTDIR ?=
SANITIZE ?=
PKG_CONFIG ?= pkg-config

# Sanitizer builds live in their own object tree so the two never mix.
comma := ,
BUILD := build$(if $(SANITIZE),-$(subst $(comma),-,$(SANITIZE)))

PKGS      = yaml-0.1 libpcap openssl
TEST_PKGS = check
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
TEST_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS   := $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) 2>/dev/null)

WARN = -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
       -Wmissing-prototypes -Wold-style-definition -Wwrite-strings \
       -Wformat=2 -Wformat-security -Wvla -Wpointer-arith -Wcast-qual \
       -Wundef -Wnull-dereference
OPT  ?= -O2 -g
SAN_FLAGS = $(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all)
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) \
             $(OPT) $(SAN_FLAGS) -MMD -MP -Iinclude -Itester $(PKG_CFLAGS) \
             $(CFLAGS)
ALL_LDFLAGS = $(SAN_FLAGS) $(LDFLAGS)
LIBS = $(PKG_LIBS) -lpthread -lm

LIB_SRCS  = $(filter-out tester/main.c,$(wildcard tester/*.c))
LIB_OBJS  = $(LIB_SRCS:tester/%.c=$(BUILD)/%.o)
MAIN_OBJ  = $(BUILD)/main.o
TEST_SRCS = $(wildcard tester/tests/check_*.c)
TEST_OBJS = $(TEST_SRCS:tester/tests/%.c=$(BUILD)/tests/%.o)
LIBA      = $(BUILD)/libmailspec.a
CHECK_BIN = $(BUILD)/check_mailspec

all: mailspec

# ./mailspec is always the binary of the last build flavour asked for.
mailspec: $(BUILD)/mailspec
	@cp -f $(BUILD)/mailspec mailspec

$(BUILD)/mailspec: $(MAIN_OBJ) $(LIBA)
	$(CC) $(ALL_LDFLAGS) -o $@ $(MAIN_OBJ) $(LIBA) $(LIBS)

$(LIBA): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $(LIB_OBJS)

$(BUILD)/%.o: tester/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%.o: tester/tests/%.c $(BUILD)/tests/suites.inc
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -I$(BUILD)/tests $(TEST_CFLAGS) -c -o $@ $<

# Every `Suite *make_NAME_suite(void)` in tester/tests/check_*.c is run.
$(BUILD)/tests/suites.inc: $(TEST_SRCS)
	@mkdir -p $(@D)
	@grep -ho '^Suite \*make_[a-z0-9_]*_suite(void)' $(TEST_SRCS) | \
	  sed 's/^Suite \*\(make_[a-z0-9_]*_suite\)(void)/X(\1)/' | sort -u > $@.tmp
	@cmp -s $@.tmp $@ 2>/dev/null && rm -f $@.tmp || mv $@.tmp $@

$(CHECK_BIN): $(TEST_OBJS) $(LIBA)
	$(CC) $(ALL_LDFLAGS) -o $@ $(TEST_OBJS) $(LIBA) $(TEST_LIBS) $(LIBS)

# ---- the README's two commands ----------------------------------------
deps:
	@sh tester/deps.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@sh tester/demo.sh

check: deps
	@$(MAKE) --no-print-directory all $(CHECK_BIN) fuzz-syntax
	@sh tester/tests/run.sh "$(BUILD)"

unit: all $(CHECK_BIN)
	$(CHECK_BIN)

bench: deps
	@$(MAKE) --no-print-directory all
	@sh tester/bench/run.sh

lint-transcripts: all
	./mailspec lint transcripts suites

# reports/coverage.md: the requirement catalogues against the suites'
# transcripts (tester/tests/t/coverage.t fails when it is stale).
coverage: all
	./mailspec coverage -o reports/coverage.md suites

# ---- fuzzing (libFuzzer, clang) ---------------------------------------
FUZZ_SECONDS ?= 60
FUZZ_BUILD = build-fuzz
FUZZ_FLAGS = -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -g -O1
FUZZ_SRCS = $(wildcard tester/fuzz/fuzz_*.c)
FUZZ_BINS = $(FUZZ_SRCS:tester/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_LIB_OBJS = $(LIB_SRCS:tester/%.c=$(FUZZ_BUILD)/obj/%.o)

$(FUZZ_BUILD)/obj/%.o: tester/%.c
	@mkdir -p $(@D)
	clang -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(FUZZ_FLAGS) -MMD -MP -Iinclude -Itester $(PKG_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/libmailspec.a: $(FUZZ_LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $(FUZZ_LIB_OBJS)

$(FUZZ_BUILD)/fuzz_%: tester/fuzz/fuzz_%.c $(FUZZ_BUILD)/libmailspec.a
	clang -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(FUZZ_FLAGS) -fsanitize=fuzzer -Iinclude -Itester $(PKG_CFLAGS) -o $@ $< $(FUZZ_BUILD)/libmailspec.a $(LIBS)

fuzz-build: $(FUZZ_BINS)

# `make check` compiles every fuzz target too (without clang's fuzzer
# runtime), so a harness that no longer builds fails the tests, not CI.
fuzz-syntax:
	@for f in $(FUZZ_SRCS); do $(CC) $(ALL_CFLAGS) -fsyntax-only $$f || exit 1; done

# A smoke run of every target (FUZZ_SECONDS each); crashes fail it.
fuzz: fuzz-build
	@sh tester/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# Issue 8: memcheck over the unit tests and end-to-end runs (plain build).
valgrind: all $(CHECK_BIN)
	sh tester/tests/valgrind.sh $(BUILD)

fmt:
	clang-format -i tester/*.c tester/*.h tester/tests/*.c include/mailspec/*.h

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR)/mailspec $(DESTDIR)$(MANDIR)/man1
	cp -f mailspec $(DESTDIR)$(BINDIR)/mailspec
	cp -f $(LIBA) $(DESTDIR)$(LIBDIR)/libmailspec.a
	cp -f include/mailspec/*.h $(DESTDIR)$(INCDIR)/mailspec/
	cp -f tester/man/*.1 $(DESTDIR)$(MANDIR)/man1/ 2>/dev/null || true

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/mailspec $(DESTDIR)$(LIBDIR)/libmailspec.a
	rm -rf $(DESTDIR)$(INCDIR)/mailspec
	for m in tester/man/*.1; do rm -f $(DESTDIR)$(MANDIR)/man1/$${m##*/}; done

clean:
	rm -rf build build-* mailspec

.PHONY: all mailspec deps demo check unit bench lint-transcripts coverage valgrind fmt install uninstall clean fuzz fuzz-build fuzz-syntax

-include $(LIB_OBJS:.o=.d) $(MAIN_OBJ:.o=.d) $(TEST_OBJS:.o=.d) $(FUZZ_LIB_OBJS:.o=.d)
