# xvs — build, test, demo, benchmark.
#   make            build everything (BPF objects, skeletons, libxvs, xvs, tests, tools)
#   make SAN=1      userspace with AddressSanitizer + UndefinedBehaviorSanitizer
#   make test       set up the machine, build, run unit and integration tests (both flavours
#                   of the dataplane: xdp, then tc)
#   make demo       set up the machine, build, run the demo topology
#   make bench      run the forwarding benchmark (writes docs/BENCHMARKS.md results)
#   make bench-tcp  TCP throughput between two VMs: xvs tc, xvs xdp, Linux bridge (same file)
#   make vmbus-test the ring channel's tests: Criterion suite + fuzz corpora replay (no root)
#   make synthetic-bench synthetic vs emulated NIC, VM to VM (docs/BENCHMARKS.md, needs root)
#   make vmq-bench  uplink to a synthetic VM, VMQ on vs off (docs/BENCHMARKS.md, needs root)
#   make vmbus-bench the ring channel's throughput benchmark (docs/BENCHMARKS.md, "Ring channel")
#   make fuzz-run   run each libFuzzer target for FUZZ_RUNS executions (vmbus/FUZZING.md)
#   make install    install xvs, xvsd, xvs-vsc, man pages, bash completion, systemd units (DESTDIR,
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

# The ring channel (vmbus/): a library both sides link, its tests, fuzz targets and benchmark.
VMBUS_SRCS  := $(wildcard vmbus/*.c)
# The host service and the guest driver of synthetic NICs (docs/SYNTHETIC.md).
XVSD_SRCS   := $(wildcard vmbus/xvsd/*.c)
VSC_SRCS    := $(wildcard vmbus/vsc/*.c)
VMBUS_OBJS  := $(patsubst vmbus/%.c,$(BUILD)/vmbus/%.o,$(VMBUS_SRCS))
VMBUS_HDRS  := $(wildcard vmbus/*.h) include/xvs_vmbus.h
VMBUS_LIB   := $(BUILD)/libxvs-vmbus.a
VMBUS_TEST_SRCS := $(wildcard tests/vmbus/*.c)
VMBUS_TEST_BIN  := $(BUILD)/vmbus-tests
VMBUS_BENCH := $(BUILD)/xvs-vmbus-bench
# libFuzzer targets: Debian's clang with libclang-rt-14-dev (tools/setup.sh). Always built with
# ASan + UBSan; the library is compiled into each target with coverage instrumentation.
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS    := $(patsubst %,$(BUILD)/fuzz/%,$(FUZZ_TARGETS))
FUZZ_CFLAGS  := -O1 -g -std=gnu11 $(WARN) -Iinclude -Ivmbus -D_GNU_SOURCE \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_RUNS    ?= 10000000

BINS := $(BUILD)/xvs $(BUILD)/xvsd $(BUILD)/xvs-vsc $(BUILD)/xvs-vsc-pps \
	$(BUILD)/vmbus-hostile-guest $(UNIT_BIN) $(if $(wildcard tools/trafgen.c),$(BUILD)/xvs-trafgen) \
	$(VMBUS_LIB) $(VMBUS_TEST_BIN) $(VMBUS_BENCH) $(FUZZ_BINS)

# What a user runs: the xvs tool (an administration command that needs root, so sbin, like
# ip and bridge), its manual, its bash completion and the systemd unit that applies the saved
# configuration at boot (with the installed binary's path written into it); xvsd (sbin, a host
# service) with its unit and man page, and xvs-vsc (bin: it runs inside guests). The dataplane is compiled into xvs as a
# bpftool skeleton, so no BPF object is installed; xvs-trafgen and the unit tests serve the
# benchmark and the tests, which run from the build tree.
PREFIX      ?= /usr/local
SBINDIR     ?= $(PREFIX)/sbin
MANDIR      ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
UNITDIR     ?= $(PREFIX)/lib/systemd/system
INSTALL     ?= install
BINDIR      ?= $(PREFIX)/bin
INSTALLED    = $(DESTDIR)$(SBINDIR)/xvs $(DESTDIR)$(MANDIR)/man8/xvs.8 $(DESTDIR)$(BASHCOMPDIR)/xvs \
	       $(DESTDIR)$(UNITDIR)/xvs.service $(DESTDIR)$(SBINDIR)/xvsd $(DESTDIR)$(BINDIR)/xvs-vsc \
	       $(DESTDIR)$(MANDIR)/man8/xvsd.8 $(DESTDIR)$(UNITDIR)/xvsd.service

.PHONY: all clean test unit integration demo bench bench-tcp setup install uninstall vmbus-test \
	vmbus-bench synthetic-bench vmq-bench fuzz-run
all: $(BINS)

# Keep the BPF objects and skeletons: build/xvs_dp.bpf.o is an ordinary XDP object that
# xdp-loader can load, and rebuilding it on every make is wasted time.
.SECONDARY: $(BPF_OBJS) $(SKELS)

$(BUILD) $(BUILD)/loader $(BUILD)/vmbus $(BUILD)/fuzz:
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
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) $(UNIT_SRCS) $(LIB) $(LDLIBS) $(JSON_LIBS) $(YAML_LIBS) -lxdp \
		-lcriterion -o $@

$(BUILD)/vmbus/%.o: vmbus/%.c $(VMBUS_HDRS) | $(BUILD)/vmbus
	$(CC) $(CFLAGS) -Ivmbus -c $< -o $@

$(VMBUS_LIB): $(VMBUS_OBJS)
	$(AR) rcs $@ $^

$(VMBUS_TEST_BIN): $(VMBUS_TEST_SRCS) $(wildcard tests/vmbus/*.h) $(VMBUS_LIB)
	$(CC) $(CFLAGS) -Ivmbus -Itests/vmbus $(LDFLAGS) $(VMBUS_TEST_SRCS) $(VMBUS_LIB) -lpthread \
		-lcriterion -o $@

$(BUILD)/xvsd: $(XVSD_SRCS) $(wildcard vmbus/xvsd/*.h) vendor/if_xdp_compat.h $(VMBUS_LIB) $(LIB) \
	       $(BUILD)/xvs_xsk.skel.h
	$(CC) $(CFLAGS) -Ivmbus -Ivmbus/xvsd -Ivendor $(LDFLAGS) $(XVSD_SRCS) $(LIB) $(VMBUS_LIB) $(LDLIBS) -lxdp \
		-o $@

$(BUILD)/xvs-vsc: $(VSC_SRCS) vmbus/vsc.h $(VMBUS_LIB)
	$(CC) $(CFLAGS) -Ivmbus $(LDFLAGS) $(VSC_SRCS) $(VMBUS_LIB) -o $@

$(BUILD)/xvs-vsc-pps: tools/vsc_pps.c vmbus/vsc.h $(VMBUS_LIB)
	$(CC) $(CFLAGS) -Ivmbus $(LDFLAGS) $< $(VMBUS_LIB) -o $@

$(BUILD)/vmbus-hostile-guest: tests/integration/hostile_guest.c $(VMBUS_LIB)
	$(CC) $(CFLAGS) -Ivmbus $(LDFLAGS) $< $(VMBUS_LIB) -o $@

$(VMBUS_BENCH): tools/vmbus_bench.c $(VMBUS_LIB)
	$(CC) $(CFLAGS) -Ivmbus $(LDFLAGS) $< $(VMBUS_LIB) -lpthread -o $@

$(BUILD)/fuzz/%: tests/fuzz/%.c $(VMBUS_SRCS) $(VMBUS_HDRS) | $(BUILD)/fuzz
	$(CLANG) $(FUZZ_CFLAGS) $< $(VMBUS_SRCS) -o $@

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

# The Criterion suite, then every fuzz target over its seed corpus (-runs=0: replay only).
vmbus-test: $(VMBUS_TEST_BIN) $(FUZZ_BINS)
	$(VMBUS_TEST_BIN) --jobs 1
	@for t in $(FUZZ_TARGETS); do \
		echo "replay tests/fuzz/$$t/ with $(BUILD)/fuzz/$$t"; \
		$(BUILD)/fuzz/$$t -runs=0 tests/fuzz/$$t/ >$(BUILD)/fuzz/$$t.replay.log 2>&1 || \
			{ cat $(BUILD)/fuzz/$$t.replay.log; exit 1; }; \
		tail -n 1 $(BUILD)/fuzz/$$t.replay.log; \
	done

synthetic-bench: all
	bash tools/synthetic-bench.sh

vmq-bench: all
	bash tools/vmq-bench.sh

vmbus-bench: $(VMBUS_BENCH)
	$(VMBUS_BENCH) --doc docs/BENCHMARKS.md

# Long fuzzing runs (one target at a time, niced); logs in $(BUILD)/fuzz/<target>.log.
fuzz-run: $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(BUILD)/fuzz/$$t.corpus; \
		echo "fuzz $$t: $(FUZZ_RUNS) runs"; \
		nice -n 19 $(BUILD)/fuzz/$$t -runs=$(FUZZ_RUNS) -print_final_stats=1 \
			$(BUILD)/fuzz/$$t.corpus tests/fuzz/$$t/ >$(BUILD)/fuzz/$$t.log 2>&1 || \
			{ tail -n 40 $(BUILD)/fuzz/$$t.log; exit 1; }; \
		grep -E 'stat::number_of_executed_units|Done' $(BUILD)/fuzz/$$t.log; \
	done

test: setup
	$(MAKE) all
	$(MAKE) unit vmbus-test integration

demo: setup
	$(MAKE) all
	bash tools/demo.sh

bench: setup
	$(MAKE) all
	bash tools/bench.sh

bench-tcp: setup
	$(MAKE) all
	bash tools/bench-tcp.sh

# The unit is generated at install time: SBINDIR is known only then.
install: $(BUILD)/xvs $(BUILD)/xvsd $(BUILD)/xvs-vsc contrib/systemd/xvs.service.in \
	 contrib/systemd/xvsd.service.in
	$(INSTALL) -D -m 0755 $(BUILD)/xvs $(DESTDIR)$(SBINDIR)/xvs
	$(INSTALL) -D -m 0644 docs/xvs.8 $(DESTDIR)$(MANDIR)/man8/xvs.8
	$(INSTALL) -D -m 0644 completions/xvs.bash $(DESTDIR)$(BASHCOMPDIR)/xvs
	sed 's|@SBINDIR@|$(SBINDIR)|g' contrib/systemd/xvs.service.in > $(BUILD)/xvs.service
	$(INSTALL) -D -m 0644 $(BUILD)/xvs.service $(DESTDIR)$(UNITDIR)/xvs.service
	$(INSTALL) -D -m 0755 $(BUILD)/xvsd $(DESTDIR)$(SBINDIR)/xvsd
	$(INSTALL) -D -m 0755 $(BUILD)/xvs-vsc $(DESTDIR)$(BINDIR)/xvs-vsc
	$(INSTALL) -D -m 0644 docs/xvsd.8 $(DESTDIR)$(MANDIR)/man8/xvsd.8
	sed 's|@SBINDIR@|$(SBINDIR)|g' contrib/systemd/xvsd.service.in > $(BUILD)/xvsd.service
	$(INSTALL) -D -m 0644 $(BUILD)/xvsd.service $(DESTDIR)$(UNITDIR)/xvsd.service

# Files only: the directories may hold other packages' files.
uninstall:
	rm -f $(INSTALLED)

clean:
	rm -rf $(BUILD)
