#!/bin/sh
# Validates adkit's serving manifests against KServe's real CRDs, which the
# project does not commit (it commits nothing fetched from elsewhere).
# usage: pipelines/serving/validate.sh CRD.yaml...
# e.g. with kserve/kserve checked out at a release tag:
#     pipelines/serving/validate.sh \
#         kserve/config/crd/full/serving.kserve.io_inferenceservices.yaml \
#         kserve/config/crd/full/serving.kserve.io_servingruntimes.yaml
# Each InferenceService and ServingRuntime is checked against the CRD's
# openAPIV3Schema as strict field validation applies it, and everything
# else as `make test` checks it (python3-kubernetes' models). Needs
# python3-jsonschema, python3-kubernetes, python3-yaml. Exit status: 0
# valid, 1 not, 2 usage.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 CRD.yaml..." >&2; exit 2; }
here=$(dirname "$0")
set -- $(for crd; do printf -- '--crd %s ' "$crd"; done)
exec /usr/bin/python3 "$here/check-manifests.py" "$@" \
	"$here"/kserve/*.yaml "$here"/plain/*.yaml
