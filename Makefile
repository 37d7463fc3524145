# fairc: `make` builds libfairc.a, libfairc.so and bin/fairc; `make test` runs every test;
# `make asan` runs them under ASan+UBSan; `make fuzz` builds and runs the libFuzzer targets;
# `make bench` runs the benchmarks; `make install PREFIX=... DESTDIR=...`.
PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
CFLAGS ?= -O2 -g
# ALL_* extend the user's flags, so `make CFLAGS=...` cannot drop required ones.
# No -ffast-math: metrics must see NaN and inf.
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -DFAIRC_BUILDING -Iinclude -Isrc \
             -Wall -Wextra -Werror -fPIC -fvisibility=hidden $(CFLAGS)
ALL_LDFLAGS = $(LDFLAGS)
LDLIBS = -lm

BLAS ?= auto
ifeq ($(BLAS),auto)
  BLAS := $(shell pkg-config --exists openblas 2>/dev/null && echo openblas || echo none)
endif
ifneq ($(BLAS),none)
  ALL_CFLAGS += -DFAIRC_HAVE_CBLAS $(shell pkg-config --cflags $(BLAS))
  LDLIBS += $(shell pkg-config --libs $(BLAS))
endif

OPENMP ?= auto
ifeq ($(OPENMP),auto)
  OPENMP := $(shell echo 'int main(void){return 0;}' | \
    $(CC) -fopenmp -x c - -o /dev/null 2>/dev/null && echo 1 || echo 0)
endif
ifeq ($(OPENMP),1)
  ALL_CFLAGS += -fopenmp
  ALL_LDFLAGS += -fopenmp
endif

B ?= build
LIB_SRC := $(sort $(wildcard src/*.c))
CLI_SRC := $(sort $(wildcard cli/*.c))
TEST_SRC := $(sort $(wildcard tests/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(B)/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(B)/%.o)
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))

.PHONY: all test asan fuzz fuzz-build bench install uninstall clean check-symbols check demo
all: $(B)/libfairc.a $(B)/libfairc.so bin/fairc

$(B)/%.o: %.c include/fairc.h $(wildcard src/*.h) $(wildcard tests/*.h) $(wildcard cli/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(B)/libfairc.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(B)/libfairc.so: $(LIB_OBJ)
	$(CC) -shared $(ALL_LDFLAGS) -Wl,-soname,libfairc.so.0 -o $@ $^ $(LDLIBS)

bin/fairc: $(CLI_OBJ) $(B)/libfairc.a
	@mkdir -p bin
	$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(B)/libfairc.a $(LDLIBS)

$(B)/test_runner: $(TEST_OBJ) $(B)/libfairc.a
	$(CC) $(ALL_LDFLAGS) -o $@ $(TEST_OBJ) $(B)/libfairc.a $(LDLIBS)

# The test runner ends with "N passed, N failed, N skipped" and exits non-zero on a failure.
# FAIRC_BIN points the CLI tests at the binary of this build.
test: all $(B)/test_runner
	FAIRC_BIN=$(CURDIR)/bin/fairc $(B)/test_runner $(TESTS)

# Everything again under AddressSanitizer and UBSan, in its own build tree.
asan:
	$(MAKE) B=build-asan OPENMP=0 BLAS=none \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  LDFLAGS="-fsanitize=address,undefined" build-asan/test_runner bin-asan
	ASAN_OPTIONS=detect_leaks=1 FAIRC_BIN=$(CURDIR)/build-asan/fairc build-asan/test_runner $(TESTS)

.PHONY: bin-asan
bin-asan: $(CLI_OBJ) $(B)/libfairc.a
	$(CC) $(ALL_LDFLAGS) -o $(B)/fairc $(CLI_OBJ) $(B)/libfairc.a $(LDLIBS)

# libFuzzer targets (clang). FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 30
FUZZ_CC ?= clang
FUZZ_FLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -DFAIRC_BUILDING -Iinclude -Isrc -g -O1 \
             -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_LIB_FLAGS = $(subst -fsanitize=fuzzer,-fsanitize=fuzzer-no-link,$(FUZZ_FLAGS))
FUZZ_OBJ := $(LIB_SRC:src/%.c=build-fuzz/obj/%.o)
fuzz-build: $(FUZZ_SRC:fuzz/%.c=build-fuzz/%)
build-fuzz/obj/%.o: src/%.c include/fairc.h $(wildcard src/*.h)
	@mkdir -p build-fuzz/obj
	$(FUZZ_CC) $(FUZZ_LIB_FLAGS) -c $< -o $@
build-fuzz/%: fuzz/%.c $(wildcard fuzz/*.h) $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Ifuzz -o $@ $< $(FUZZ_OBJ) -lm
fuzz: fuzz-build
	@set -e; for t in $(FUZZ_SRC:fuzz/%.c=%); do \
	  mkdir -p build-fuzz/corpus-$$t; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	  build-fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 \
	    -print_final_stats=1 build-fuzz/corpus-$$t fuzz/corpus/$$t 2>build-fuzz/$$t.log \
	    || { tail -40 build-fuzz/$$t.log; exit 1; }; \
	  grep -E 'stat::number_of_executed_units|Done' build-fuzz/$$t.log | tail -2; \
	done

# The README's two commands: `make demo` (build, then the main job on built-in data) and
# `make check` (build and pass everything: fuzz smoke, the suite under ASan+UBSan, exported
# symbols, portable and clang builds, the Python tests, then the plain C suite, whose last line
# is "N passed, N failed, N skipped").
demo: all
	bin/fairc synth --rows 200000 --groups 4 --seed 1 -o demo.csv
	bin/fairc audit demo.csv --label y --pred yhat --sensitive sex,group --weight weight

check:
	$(MAKE) fuzz
	$(MAKE) asan
	$(MAKE) check-symbols
	$(MAKE) BLAS=none OPENMP=0 B=build-portable build-portable/libfairc.a
	if command -v clang >/dev/null; then $(MAKE) CC=clang B=build-clang build-clang/test_runner; fi
	$(MAKE) python-test
	$(MAKE) test

bench: all
	bench/run

check-symbols: $(B)/libfairc.so
	@bad=$$(nm -D --defined-only $(B)/libfairc.so | awk '$$2 ~ /[TDBR]/ {print $$3}' | grep -v '^fairc_' || true); \
	if [ -n "$$bad" ]; then echo "exported symbols without the fairc_ prefix: $$bad"; exit 1; fi; \
	echo "libfairc.so exports only fairc_* symbols"

install: all
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 include/fairc.h $(DESTDIR)$(PREFIX)/include/fairc.h
	install -m 644 $(B)/libfairc.a $(DESTDIR)$(PREFIX)/lib/libfairc.a
	install -m 755 $(B)/libfairc.so $(DESTDIR)$(PREFIX)/lib/libfairc.so.0
	ln -sf libfairc.so.0 $(DESTDIR)$(PREFIX)/lib/libfairc.so
	install -m 755 bin/fairc $(DESTDIR)$(PREFIX)/bin/fairc
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(shell sed -n 's/^#define FAIRC_VERSION "\(.*\)"/\1/p' include/fairc.h)|g' \
	  fairc.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/fairc.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/include/fairc.h $(DESTDIR)$(PREFIX)/lib/libfairc.a \
	  $(DESTDIR)$(PREFIX)/lib/libfairc.so $(DESTDIR)$(PREFIX)/lib/libfairc.so.0 \
	  $(DESTDIR)$(PREFIX)/bin/fairc $(DESTDIR)$(PREFIX)/lib/pkgconfig/fairc.pc

clean:
	rm -rf build build-asan build-fuzz build-portable build-clang bin demo.csv

# ---- Python package (python/fairc: ctypes over libfairc.so) --------------------------------
# `make python-test` runs python/tests with Debian's Python against this build's library; its
# last line is "N passed, N failed, N skipped" (tests needing absent packages or ../shared files
# are skipped). PYTESTS=name runs the test modules or cases whose name contains it.
# `make install` also installs the package into PYTHON_SITE (Debian's search path for PREFIX:
# /usr/lib/python3/dist-packages, or PREFIX/lib/python3.X/dist-packages elsewhere), with a link
# to the installed libfairc.so.0 beside it (relative, so a DESTDIR tree works where it is), where
# the package looks first.
PYTHON ?= /usr/bin/python3
PYTHON_SITE ?= $(if $(filter /usr,$(PREFIX)),$(PREFIX)/lib/python3/dist-packages,$(PREFIX)/lib/python$(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')/dist-packages)
.PHONY: python-test install-python uninstall-python
python-test: all
	FAIRC_LIB=$(CURDIR)/$(B)/libfairc.so $(PYTHON) python/tests/run.py $(PYTESTS)

install: install-python
install-python:
	install -d $(DESTDIR)$(PYTHON_SITE)/fairc
	install -m 644 python/fairc/*.py $(DESTDIR)$(PYTHON_SITE)/fairc/
	ln -sf $$(realpath -m --relative-to=$(PYTHON_SITE)/fairc $(PREFIX)/lib/libfairc.so.0) \
	  $(DESTDIR)$(PYTHON_SITE)/fairc/libfairc.so.0

uninstall: uninstall-python
uninstall-python:
	rm -rf $(DESTDIR)$(PYTHON_SITE)/fairc
