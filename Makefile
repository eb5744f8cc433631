# xvs — build, test, demo, benchmark.
#   make            build everything (BPF objects, skeletons, libxvs, xvs, tests, tools)
#   make SAN=1      userspace with AddressSanitizer + UndefinedBehaviorSanitizer
#   make test       set up the machine, build, run unit and integration tests (both flavours
#                   of the dataplane: xdp, then tc)
#   make demo       set up the machine, build, run the demo topology
#   make bench      run the forwarding benchmark (writes docs/BENCHMARKS.md results)
#   make bench-tcp  TCP throughput between two VMs: xvs tc, xvs xdp, Linux bridge (same file)
#   make install    install xvs, its man page and bash completion (DESTDIR, PREFIX=/usr/local)
#   make uninstall  remove exactly what make install put there (same DESTDIR and PREFIX)

BUILD    ?= build
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
ARCH_INC := /usr/include/$(shell $(CC) -dumpmachine)

WARN     := -Wall -Wextra -Werror
CFLAGS   ?= -O2 -g
CFLAGS   += $(WARN) -std=gnu11 -Iinclude -Iloader -I$(BUILD) -D_GNU_SOURCE
NL_CFLAGS := $(shell pkg-config --cflags libnl-route-3.0 2>/dev/null)
NL_LIBS   := $(shell pkg-config --libs libnl-route-3.0 2>/dev/null || echo -lnl-route-3 -lnl-3)
LDLIBS   := -lbpf -lelf -lz $(NL_LIBS) -lpcap
JSON_CFLAGS := $(shell pkg-config --cflags json-c 2>/dev/null)
JSON_LIBS   := $(shell pkg-config --libs json-c 2>/dev/null || echo -ljson-c)
CFLAGS   += $(JSON_CFLAGS) $(NL_CFLAGS)

ifeq ($(SAN),1)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS  += -fsanitize=address,undefined
endif

BPF_CFLAGS := -O2 -g -target bpf -mcpu=v3 $(WARN) -Iinclude -I$(ARCH_INC)

BPF_SRCS := $(wildcard bpf/*.bpf.c) $(wildcard tools/*.bpf.c)
BPF_OBJS := $(patsubst %.bpf.c,$(BUILD)/%.bpf.o,$(notdir $(BPF_SRCS)))
SKELS    := $(patsubst %.bpf.o,%.skel.h,$(BPF_OBJS))
BPF_HDRS := $(wildcard bpf/lib/*.h) include/xvs_abi.h

LIB_SRCS := $(wildcard loader/*.c)
LIB_OBJS := $(patsubst loader/%.c,$(BUILD)/loader/%.o,$(LIB_SRCS))
LIB      := $(BUILD)/libxvs.a

UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_BIN  := $(BUILD)/unit-tests

BINS := $(BUILD)/xvs $(UNIT_BIN) $(if $(wildcard tools/trafgen.c),$(BUILD)/xvs-trafgen)

# What a user runs: the xvs tool (an administration command that needs root, so sbin, like
# ip and bridge), its manual and its bash completion. The dataplane is compiled into xvs as a
# bpftool skeleton, so no BPF object is installed; xvs-trafgen and the unit tests serve the
# benchmark and the tests, which run from the build tree.
PREFIX      ?= /usr/local
SBINDIR     ?= $(PREFIX)/sbin
MANDIR      ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
INSTALL     ?= install
INSTALLED    = $(DESTDIR)$(SBINDIR)/xvs $(DESTDIR)$(MANDIR)/man8/xvs.8 $(DESTDIR)$(BASHCOMPDIR)/xvs

.PHONY: all clean test unit integration demo bench bench-tcp setup install uninstall
all: $(BINS)

# Keep the BPF objects and skeletons: build/xvs_dp.bpf.o is an ordinary XDP object that
# xdp-loader can load, and rebuilding it on every make is wasted time.
.SECONDARY: $(BPF_OBJS) $(SKELS)

$(BUILD) $(BUILD)/loader:
	mkdir -p $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.bpf.o: tools/%.bpf.c $(BPF_HDRS) | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(subst .bpf.o,,$(notdir $<)) > $@.tmp && mv $@.tmp $@

$(BUILD)/loader/%.o: loader/%.c $(wildcard loader/*.h) include/xvs_abi.h $(SKELS) | $(BUILD)/loader
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(AR) rcs $@ $^

CLI_SRCS := $(wildcard loader/cli/*.c)

$(BUILD)/xvs: $(CLI_SRCS) $(wildcard loader/cli/*.h) $(LIB) $(wildcard loader/*.h)
	$(CC) $(CFLAGS) -Iloader/cli $(LDFLAGS) $(CLI_SRCS) $(LIB) $(LDLIBS) $(JSON_LIBS) -o $@

$(BUILD)/xvs-trafgen: tools/trafgen.c include/xvs_abi.h $(BUILD)/xvs_trafgen.skel.h
	$(CC) $(CFLAGS) $(LDFLAGS) $< $(LDLIBS) -o $@

$(UNIT_BIN): $(UNIT_SRCS) $(wildcard tests/unit/*.h) $(LIB) $(BUILD)/xvs_trafgen.skel.h
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) $(UNIT_SRCS) $(LIB) $(LDLIBS) $(JSON_LIBS) -lcriterion -o $@

setup:
	bash tools/setup.sh

# The same tests against both flavours of the dataplane (docs/DATAPLANE.md).
DATAPATHS ?= xdp tc

unit: setup all
	set -e; for dp in $(DATAPATHS); do echo "unit tests, datapath $$dp"; \
		XVS_TEST_DATAPATH=$$dp $(UNIT_BIN) --jobs 1; done

integration: setup all
	set -e; for dp in $(DATAPATHS); do echo "integration tests, datapath $$dp"; \
		XVSIT_DATAPATH=$$dp bash tests/integration/run.sh; done

test: setup
	$(MAKE) all
	$(MAKE) unit integration

demo: setup
	$(MAKE) all
	bash tools/demo.sh

bench: setup
	$(MAKE) all
	bash tools/bench.sh

bench-tcp: setup
	$(MAKE) all
	bash tools/bench-tcp.sh

install: $(BUILD)/xvs
	$(INSTALL) -D -m 0755 $(BUILD)/xvs $(DESTDIR)$(SBINDIR)/xvs
	$(INSTALL) -D -m 0644 docs/xvs.8 $(DESTDIR)$(MANDIR)/man8/xvs.8
	$(INSTALL) -D -m 0644 completions/xvs.bash $(DESTDIR)$(BASHCOMPDIR)/xvs

# Files only: the directories may hold other packages' files.
uninstall:
	rm -f $(INSTALLED)

clean:
	rm -rf $(BUILD)
