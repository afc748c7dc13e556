# One plain Makefile (GNU make). No configure step, no generated dependency files:
# every object depends on every header of the tree, which is cheap at this size.
#
#   make                  programs into bin/
#   make run              the servers on loopback with a demo user (scripts/demo-server.py)
#   make check            the programs, then an ASan+UBSan test build in build-check/,
#                         then every unit, stress and transcript test
#   make check-interop    tests against real clients and Dovecot (needs them installed)
#   make fuzz CC=clang    libFuzzer targets into build-fuzz/, each run FUZZ_SECONDS
#   make bench            benchmarks, as ratios against a baseline in the same run
#   make install PREFIX=/usr/local DESTDIR=

CC       ?= cc
CFLAGS   ?= -O2 -g
PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    ?= build
BINDIR   ?= bin
FUZZ_SECONDS ?= 20

override CFLAGS += -std=c11 -D_POSIX_C_SOURCE=200809L -D_XOPEN_SOURCE=700 \
	-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wno-format-nonliteral -fno-strict-aliasing -fstack-protector-strong \
	-Ilib -Imaildir -Iimapd
LDLIBS   += -lcrypt
ifeq ($(LIBBSD),1)
override CFLAGS += -DHAVE_LIBBSD
LDLIBS   += -lbsd
endif
ifeq ($(WERROR),1)
override CFLAGS += -Werror
endif

B        := $(BUILD)
LIB_SRC  := $(wildcard lib/*.c)
MD_SRC   := $(wildcard maildir/maildir_*.c)
TOOL_SRC := $(filter-out $(MD_SRC),$(wildcard maildir/*.c))
HDRS     := $(wildcard lib/*.h maildir/*.h pop3d/*.h imapd/*.h smtpd/*.h checkpw/*.h)
# A program is a directory with a main.c; checkpw/ builds bin/checkpassword-file.
DAEMONS  := $(patsubst %/main.c,%,$(wildcard pop3d/main.c imapd/main.c smtpd/main.c checkpw/main.c))
progname  = $(if $(filter checkpw,$(1)),checkpassword-file,$(1))
PROGS    := maildir $(foreach d,$(DAEMONS),$(call progname,$(d)))

LIBUTIL  := $(B)/libutil.a
LIBMD    := $(B)/libmaildir.a
# imapd's modules but main.c, as a library for its unit tests and fuzz targets.
IMAP_SRC := $(filter-out imapd/main.c,$(wildcard imapd/*.c))
LIBIMAP  := $(if $(IMAP_SRC),$(B)/libimap.a)
obj       = $(patsubst %.c,$(B)/%.o,$(1))

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))
STRESS_SRC := $(wildcard tests/stress/*.c)
STRESS_BIN := $(patsubst tests/stress/%.c,$(B)/tests/%,$(STRESS_SRC))
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
# Helper programs that interop scripts run (not tests themselves).
TOOL_SRC_T := $(wildcard tests/tools/*.c)
TOOL_BIN_T := $(patsubst tests/tools/%.c,$(B)/tests/%,$(TOOL_SRC_T))

all: $(addprefix $(BINDIR)/,$(PROGS))

$(B)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(LIBUTIL): $(call obj,$(LIB_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(LIBMD): $(call obj,$(MD_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

ifneq ($(IMAP_SRC),)
$(LIBIMAP): $(call obj,$(IMAP_SRC))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^
endif

$(BINDIR)/maildir: $(call obj,$(TOOL_SRC)) $(LIBMD) $(LIBUTIL)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Each daemon is its directory's sources (main.c last so tests can link the rest).
define daemon
$(BINDIR)/$(call progname,$(1)): $(call obj,$(wildcard $(1)/*.c)) $(LIBMD) $(LIBUTIL)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach d,$(DAEMONS),$(eval $(call daemon,$(d))))

$(B)/tests/%: tests/unit/%.c tests/unit/test.h $(LIBIMAP) $(LIBMD) $(LIBUTIL)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(LIBIMAP) $(LIBMD) $(LIBUTIL) $(LDLIBS)

$(B)/tests/%: tests/tools/%.c $(LIBIMAP) $(LIBUTIL)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBIMAP) $(LIBUTIL) $(LDLIBS)

$(B)/tests/%: tests/stress/%.c $(LIBMD) $(LIBUTIL)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBMD) $(LIBUTIL) $(LDLIBS)

# --- tests -------------------------------------------------------------------------------
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
# The programs under test are a test build (-DMAILD_TEST_HOOKS: lib/testhook.h); the
# plain one is built too, so that a test can check that it ignores the test knobs.
check: all
	$(MAKE) BUILD=build-check BINDIR=build-check/bin WERROR=1 PLAINBIN=$(abspath $(BINDIR)) \
		CFLAGS="-O1 -g $(SAN) -DMAILD_TEST_HOOKS" LDFLAGS="$(SAN)" run-tests

# Runs against whatever build the variables name; `make check` names the sanitizer one.
run-tests: all $(UNIT_BIN) $(STRESS_BIN) $(TOOL_BIN_T)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		BIN=$(abspath $(BINDIR)) TESTBIN=$(abspath $(B)/tests) PLAINBIN=$(PLAINBIN) \
		sh tests/run.sh

check-interop: all $(TOOL_BIN_T)
	BIN=$(abspath $(BINDIR)) TESTBIN=$(abspath $(B)/tests) sh tests/interop/run.sh

fuzz:
	@mkdir -p build-fuzz
	@ran=0; for f in $(FUZZ_SRC); do \
		n=$$(basename $$f .c); \
		$(MAKE) --no-print-directory BUILD=build-fuzz/obj BINDIR=build-fuzz/bin \
			CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" \
			build-fuzz/obj/libutil.a build-fuzz/obj/libmaildir.a \
			$(if $(IMAP_SRC),build-fuzz/obj/libimap.a) || exit 1; \
		$(CC) -O1 -g -fsanitize=fuzzer,address,undefined -Ilib -Imaildir -Iimapd \
			-D_POSIX_C_SOURCE=200809L -D_XOPEN_SOURCE=700 -o build-fuzz/$$n $$f \
			$(if $(IMAP_SRC),build-fuzz/obj/libimap.a) build-fuzz/obj/libmaildir.a \
			build-fuzz/obj/libutil.a -lcrypt || exit 1; \
		mkdir -p build-fuzz/corpus-$$n; \
		echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
		./build-fuzz/$$n -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 \
			build-fuzz/corpus-$$n tests/fuzz/seed-$$n 2>build-fuzz/$$n.log \
			|| { tail -50 build-fuzz/$$n.log; echo "fuzz: $$ran passed, 1 failed"; exit 1; }; \
		ran=$$((ran + 1)); \
	done; \
	echo "fuzz: $$ran passed, 0 failed"

bench: all
	BIN=$(abspath $(BINDIR)) sh bench/run.sh

# The demo: servers on 127.0.0.1 with user "demo", password "demo", Maildir in demo/run/.
run: all
	python3 scripts/demo-server.py $(BINDIR) demo/run

# --- install -----------------------------------------------------------------------------
install: all
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man8
	for p in $(PROGS); do install -m 755 $(BINDIR)/$$p $(DESTDIR)$(PREFIX)/bin/; done
	for m in man/*.[158]; do s=$${m##*.}; \
		install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/; done

clean:
	rm -rf build build-check build-fuzz bin

.PHONY: all check run-tests check-interop fuzz bench run install clean
