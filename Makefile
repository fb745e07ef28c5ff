# Linkdesk — see README.md. `make run` and `make test` install what is missing first.
SHELL   := /bin/bash
GO      ?= go
VERSION ?= $(shell sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml | head -1)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT)
export LANG ?= C.UTF-8
export CGO_ENABLED ?= 1

.PHONY: all deps deps-test deps-package build run mockserver run-mockserver test check unit e2e fuzz clean \
	package-linux package-windows package-darwin cross mockserver-dist test-packaging bench test-windows

all: build

deps:
	@scripts/deps.sh run

deps-test:
	@scripts/deps.sh test

build: deps
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/linkdesk .
	CGO_ENABLED=0 $(GO) build -ldflags "$(LDFLAGS)" -o bin/linkdesk-mockserver ./cmd/mockserver

mockserver:
	@scripts/deps.sh go
	CGO_ENABLED=0 $(GO) build -ldflags "$(LDFLAGS)" -o bin/linkdesk-mockserver ./cmd/mockserver

## run: open the app in demo mode (embedded mock server; prints the phone simulator URL)
run: build
	./bin/linkdesk $(ARGS)

## run-mockserver: only the mock server, for testers (pure Go: installs nothing but Go)
run-mockserver: mockserver
	./bin/linkdesk-mockserver $(ARGS)

## test: formatting, vet, every test with -race against a real Secret Service, then end to end under Xvfb
test: deps-test check unit e2e

check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags 'e2e wine' ./e2e/
	$(GO) tool actionlint

unit:
	scripts/with-keyring.sh $(GO) test -race -count=1 ./...

e2e: build
	scripts/with-keyring.sh scripts/with-xvfb.sh $(GO) test -count=1 -tags e2e -v ./e2e/

## fuzz: run every fuzz target for FUZZTIME each (CI runs only their seed corpora, via `make unit`)
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

deps-package:
	@scripts/deps.sh package

## Packages (see README "Install"); none leaves FyneApp.toml modified.
package-linux: deps
	scripts/package.sh linux

package-windows: deps-package
	scripts/package.sh windows

package-darwin:
	scripts/package.sh darwin

cross: deps
	scripts/package.sh cross

mockserver-dist:
	scripts/package.sh mockserver

## test-packaging: builds every package this host can and checks it (minutes; CI runs it after make test)
test-packaging: deps-package
	scripts/test-packaging.sh

## test-windows: the packaged .exe end to end under Wine, and app/'s Windows tests under Wine
## (minutes; CI runs it after make test). Screenshots of every screen land in dist/test-windows/.
test-windows: package-windows
	@scripts/deps.sh windows-test
	scripts/test-windows.sh

.PHONY: deps-cross test-cross
deps-cross:
	@scripts/deps.sh cross

## test-cross: make cross on podman (installed here) or Docker, then checks its tarball and exe;
## builds the local fyne-cross image the first time (cold 16-22 min on a shared 2-core machine, warm ~40 s; CI runs it)
test-cross: deps-cross
	scripts/test-cross.sh

## bench: start-up, memory, size, sign-in latency and mock-server load side by side;
## writes docs/BENCHMARKS.md (~3 min; run it on a quiet machine)
bench: deps-test
	bench/run.sh $(ARGS)

clean:
	rm -rf bin dist
