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
DATADIR ?= $(PREFIX)/share
MANDIR  ?= $(DATADIR)/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR ?=
# The suites and transcripts an installed mailspec runs by name
# (`mailspec run -t HOST:PORT rfc5321`): compiled into plan_find.o, so
# `make install PREFIX=/opt/ms` gives a binary that looks in
# /opt/ms/share/mailspec (DESTDIR is only where the files are staged).
MS_DATADIR = $(DATADIR)/mailspec
VERSION := $(shell sed -n 's/^\#define MAILSPEC_VERSION "\(.*\)"/\1/p' include/mailspec/mailspec.h)
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
             $(OPT) $(SAN_FLAGS) -MMD -MP -Iinclude $(MS_INCS) $(PKG_CFLAGS) \
             $(CFLAGS)
ALL_LDFLAGS = $(SAN_FLAGS) $(LDFLAGS)
LIBS = $(PKG_LIBS) -lpthread -lm

# The core sits in tester/; the sealed subsystems in their folders (the
# map: tester/README.md).  Every folder is on the include path; the
# layering rule below keeps the core from including a folder's header.
MS_DIRS   = cli server traffic report
MS_INCS   = -Itester $(MS_DIRS:%=-Itester/%)
CORE_SRCS = $(wildcard tester/*.c)
LIB_SRCS  = $(CORE_SRCS) $(filter-out tester/cli/main.c,$(wildcard $(MS_DIRS:%=tester/%/*.c)))
LIB_OBJS  = $(LIB_SRCS:tester/%.c=$(BUILD)/%.o)
MAIN_OBJ  = $(BUILD)/cli/main.o
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

$(LIBA): $(LIB_OBJS) $(BUILD)/layering.ok
	@rm -f $@
	$(AR) rcs $@ $(LIB_OBJS)

$(BUILD)/%.o: tester/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Layering (tester/README.md): a core file includes only core and public
# headers; a folder's file only its own folder's, the core's and public
# ones; the CLI, on top, anything.  The build fails on a file that breaks it.
$(BUILD)/layering.ok: tester/layering.sh $(wildcard tester/*.[ch] $(MS_DIRS:%=tester/%/*.[ch]))
	@mkdir -p $(@D)
	@sh tester/layering.sh $(MS_DIRS)
	@touch $@

# plan_find.o is rebuilt whenever the share directory changes (the file
# below is rewritten only then).
$(BUILD)/plan_find.o: ALL_CFLAGS += -DMS_DATADIR='"$(MS_DATADIR)"'
$(BUILD)/plan_find.o: $(BUILD)/datadir.txt
$(BUILD)/datadir.txt: FORCE
	@mkdir -p $(@D)
	@echo '$(MS_DATADIR)' > $@.tmp
	@cmp -s $@.tmp $@ 2>/dev/null && rm -f $@.tmp || mv $@.tmp $@
FORCE:

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

# ThreadSanitizer on the event-loop workers (issue 17; .ci/run runs it).
tsan: deps
	@sh tester/tests/tsan.sh

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
	clang -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(FUZZ_FLAGS) -MMD -MP -Iinclude $(MS_INCS) $(PKG_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/libmailspec.a: $(FUZZ_LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $(FUZZ_LIB_OBJS)

$(FUZZ_BUILD)/fuzz_%: tester/fuzz/fuzz_%.c $(FUZZ_BUILD)/libmailspec.a
	clang -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(FUZZ_FLAGS) -fsanitize=fuzzer -Iinclude $(MS_INCS) $(PKG_CFLAGS) -o $@ $< $(FUZZ_BUILD)/libmailspec.a $(LIBS)

fuzz-build: $(FUZZ_BINS)

# `make check` compiles every fuzz target too (without clang's fuzzer
# runtime), so a harness that no longer builds fails the tests, not CI.
fuzz-syntax:
	@for f in $(FUZZ_SRCS); do $(CC) $(filter-out -MMD -MP,$(ALL_CFLAGS)) -fsyntax-only $$f || exit 1; done

# A smoke run of every target (FUZZ_SECONDS each); crashes fail it.
fuzz: fuzz-build
	@sh tester/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# Issue 8: memcheck over the unit tests and end-to-end runs (plain build).
valgrind: all $(CHECK_BIN)
	sh tester/tests/valgrind.sh $(BUILD)

fmt:
	clang-format -i tester/*.[ch] $(MS_DIRS:%=tester/%/*.[ch]) tester/tests/*.c include/mailspec/*.h

# The library's pkg-config file.  libmailspec is a static library: link
# with `pkg-config --static --libs mailspec` to get what it needs.  libpcap
# is named as -lpcap, not required as a package: Debian 12's libpcap.pc
# requires libsystemd for a static link without bringing libsystemd-dev.
pc_rel = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))
$(BUILD)/mailspec.pc: Makefile include/mailspec/mailspec.h FORCE
	@mkdir -p $(@D)
	@printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(call pc_rel,$(LIBDIR))' \
	  'includedir=$(call pc_rel,$(INCDIR))' 'datadir=$(call pc_rel,$(MS_DATADIR))' '' \
	  'Name: mailspec' \
	  'Description: SMTP/POP3 conformance tester and traffic replayer (engine library)' \
	  'Version: $(VERSION)' 'Requires.private: yaml-0.1 openssl' \
	  'Cflags: -I$${includedir}' 'Libs: -L$${libdir} -lmailspec' \
	  'Libs.private: -lpcap -lpthread -lm' > $@.tmp
	@cmp -s $@.tmp $@ 2>/dev/null && rm -f $@.tmp || mv $@.tmp $@

# Everything a user runs: the binary, the library with its headers and
# pkg-config file, the man page, and every suite (waiver files included)
# and transcript, with the layout the suites' ../transcripts/ paths need.
install: all $(BUILD)/mailspec.pc
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR)/mailspec \
	  $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MS_DATADIR)
	cp -f mailspec $(DESTDIR)$(BINDIR)/mailspec
	cp -f $(LIBA) $(DESTDIR)$(LIBDIR)/libmailspec.a
	cp -f include/mailspec/*.h $(DESTDIR)$(INCDIR)/mailspec/
	cp -f tester/man/*.1 $(DESTDIR)$(MANDIR)/man1/
	cp -f $(BUILD)/mailspec.pc $(DESTDIR)$(PKGCONFIGDIR)/mailspec.pc
	rm -rf $(DESTDIR)$(MS_DATADIR)/suites $(DESTDIR)$(MS_DATADIR)/transcripts
	cp -R suites transcripts $(DESTDIR)$(MS_DATADIR)/
	chmod -R u+rwX,go+rX,go-w $(DESTDIR)$(MS_DATADIR)

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/mailspec $(DESTDIR)$(LIBDIR)/libmailspec.a
	rm -f $(DESTDIR)$(PKGCONFIGDIR)/mailspec.pc
	rm -rf $(DESTDIR)$(INCDIR)/mailspec $(DESTDIR)$(MS_DATADIR)
	for m in tester/man/*.1; do rm -f $(DESTDIR)$(MANDIR)/man1/$${m##*/}; done

clean:
	rm -rf build build-* mailspec

.PHONY: all mailspec deps demo check unit bench tsan lint-transcripts coverage valgrind fmt install uninstall clean fuzz fuzz-build fuzz-syntax FORCE

-include $(LIB_OBJS:.o=.d) $(MAIN_OBJ:.o=.d) $(TEST_OBJS:.o=.d) $(FUZZ_LIB_OBJS:.o=.d)
