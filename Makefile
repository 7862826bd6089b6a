# edisensor: one entry point. make, make test, make demo, make bench,
# make install, make clean. BUILD=dir puts every output in another folder
# (helpers and the sanitizer build use their own), V=1 shows the commands.
.DELETE_ON_ERROR:
.SUFFIXES:
.SECONDARY:

BUILD    ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
SYSCONFDIR ?= /etc
UNITDIR  ?= $(PREFIX)/lib/systemd/system
MANDIR   ?= $(PREFIX)/share/man
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
PROTOC_C ?= protoc-c
SAN      ?=

ifeq ($(V),1)
Q :=
else
Q := @
endif

ARCH := $(shell uname -m | sed 's/x86_64/x86/; s/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)

WARN     := -Wall -Wextra -Werror
# FUZZ=1 (make fuzz): clang with libFuzzer coverage, ASan and UBSan on every
# object. -Werror stays with the gcc builds, which enforce the warnings;
# clang warns differently and must not stop a fuzzing run.
ifeq ($(FUZZ),1)
CC       := $(CLANG)
WARN     := -Wall -Wextra
endif
CFLAGS   ?= -O2 -g
CFLAGS   += $(WARN) -std=gnu11 -D_GNU_SOURCE -MMD -MP
CPPFLAGS += -I. -Ibpf -Iuserspace -I$(BUILD)/gen
LDLIBS   += -lxdp -lbpf -lpcap -lprotobuf-c -lelf -lz -lpthread -lm
ifneq ($(SAN),)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=address,undefined
endif
ifeq ($(FUZZ),1)
CFLAGS   += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
	    -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=fuzzer,address,undefined
endif
# Optional libraries: linked when present (probed, not assumed).
HAVE_NATS := $(shell pkg-config --exists libnats && echo 1)
ifeq ($(HAVE_NATS),1)
CPPFLAGS += -DHAVE_NATS=1
LDLIBS   += $(shell pkg-config --libs libnats)
endif
HAVE_SYSTEMD := $(shell pkg-config --exists libsystemd && echo 1)
ifeq ($(HAVE_SYSTEMD),1)
CPPFLAGS += -DHAVE_SYSTEMD=1
LDLIBS   += -lsystemd
endif
HAVE_INIH := $(shell pkg-config --exists inih && echo 1)
ifeq ($(HAVE_INIH),1)
CPPFLAGS += -DHAVE_INIH=1
LDLIBS   += $(shell pkg-config --libs inih)
endif

BPF_CFLAGS := -target bpf -O2 -g $(WARN) -D__TARGET_ARCH_$(ARCH) \
	-I$(BUILD)/gen -Ibpf -I/usr/include/$(MULTIARCH) -MMD -MP

# ---- sources -------------------------------------------------------------
BPF_SRCS   := $(wildcard bpf/*.bpf.c)
BPF_OBJS   := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS      := $(patsubst bpf/%.bpf.c,$(BUILD)/gen/%.skel.h,$(BPF_SRCS))
PROTO_C    := $(BUILD)/gen/edisensor.pb-c.c
PROTO_H    := $(BUILD)/gen/edisensor.pb-c.h
GEN_HDRS   := $(SKELS) $(PROTO_H)

# Programs: one entry file each; every other userspace/*.c is a module in
# the library all programs and tests link.
PROGRAMS   := edisensord edisensor-cat
PROG_SRCS  := $(patsubst %,userspace/%.c,$(PROGRAMS))
LIB_SRCS   := $(filter-out $(PROG_SRCS),$(wildcard userspace/*.c))
LIB_OBJS   := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRCS)) $(BUILD)/obj/gen/edisensor.pb-c.o
LIB        := $(BUILD)/libedisensor.a
BINS       := $(patsubst %,$(BUILD)/%,$(PROGRAMS))

# Tools: each tools/<name>/ folder with C sources builds build/<name>.
TOOL_DIRS  := $(patsubst %/,%,$(dir $(wildcard tools/*/*.c)))
TOOL_NAMES := $(sort $(notdir $(TOOL_DIRS)))
TOOL_BINS  := $(patsubst %,$(BUILD)/%,$(TOOL_NAMES))

# Tests: every tests/unit/test_*.c and tests/bpf/test_*.c is one cmocka binary.
TEST_SRCS  := $(wildcard tests/unit/test_*.c tests/bpf/test_*.c)
TEST_BINS  := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRCS))
BENCH_SRCS := $(wildcard tools/bench/*.c)

# Fuzz targets: each tests/fuzz/fuzz_*.c defines LLVMFuzzerTestOneInput.
# Normal and sanitizer builds link it with a driver that runs it over files
# (tests/fuzz/test_regressions.sh replays corpora and found crashes);
# FUZZ=1 links libFuzzer instead (make fuzz).
FUZZ_SRCS  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS  := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_MAIN  := $(if $(filter 1,$(FUZZ)),,$(BUILD)/obj/tests/fuzz/standalone.o)
FUZZ_SECONDS ?= 60
FUZZ_RUNS    ?=

.PHONY: all deps test test-san demo bench install clean fuzz fuzz-bins tests
all: $(BPF_OBJS) $(BINS) $(TOOL_BINS)

deps:
	$(Q)tools/install-deps.sh

# ---- BPF -----------------------------------------------------------------
$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c Makefile
	@mkdir -p $(@D)
	$(if $(Q),@echo "  BPF     $@")
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/gen/%.skel.h: $(BUILD)/bpf/%.bpf.o
	@mkdir -p $(@D)
	$(if $(Q),@echo "  SKEL    $@")
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# ---- protobuf ------------------------------------------------------------
$(PROTO_C) $(PROTO_H) &: proto/edisensor.proto
	@mkdir -p $(BUILD)/gen
	$(if $(Q),@echo "  PROTOC  $<")
	$(Q)$(PROTOC_C) --proto_path=proto --c_out=$(BUILD)/gen $<

# ---- userspace -----------------------------------------------------------
$(BUILD)/obj/%.o: %.c Makefile | $(GEN_HDRS)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/obj/gen/edisensor.pb-c.o: $(PROTO_C) Makefile
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(CPPFLAGS) $(filter-out -Werror,$(CFLAGS)) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(if $(Q),@echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/%: $(BUILD)/obj/userspace/%.o $(LIB)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) $< $(LIB) $(LDLIBS) -o $@

define TOOL_RULE
$(BUILD)/$(1): $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tools/$(1)/*.c)) $(LIB)
	$$(if $$(Q),@echo "  LD      $$@")
	$$(Q)$$(CC) $$(LDFLAGS) $$(filter %.o,$$^) $(LIB) $$(LDLIBS) -o $$@
endef
$(foreach t,$(TOOL_NAMES),$(eval $(call TOOL_RULE,$(t))))

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(LIB)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) $< $(LIB) $(LDLIBS) -lcmocka -o $@

$(BUILD)/fuzz/%: $(BUILD)/obj/tests/fuzz/%.o $(FUZZ_MAIN) $(LIB)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) $(filter %.o,$^) $(LIB) $(LDLIBS) -o $@

# ---- entry points --------------------------------------------------------
# test/demo/bench install what is missing first, so the README's two
# commands work on a fresh Debian 12 machine.
NEED_DEPS = $(shell tools/install-deps.sh --check >/dev/null 2>&1 || echo deps)

test: $(NEED_DEPS)
	$(Q)$(MAKE) --no-print-directory all tests
	$(Q)BUILD=$(BUILD) tests/run.sh

tests: $(TEST_BINS) $(FUZZ_BINS)

# The suite under ASan+UBSan. Left out: tests that check tshark's view of
# generated captures (the generator itself runs sanitized in the others).
SAN_EXCLUDE := pcapgen/test_tshark_reads pcapgen/test_determinism pcapgen/test_pathologies
test-san:
	$(Q)TESTS_EXCLUDE="$(SAN_EXCLUDE)" $(MAKE) --no-print-directory BUILD=build-san SAN=1 test

# libFuzzer over every target for FUZZ_SECONDS each (CI: a short run).
# Crashes land in build-fuzz/fuzz-crashes/; keep each one as a regression
# in tests/fuzz/regressions/<target>/ (see docs/HOSTILE.md).
fuzz: $(NEED_DEPS)
	$(Q)$(MAKE) --no-print-directory BUILD=build-fuzz FUZZ=1 fuzz-bins
	$(Q)BUILD=build-fuzz FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RUNS=$(FUZZ_RUNS) tests/fuzz/fuzz.sh

fuzz-bins: $(FUZZ_BINS)

demo: $(NEED_DEPS)
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) tools/demo.sh

bench: $(NEED_DEPS)
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) tools/bench.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/edisensor
	install -m 0755 $(BUILD)/edisensord $(DESTDIR)$(PREFIX)/sbin/
	install -m 0755 $(BUILD)/edisensor-cat $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 $(filter-out %/foreign_pass.bpf.o,$(BPF_OBJS)) $(DESTDIR)$(PREFIX)/lib/edisensor/
	$(if $(wildcard $(BUILD)/edi-pcapgen),install -m 0755 $(BUILD)/edi-pcapgen $(DESTDIR)$(PREFIX)/bin/)
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(PREFIX)/lib/sysusers.d \
		$(DESTDIR)$(PREFIX)/lib/tmpfiles.d $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(PREFIX)/share/doc/edisensor $(DESTDIR)$(SYSCONFDIR)/edisensor
	sed 's|@SBINDIR@|$(PREFIX)/sbin|g' systemd/edisensord.service >$(DESTDIR)$(UNITDIR)/edisensord.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/edisensord.service
	install -m 0644 systemd/edisensor.sysusers $(DESTDIR)$(PREFIX)/lib/sysusers.d/edisensor.conf
	install -m 0644 systemd/edisensor.tmpfiles $(DESTDIR)$(PREFIX)/lib/tmpfiles.d/edisensor.conf
	install -m 0644 man/*.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 systemd/edisensor.conf $(DESTDIR)$(PREFIX)/share/doc/edisensor/edisensor.conf.example
	@# an operator's configuration is never overwritten
	test -e $(DESTDIR)$(SYSCONFDIR)/edisensor/edisensor.conf || \
		install -m 0644 systemd/edisensor.conf $(DESTDIR)$(SYSCONFDIR)/edisensor/edisensor.conf

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
