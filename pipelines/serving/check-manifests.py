#!/usr/bin/python3
"""Checks Kubernetes manifests against schemas, offline.

usage: check-manifests.py [--crd CRD.yaml]... [--facts] MANIFEST...

Every document of every MANIFEST is checked:

- Kubernetes' own kinds (Deployment, Service, HorizontalPodAutoscaler), and
  the Kubernetes types inside the KServe kinds (containers, pod security
  contexts, object metadata), against the API models of Debian's
  python3-kubernetes: every field name is one the model has, every value of
  the model's type (object, list, map, string, integer, boolean), every
  required field present. autoscaling/v2 is checked with the
  autoscaling/v2beta2 model, the same fields (v2 is v2beta2 promoted
  unchanged; the client predates it).
- KServe's kinds (InferenceService, ServingRuntime): with --crd, against
  the openAPIV3Schema of the CustomResourceDefinition given, as strict
  field validation (kubectl's default) applies it: a field the schema does
  not name is an error. Without it, against kserve-fields.yaml, a JSON
  Schema of only the fields adkit's manifests use, written after KServe's
  CRDs (see pipelines/README.md, Serving): it proves our field names,
  types and enumerations, not that the cluster's KServe takes them.

With --facts, and every document valid, prints for the tests one JSON
object per container of each workload (Deployment, InferenceService): its
image, command and arguments (an InferenceService's from its runtime, as
KServe merges them), user, ports, probes, and which claim is mounted where.
Exit status: 0 all valid, 1 a document is not, 2 usage.
"""

import json
import os
import re
import sys

import jsonschema
import yaml
from kubernetes import client as k8s

HERE = os.path.dirname(os.path.abspath(__file__))

# apiVersion and kind -> the python3-kubernetes model of the whole object
CORE_KINDS = {
    ('apps/v1', 'Deployment'): 'V1Deployment',
    ('v1', 'Service'): 'V1Service',
    ('autoscaling/v2', 'HorizontalPodAutoscaler'):
        'V2beta2HorizontalPodAutoscaler',
    ('autoscaling/v1', 'HorizontalPodAutoscaler'): 'V1HorizontalPodAutoscaler',
}

CRD_KINDS = {
    ('serving.kserve.io/v1beta1', 'InferenceService'),
    ('serving.kserve.io/v1alpha1', 'ServingRuntime'),
}


class Problems:
    def __init__(self):
        self.msgs = []

    def add(self, where, msg):
        self.msgs.append(f'{where}: {msg}')


# ---- Kubernetes' models ----

PRIMITIVES = {'str': str, 'int': int, 'bool': bool, 'float': (int, float)}


def check_model(value, type_name, path, problems, extra=()):
    """Checks value against the python3-kubernetes type type_name; the
    fields in extra are left to the caller."""
    m = re.fullmatch(r'list\[(.*)\]', type_name)
    if m:
        if not isinstance(value, list):
            problems.add(path, f'a list is expected, not {value!r}')
            return
        for i, v in enumerate(value):
            check_model(v, m.group(1), f'{path}[{i}]', problems)
        return
    m = re.fullmatch(r'dict\(str, (.*)\)', type_name)
    if m:
        if not isinstance(value, dict):
            problems.add(path, f'a map is expected, not {value!r}')
            return
        for k, v in value.items():
            check_model(v, m.group(1), f'{path}.{k}', problems)
        return
    if type_name == 'object':
        return   # int-or-string, or free form
    if type_name in PRIMITIVES:
        want = PRIMITIVES[type_name]
        if isinstance(value, bool) and type_name != 'bool' or \
                not isinstance(value, want):
            problems.add(path, f'{type_name} expected, not {value!r}')
        return
    klass = getattr(k8s, type_name)
    if not isinstance(value, dict):
        problems.add(path, f'an object ({type_name}) is expected')
        return
    by_json = {j: a for a, j in klass.attribute_map.items()}
    for key, v in value.items():
        if key in extra:
            continue
        if key not in by_json:
            problems.add(path, f'unknown field "{key}" ({type_name})')
            continue
        check_model(v, klass.openapi_types[by_json[key]], f'{path}.{key}',
                    problems)
    check_required(value, klass, path, problems, extra)


def check_required(value, klass, path, problems, extra):
    """The model's constructor refuses a required field left out."""
    kwargs = {}
    for attr, key in klass.attribute_map.items():
        if key in value and key not in extra:
            kwargs[attr] = value[key]
    try:
        klass(**kwargs)
    except ValueError as e:
        problems.add(path, str(e))


# ---- KServe's kinds ----

def strict(schema):
    """A CRD's structural schema as strict field validation applies it:
    objects with properties take no others, int-or-string fields take
    either."""
    if isinstance(schema, list):
        return [strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: strict(v) for k, v in schema.items()}
    if out.get('x-kubernetes-int-or-string'):
        out.pop('type', None)
        out['anyOf'] = [{'type': 'integer'}, {'type': 'string'}]
    if 'properties' in out and 'additionalProperties' not in out and \
            not out.get('x-kubernetes-preserve-unknown-fields'):
        out['additionalProperties'] = False
    return out


def load_crds(paths):
    """(apiVersion, kind) -> the strict schema of each served version."""
    found = {}
    for p in paths:
        with open(p) as f:
            for doc in yaml.safe_load_all(f):
                if not doc or doc.get('kind') != 'CustomResourceDefinition':
                    continue
                spec = doc['spec']
                for v in spec['versions']:
                    if not v.get('served', True):
                        continue
                    schema = strict(v['schema']['openAPIV3Schema'])
                    # metadata is Kubernetes' ObjectMeta, checked below
                    schema['properties'].pop('metadata', None)
                    found[(f"{spec['group']}/{v['name']}",
                           spec['names']['kind'])] = schema
    return found


def our_schemas():
    with open(os.path.join(HERE, 'kserve-fields.yaml')) as f:
        doc = yaml.safe_load(f)
    return {(s['apiVersion'], s['kind']):
            dict(s['schema'], definitions=doc['definitions'])
            for s in doc['kinds']}


def k8s_parts(doc):
    """The Kubernetes types inside a KServe object: (path, value, model,
    fields left to the KServe schema)."""
    spec = doc.get('spec', {})
    if doc['kind'] == 'ServingRuntime':
        for i, c in enumerate(spec.get('containers', [])):
            yield f'spec.containers[{i}]', c, 'V1Container', ()
        return
    pred = spec.get('predictor', {})
    if 'securityContext' in pred:
        yield ('spec.predictor.securityContext', pred['securityContext'],
               'V1PodSecurityContext', ())
    for i, c in enumerate(pred.get('containers', [])):
        yield f'spec.predictor.containers[{i}]', c, 'V1Container', ()
    if 'model' in pred:
        # a ModelSpec is a Container with KServe's fields beside, whose
        # name KServe sets (kserve-container)
        model = dict(pred['model'])
        model.setdefault('name', 'kserve-container')
        yield ('spec.predictor.model', model, 'V1Container',
               ('modelFormat', 'runtime', 'protocolVersion', 'storageUri'))


def check_crd_kind(doc, where, schemas, problems):
    key = (doc['apiVersion'], doc['kind'])
    if key not in schemas:
        problems.add(where, f'no schema for {key[0]} {key[1]}')
        return
    v = jsonschema.Draft7Validator(schemas[key])
    body = {k: x for k, x in doc.items() if k != 'metadata'}
    for e in sorted(v.iter_errors(body), key=lambda e: list(e.path)):
        path = '.'.join(str(p) for p in e.path) or '(top)'
        problems.add(f'{where}: {path}', e.message)
    for path, value, model, extra in k8s_parts(doc):
        check_model(value, model, f'{where}: {path}', problems, extra)


# ---- facts for the tests ----

def pod_of(doc, runtimes):
    """The pod a Deployment or an InferenceService runs: (pod-level
    fields, containers, {mount path: claim[/sub path]})."""
    spec = doc.get('spec', {})
    if doc['kind'] == 'Deployment':
        pod = spec['template']['spec']
        vols = {v['name']: v['persistentVolumeClaim']['claimName']
                for v in pod.get('volumes', []) if 'persistentVolumeClaim' in v}
        cs = pod.get('containers', [])
        mounts = {m['mountPath']: vols[m['name']] + (
            '/' + m['subPath'] if m.get('subPath') else '')
            for c in cs for m in c.get('volumeMounts', []) if m['name'] in vols}
        return pod, cs, mounts
    pred = spec['predictor']
    model = pred.get('model', {})
    rt = runtimes.get(model.get('runtime'))
    if rt is None:
        return pred, pred.get('containers', []), {}
    # KServe merges the model's Container into the runtime's and puts the
    # InferenceService's name for {{.Name}}; a pvc:// storage URI is
    # mounted at /mnt/models.
    cs = []
    for c in rt['spec']['containers']:
        c = json.loads(json.dumps(c).replace('{{.Name}}',
                                             doc['metadata']['name']))
        c['args'] = c.get('args', []) + model.get('args', [])
        for k in ('resources', 'env'):
            if k in model:
                c[k] = model[k]
        cs.append(c)
    uri = model.get('storageUri', '')
    mounts = {'/mnt/models': uri[len('pvc://'):]} \
        if uri.startswith('pvc://') else {}
    return pred, cs, mounts


def probe(c, get):
    """An HTTP probe's path and port, a named port by its number."""
    port = get['port']
    for p in c.get('ports', []):
        if p.get('name') == port:
            port = p['containerPort']
    return {'path': get['path'], 'port': port}


def facts(doc, path, runtimes):
    """One line per container of a workload (Deployment, InferenceService)."""
    if doc['kind'] not in ('Deployment', 'InferenceService'):
        return
    pod, cs, mounts = pod_of(doc, runtimes)
    for c in cs:
        sc = dict(pod.get('securityContext', {}))
        sc.update(c.get('securityContext', {}))
        yield {
            'file': path, 'kind': doc['kind'],
            'name': doc['metadata']['name'], 'image': c.get('image'),
            'command': c.get('command'), 'args': c.get('args'),
            'user': sc.get('runAsUser'), 'nonroot': sc.get('runAsNonRoot'),
            'ports': [p['containerPort'] for p in c.get('ports', [])],
            'probes': {k: probe(c, c[k]['httpGet']) for k in
                       ('livenessProbe', 'readinessProbe') if k in c},
            # Kubernetes' default; Knative's is longer (the revision's
            # timeout)
            'grace': pod.get('terminationGracePeriodSeconds', 30),
            'mounts': mounts,
        }


def main(argv):
    crds, files, show = [], [], False
    args = iter(argv)
    for a in args:
        if a == '--crd':
            crds.append(next(args, None))
        elif a == '--facts':
            show = True
        elif a.startswith('-'):
            print(__doc__.split('\n\n')[1], file=sys.stderr)
            return 2
        else:
            files.append(a)
    if not files or None in crds:
        print(__doc__.split('\n\n')[1], file=sys.stderr)
        return 2
    schemas = load_crds(crds) if crds else our_schemas()
    problems = Problems()
    docs = []
    for path in files:
        with open(path) as f:
            docs += [(path, d) for d in yaml.safe_load_all(f) if d is not None]
    runtimes = {d['metadata']['name']: d for _, d in docs
                if d.get('kind') == 'ServingRuntime'}
    for path, doc in docs:
        key = (doc.get('apiVersion'), doc.get('kind'))
        where = f"{path}: {key[1]} {doc.get('metadata', {}).get('name')}"
        if key in CORE_KINDS:
            check_model(doc, CORE_KINDS[key], where, problems)
        elif key in CRD_KINDS:
            check_model(doc.get('metadata'), 'V1ObjectMeta',
                        f'{where}: metadata', problems)
            check_crd_kind(doc, where, schemas, problems)
        else:
            problems.add(where, f'unknown kind {key[0]} {key[1]}')
    if show and not problems.msgs:
        for path, doc in docs:
            for fact in facts(doc, path, runtimes):
                print(json.dumps(fact, sort_keys=True))
    for m in problems.msgs:
        print(m, file=sys.stderr)
    print(f'{len(docs)} documents, {len(problems.msgs)} problems'
          + (f' (KServe kinds against {", ".join(crds)})' if crds else ''),
          file=sys.stderr)
    return 1 if problems.msgs else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
