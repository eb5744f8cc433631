# xvs — build, test, demo, benchmark.
#   make            build everything (BPF objects, skeletons, libxvs, xvs, tests, tools)
#   make SAN=1      userspace with AddressSanitizer + UndefinedBehaviorSanitizer
#   make test       set up the machine, build, run unit and integration tests
#   make demo       set up the machine, build, run the demo topology
#   make bench      run the forwarding benchmark (writes docs/BENCHMARKS.md results)
#   make install    install xvs, its man page, bash completion and systemd unit (DESTDIR,
#                   PREFIX=/usr/local)
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
YAML_CFLAGS := $(shell pkg-config --cflags yaml-0.1 2>/dev/null)
YAML_LIBS   := $(shell pkg-config --libs yaml-0.1 2>/dev/null || echo -lyaml)
CFLAGS   += $(JSON_CFLAGS) $(NL_CFLAGS) $(YAML_CFLAGS)

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
# ip and bridge), its manual, its bash completion and the systemd unit that applies the saved
# configuration at boot (with the installed binary's path written into it). The dataplane is compiled into xvs as a
# bpftool skeleton, so no BPF object is installed; xvs-trafgen and the unit tests serve the
# benchmark and the tests, which run from the build tree.
PREFIX      ?= /usr/local
SBINDIR     ?= $(PREFIX)/sbin
MANDIR      ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
UNITDIR     ?= $(PREFIX)/lib/systemd/system
INSTALL     ?= install
INSTALLED    = $(DESTDIR)$(SBINDIR)/xvs $(DESTDIR)$(MANDIR)/man8/xvs.8 $(DESTDIR)$(BASHCOMPDIR)/xvs \
	       $(DESTDIR)$(UNITDIR)/xvs.service

.PHONY: all clean test unit integration demo bench setup install uninstall
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
	$(CC) $(CFLAGS) -Iloader/cli $(LDFLAGS) $(CLI_SRCS) $(LIB) $(LDLIBS) $(JSON_LIBS) $(YAML_LIBS) -o $@

$(BUILD)/xvs-trafgen: tools/trafgen.c include/xvs_abi.h $(BUILD)/xvs_trafgen.skel.h $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) $< $(LIB) $(LDLIBS) -o $@

$(UNIT_BIN): $(UNIT_SRCS) $(wildcard tests/unit/*.h) $(LIB) $(BUILD)/xvs_trafgen.skel.h
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) $(UNIT_SRCS) $(LIB) $(LDLIBS) $(JSON_LIBS) $(YAML_LIBS) -lcriterion -o $@

setup:
	bash tools/setup.sh

unit: setup all
	$(UNIT_BIN) --jobs 1

integration: setup all
	bash tests/integration/run.sh

test: setup
	$(MAKE) all
	$(MAKE) unit integration

demo: setup
	$(MAKE) all
	bash tools/demo.sh

bench: setup
	$(MAKE) all
	bash tools/bench.sh

# The unit is generated at install time: SBINDIR is known only then.
install: $(BUILD)/xvs contrib/systemd/xvs.service.in
	$(INSTALL) -D -m 0755 $(BUILD)/xvs $(DESTDIR)$(SBINDIR)/xvs
	$(INSTALL) -D -m 0644 docs/xvs.8 $(DESTDIR)$(MANDIR)/man8/xvs.8
	$(INSTALL) -D -m 0644 completions/xvs.bash $(DESTDIR)$(BASHCOMPDIR)/xvs
	sed 's|@SBINDIR@|$(SBINDIR)|g' contrib/systemd/xvs.service.in > $(BUILD)/xvs.service
	$(INSTALL) -D -m 0644 $(BUILD)/xvs.service $(DESTDIR)$(UNITDIR)/xvs.service

# Files only: the directories may hold other packages' files.
uninstall:
	rm -f $(INSTALLED)

clean:
	rm -rf $(BUILD)
