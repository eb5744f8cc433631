# xvs — build, test, demo, benchmark.
#   make            build everything (BPF objects, skeletons, libxvs, xvs, tests, tools)
#   make SAN=1      userspace with AddressSanitizer + UndefinedBehaviorSanitizer
#   make test       set up the machine, build, run unit and integration tests
#   make demo       set up the machine, build, run the demo topology
#   make bench      run the forwarding benchmark (writes docs/BENCHMARKS.md results)

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
LDLIBS   := -lbpf -lelf -lz $(NL_LIBS)
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

LIB_SRCS := $(filter-out loader/xvs.c,$(wildcard loader/*.c))
LIB_OBJS := $(patsubst loader/%.c,$(BUILD)/loader/%.o,$(LIB_SRCS))
LIB      := $(BUILD)/libxvs.a

UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_BIN  := $(BUILD)/unit-tests

BINS := $(BUILD)/xvs $(UNIT_BIN) $(if $(wildcard tools/trafgen.c),$(BUILD)/xvs-trafgen)

.PHONY: all clean test unit integration demo bench setup install
all: $(BINS)

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

$(BUILD)/xvs: loader/xvs.c $(LIB) $(wildcard loader/*.h)
	$(CC) $(CFLAGS) $(LDFLAGS) $< $(LIB) $(LDLIBS) $(JSON_LIBS) -o $@

$(BUILD)/xvs-trafgen: tools/trafgen.c include/xvs_abi.h $(BUILD)/xvs_trafgen.skel.h
	$(CC) $(CFLAGS) $(LDFLAGS) $< $(LDLIBS) -o $@

$(UNIT_BIN): $(UNIT_SRCS) $(wildcard tests/unit/*.h) $(LIB) $(BUILD)/xvs_trafgen.skel.h
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) $(UNIT_SRCS) $(LIB) $(LDLIBS) $(JSON_LIBS) -lcriterion -o $@

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

clean:
	rm -rf $(BUILD)
