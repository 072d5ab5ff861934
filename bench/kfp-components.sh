#!/bin/sh
# The committed Kubeflow Pipelines components, read by real YAML parsers
# rather than the line-by-line checks of tests/bats/kfp.bats: PyYAML
# (/usr/bin/python3) must parse each to the keys KFP's v1 component loader
# reads, with every placeholder naming a declared input or output; and when
# the KFP SDK 2.x is importable (PYTHONPATH), each must load with
# kfp.components.load_component_from_file. Not part of `make test`, which
# needs no Python.
# usage: bench/kfp-components.sh
set -eu
cd "$(dirname "$0")/.."
/usr/bin/python3 - pipelines/components/ad-*.yaml <<'PY'
import sys, yaml

def placeholders(item):
    if isinstance(item, str):
        return
    (key, value), = item.items()
    if key in ("inputPath", "inputValue", "outputPath"):
        yield key, value
    elif key == "concat":
        for x in value:
            yield from placeholders(x)
    elif key == "if":
        yield "isPresent", value["cond"]["isPresent"]
        for x in value["then"] + value.get("else", []):
            yield from placeholders(x)
    else:
        raise SystemExit("unknown placeholder %r" % key)

for path in sys.argv[1:]:
    c = yaml.safe_load(open(path))
    assert set(c) == {"name", "description", "inputs", "outputs",
                      "implementation"}, path
    ins = {i["name"]: i for i in c["inputs"]}
    outs = {o["name"]: o for o in c["outputs"]}
    assert len(ins) == len(c["inputs"]) and len(outs) == len(c["outputs"])
    assert not set(ins) & set(outs), path
    for i in c["inputs"]:
        assert isinstance(i.get("default", ""), str), (path, i)
    ctr = c["implementation"]["container"]
    assert ctr["command"] == [c["name"]] and ctr["image"], path
    used = set()
    for a in ctr["args"]:
        for kind, name in placeholders(a):
            assert name in (outs if kind == "outputPath" else ins), (path, name)
            used.add(name)
    assert used == set(ins) | set(outs), (path, (set(ins) | set(outs)) - used)
    print("%s: %d inputs, %d outputs, %d args items: ok"
          % (path, len(ins), len(outs), len(ctr["args"])))
try:
    import kfp.components
except ImportError:
    print("KFP SDK not importable: loading skipped")
else:
    for path in sys.argv[1:]:
        kfp.components.load_component_from_file(path)
    print("KFP SDK %s loads all %d" % (kfp.__version__, len(sys.argv) - 1))
PY
