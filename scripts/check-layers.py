#!/usr/bin/env python3
"""Checks that dependencies between Airlock's layers go one way only (docs/architecture.md).

Every C++ file of shared/, service/ and app/ belongs to a folder, and every folder to a layer:

    5 console     app/
    4 programs    service/ (gateway.cpp), service/cli/ (airlockd: main, command line)
    3 dialects    service/dialects/{common,gitlab,openai,admin}/
    2 pipeline    service/{auth,policy,routing,prompts}/
    1 transport   service/{http,upstream,storage,logging,metrics,platform}/
    0 domain      shared/

A file may include the project's headers from its own folder, from folders of lower layers, and from
folders of its own layer listed in SAME_LAYER (which must stay acyclic). The same rule holds for the
CMake targets: a target may link only the targets of lower layers or those same-layer folders.
Tests (tests/) may include anything.

    scripts/check-layers.py [--root DIR] [--self-test]

Prints one line per violation and exits 1 when there is any; `--self-test` builds a small tree with an
upward include, an upward link and a same-layer cycle and checks that each is reported.
"""

import argparse
import os
import re
import sys
import tempfile

LAYERS = {
    "app": (5, "console"),
    "service": (4, "programs"),
    "service/cli": (4, "programs"),
    "service/dialects/common": (3, "dialects"),
    "service/dialects/gitlab": (3, "dialects"),
    "service/dialects/openai": (3, "dialects"),
    "service/dialects/admin": (3, "dialects"),
    "service/auth": (2, "pipeline"),
    "service/policy": (2, "pipeline"),
    "service/routing": (2, "pipeline"),
    "service/prompts": (2, "pipeline"),
    "service/http": (1, "transport"),
    "service/upstream": (1, "transport"),
    "service/storage": (1, "transport"),
    "service/logging": (1, "transport"),
    "service/metrics": (1, "transport"),
    "service/platform": (1, "transport"),
    "shared": (0, "domain"),
}

# Deliberate dependencies between folders of one layer (from -> to).
SAME_LAYER = {
    ("service/cli", "service"),
    ("service/dialects/gitlab", "service/dialects/common"),
    ("service/dialects/openai", "service/dialects/common"),
    ("service/policy", "service/routing"),
    ("service/logging", "service/metrics"),
    ("service/logging", "service/storage"),
}

INCLUDE_ROOTS = ["service", "shared"]  # where "dir/file.h" and bare "file.h" resolve, after the own folder
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
TARGET_RE = re.compile(r"(?:airlock_gateway_part|add_library|add_executable)\(\s*([\w-]+)")
LINK_RE = re.compile(r"target_link_libraries\(\s*([\w-]+)([^)]*)\)", re.S)


def folder_of(rel):
    """The layered folder a repository-relative path belongs to, or None (tests, build trees...)."""
    d = os.path.dirname(rel)
    while d:
        if d in LAYERS:
            return d
        d = os.path.dirname(d)
    return None


def resolve(root, including, name):
    """The repository-relative path an include names, or None for a header outside the project."""
    for base in [os.path.dirname(including)] + INCLUDE_ROOTS:
        rel = os.path.normpath(os.path.join(base, name))
        if os.path.isfile(os.path.join(root, rel)):
            return rel
    return None


def allowed(src, dst):
    if src == dst:
        return True
    (ls, _), (ld, _) = LAYERS[src], LAYERS[dst]
    return ld < ls or (ld == ls and (src, dst) in SAME_LAYER)


def describe(folder):
    return "%s (%s)" % (folder, LAYERS[folder][1])


def check_same_layer_acyclic():
    graph = {}
    for a, b in SAME_LAYER:
        graph.setdefault(a, set()).add(b)
    state = {}

    def visit(n, path):
        if state.get(n) == 1:
            return path[path.index(n):] + [n]
        if state.get(n) == 2:
            return None
        state[n] = 1
        for m in sorted(graph.get(n, ())):
            cycle = visit(m, path + [n])
            if cycle:
                return cycle
        state[n] = 2
        return None

    for n in sorted(graph):
        cycle = visit(n, [])
        if cycle:
            return ["SAME_LAYER has a cycle: " + " -> ".join(cycle)]
    return []


def source_files(root):
    for top in ("shared", "service", "app"):
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = [d for d in dirnames if not d.startswith((".", "build"))]
            for f in sorted(filenames):
                if f.endswith((".h", ".cpp")):
                    yield os.path.relpath(os.path.join(dirpath, f), root)


def check_includes(root):
    problems = []
    for rel in source_files(root):
        src = folder_of(rel)
        if src is None:
            continue
        with open(os.path.join(root, rel), encoding="utf-8") as f:
            text = f.read()
        for m in INCLUDE_RE.finditer(text):
            target = resolve(root, rel, m.group(1))
            dst = folder_of(target) if target else None
            if dst is None or allowed(src, dst):
                continue
            line = text.count("\n", 0, m.start()) + 1
            problems.append('%s:%d: includes "%s" of %s from %s'
                            % (rel, line, m.group(1), describe(dst), describe(src)))
    return problems


def check_links(root):
    """Each airlock_* target links only targets of folders it may depend on."""
    target_folder, links = {}, []
    for top in ("shared", "service", "app"):
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = [d for d in dirnames if not d.startswith((".", "build"))]
            if "CMakeLists.txt" not in filenames:
                continue
            rel_dir = os.path.relpath(dirpath, root)
            folder = rel_dir if rel_dir in LAYERS else folder_of(os.path.join(rel_dir, "x"))
            with open(os.path.join(dirpath, "CMakeLists.txt"), encoding="utf-8") as f:
                text = f.read()
            for m in TARGET_RE.finditer(text):
                target_folder[m.group(1)] = folder
            for m in LINK_RE.finditer(text):
                links.append((rel_dir, m.group(1), re.findall(r"\bairlock[\w-]*", m.group(2))))
    problems = []
    for where, target, deps in links:
        src = target_folder.get(target)
        if src is None:
            continue
        for dep in deps:
            dst = target_folder.get(dep)
            if dst is not None and not allowed(src, dst):
                problems.append("%s/CMakeLists.txt: %s links %s of %s from %s"
                                % (where, target, dep, describe(dst), describe(src)))
    return problems


def run(root):
    return check_same_layer_acyclic() + check_includes(root) + check_links(root)


def self_test():
    global SAME_LAYER
    with tempfile.TemporaryDirectory() as root:
        def write(rel, text):
            path = os.path.join(root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)

        write("shared/principal.h", "#pragma once\n")
        write("service/http/httpexchange.h", '#pragma once\n#include "principal.h"\n')
        write("service/auth/jwt.h", '#pragma once\n#include "http/httpexchange.h"\n')
        # upward: transport includes pipeline
        write("service/http/gatewayserver.cpp", '#include "auth/jwt.h"\n#include <QObject>\n')
        write("service/http/CMakeLists.txt", "airlock_gateway_part(airlock_http a.cpp)\n"
                                             "target_link_libraries(airlock_http PUBLIC airlock_auth)\n")
        write("service/auth/CMakeLists.txt", "airlock_gateway_part(airlock_auth a.cpp)\n"
                                             "target_link_libraries(airlock_auth PUBLIC airlock_http)\n")
        problems = run(root)
        expect = ['service/http/gatewayserver.cpp:1: includes "auth/jwt.h"',
                  "airlock_http links airlock_auth"]
        missing = [e for e in expect if not any(e in p for p in problems)]
        wrong = [p for p in problems if not any(e in p for e in expect)]
        saved = SAME_LAYER
        SAME_LAYER = saved | {("service/logging", "service/storage"), ("service/storage", "service/logging")}
        cycle = check_same_layer_acyclic()
        SAME_LAYER = saved
    if missing or wrong or not cycle:
        print("self-test failed: missing %s, unexpected %s, cycle found: %s" % (missing, wrong, bool(cycle)))
        return 1
    print("self-test passed: %d violations reported as expected, same-layer cycle refused" % len(problems))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    problems = run(os.path.abspath(args.root))
    for p in problems:
        print(p)
    if problems:
        print("%d layering violation(s); see docs/architecture.md" % len(problems))
        return 1
    print("layers ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
