#!/usr/bin/env python3
"""Validates AE Bridge's Kubernetes and KServe manifests offline, strictly.

Core kinds (Deployment, Service, HorizontalPodAutoscaler, PodDisruptionBudget, …) go through the Kubernetes JSON
schemas shipped by the PyPI package kubernetes-validate, in strict mode (unknown fields are errors). KServe kinds
(ServingRuntime, ClusterServingRuntime, InferenceService) go through the openAPIV3Schema of KServe's own CRDs, kept
in deploy/kserve/crds/ (source and hashes in SOURCE.md), made strict the way the API server prunes: an object
schema that lists properties and does not say x-kubernetes-preserve-unknown-fields accepts no other field.

Then the deployment contract of this project is checked on the documents themselves (probes on the V2 health
routes, grace period longer than preStop + drainTimeout, non-root, read-only root fs, ports, KServe protocols).

Usage: validate.py [--kubernetes-version 1.37.0] [--no-contract] PATH...   (files or folders; kustomization.yaml
files are checked for the resources they list). Prints `ok   …`/`FAIL …` per document and check; exit 1 on any FAIL.
"""
import argparse
import copy
import gzip
import hashlib
import pathlib
import re
import sys

import jsonschema
import kubernetes_validate
import yaml

HERE = pathlib.Path(__file__).resolve().parent
CRD_DIR = HERE.parent / "kserve" / "crds"
KSERVE_GROUP = "serving.kserve.io"
# The server's graceful stop waits this long for in-flight requests (ServerConfig.DEFAULT_DRAIN_TIMEOUT).
DRAIN_TIMEOUT_S = 10

failures = 0


def ok(msg):
    print(f"ok   {msg}")


def fail(msg):
    global failures
    failures += 1
    print(f"FAIL {msg}")


# ------------------------------------------------------------------------------------------------ KServe CRDs
def crd_hashes():
    table = (CRD_DIR / "SOURCE.md").read_text()
    return dict(re.findall(r"^\| (serving\.kserve\.io_\S+\.yaml) \| ([0-9a-f]{64}) \|$", table, re.M))


def strict_schema(node):
    """OpenAPI v3 structural schema (Kubernetes dialect) → JSON Schema that refuses unknown fields."""
    if isinstance(node, list):
        return [strict_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in ("properties", "patternProperties", "definitions"):
            out[key] = {k: strict_schema(v) for k, v in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, (dict, list)):
            out[key] = strict_schema(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [strict_schema(v) for v in value]
        else:
            out[key] = value
    if out.pop("x-kubernetes-int-or-string", False):
        out.pop("type", None)
        out.setdefault("anyOf", [{"type": "integer"}, {"type": "string"}])
    if out.get("nullable") and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    if ("properties" in out and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    return out


LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the InferenceService CRD is 1 MB of YAML


class CrdValidators:
    """(apiVersion, kind) → strict validator, each CRD read (and its hash checked) the first time it is needed."""

    def __init__(self):
        self.hashes = crd_hashes()
        self.by_kind = {}

    def get(self, key):
        api_version, kind = key
        if kind not in self.by_kind:
            self.by_kind[kind] = self._load(kind)
        return self.by_kind[kind].get(api_version)

    def _load(self, kind):
        path = CRD_DIR / f"{KSERVE_GROUP}_{kind.lower()}s.yaml.gz"
        if not path.exists():
            return {}
        raw = gzip.decompress(path.read_bytes())
        digest = hashlib.sha256(raw).hexdigest()
        if self.hashes.get(path.name[:-3]) != digest:
            fail(f"{path}: sha256 {digest} is not the one SOURCE.md records ({self.hashes.get(path.name[:-3])})")
            return {}
        crd = yaml.load(raw, Loader=LOADER)
        return {f"{crd['spec']['group']}/{v['name']}": jsonschema.Draft7Validator(
            strict_schema(v["schema"]["openAPIV3Schema"])) for v in crd["spec"]["versions"]}

    def known(self):
        return sorted(p.name[:-8] for p in CRD_DIR.glob("*.yaml.gz"))


DNS1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def validate_custom(doc, validators, where):
    key = (doc.get("apiVersion"), doc.get("kind"))
    validator = validators.get(key)
    if validator is None:
        fail(f"{where}: no KServe CRD schema for {key[0]} {key[1]} (kept: {validators.known()})")
        return False
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    name = (doc.get("metadata") or {}).get("name", "")
    if not DNS1123.match(name or "") or len(name) > 63:
        errors.append(f"metadata.name {name!r} is not a DNS-1123 label")
    for error in errors:
        if isinstance(error, str):
            fail(f"{where}: {error}")
        else:
            path = ".".join(str(p) for p in error.absolute_path) or "(root)"
            fail(f"{where}: {path}: {error.message}")
    if not errors:
        ok(f"{where}: valid against KServe's {key[1]} CRD schema ({key[0]}, strict)")
    return not errors


def validate_core(doc, version, where):
    try:
        kubernetes_validate.validate(doc, version, strict=True)
    except kubernetes_validate.ValidationError as e:
        path = ".".join(str(p) for p in e.path) or "(root)"
        fail(f"{where}: {path}: {e.message}")
        return False
    except (kubernetes_validate.SchemaNotFoundError, kubernetes_validate.InvalidSchemaError) as e:
        fail(f"{where}: {e}")
        return False
    ok(f"{where}: valid against the Kubernetes {version} schema (strict)")
    return True


# ------------------------------------------------------------------------------------------------ contract
def check(cond, where, what):
    if cond:
        ok(f"{where}: {what}")
    else:
        fail(f"{where}: expected {what}")


def seconds(handler):
    """Seconds a preStop handler waits: `sleep N` (exec) or the sleep action."""
    if not handler:
        return 0
    if "sleep" in handler:
        return int(handler["sleep"]["seconds"])
    cmd = (handler.get("exec") or {}).get("command") or []
    return int(cmd[1]) if len(cmd) == 2 and cmd[0].endswith("sleep") else 0


def contract_deployment(doc, where):
    pod = doc["spec"]["template"]["spec"]
    c = pod["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
    check(ports.get("http") == 8501 and ports.get("grpc") == 8500, where, "ports http 8501 and grpc 8500 (TF Serving's)")
    check(c.get("readinessProbe", {}).get("httpGet", {}).get("path") == "/v2/health/ready", where,
          "readiness probe on /v2/health/ready")
    check(c.get("livenessProbe", {}).get("httpGet", {}).get("path") == "/v2/health/live", where,
          "liveness probe on /v2/health/live")
    sp = c.get("startupProbe", {})
    budget = sp.get("periodSeconds", 10) * sp.get("failureThreshold", 3)
    check(budget >= 30, where, f"a startup probe allowing ≥ 30 s for the cold start (has {budget} s)")
    pre = seconds((c.get("lifecycle") or {}).get("preStop"))
    grace = pod.get("terminationGracePeriodSeconds", 30)
    check(pre > 0 and grace > pre + DRAIN_TIMEOUT_S, where,
          f"terminationGracePeriodSeconds ({grace}) > preStop ({pre} s) + drainTimeout ({DRAIN_TIMEOUT_S} s)")
    sc = c.get("securityContext", {})
    psc = pod.get("securityContext", {})
    check(sc.get("readOnlyRootFilesystem") is True, where, "readOnlyRootFilesystem: true")
    check((psc.get("runAsNonRoot") or sc.get("runAsNonRoot")) and (psc.get("runAsUser") or sc.get("runAsUser", 0)) > 0,
          where, "runAsNonRoot with a non-zero runAsUser")
    mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
    check(mounts.get("/models", {}).get("readOnly") is True, where, "/models mounted read-only")
    check("/tmp" in mounts, where, "a writable /tmp volume (java.io.tmpdir)")
    res = c.get("resources", {})
    check("memory" in res.get("requests", {}) and "memory" in res.get("limits", {}), where,
          "memory requests and limits")


def contract_service(doc, where):
    ports = {p["name"]: p for p in doc["spec"]["ports"]}
    check(ports.get("http", {}).get("port") == 8501, where, "REST port 8501 named http")
    grpc = ports.get("grpc", {})
    check(grpc.get("port") == 8500 and grpc.get("appProtocol") in ("kubernetes.io/h2c", "grpc", "http2"), where,
          "gRPC port 8500 named grpc with an HTTP/2 appProtocol")


def contract_runtime(doc, where):
    spec = doc["spec"]
    check(set(spec.get("protocolVersions", [])) >= {"v1", "v2", "grpc-v2"}, where, "protocol versions v1, v2, grpc-v2")
    check(any(f["name"] == "tensorflow" for f in spec.get("supportedModelFormats", [])), where,
          "model format tensorflow")
    args = " ".join(spec["containers"][0].get("args", []))
    check("--model_base_path=/mnt/models" in args, where, "models from the storage initializer's /mnt/models")


CONTRACTS = {"Deployment": contract_deployment, "Service": contract_service,
             "ClusterServingRuntime": contract_runtime, "ServingRuntime": contract_runtime}


# ------------------------------------------------------------------------------------------------ main
def manifest_files(paths):
    for p in paths:
        p = pathlib.Path(p)
        if p.is_dir():
            yield from sorted(f for f in p.rglob("*.yaml") if "crds" not in f.parts)
        else:
            yield p


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kubernetes-version", default="1.37.0")
    ap.add_argument("--no-contract", action="store_true", help="schemas only")
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args()
    validators = CrdValidators()
    count = 0
    for path in manifest_files(args.paths):
        try:
            docs = [d for d in yaml.load_all(path.read_text(), Loader=LOADER) if d is not None]
        except yaml.YAMLError as e:
            fail(f"{path}: not YAML: {e}")
            continue
        if path.name == "kustomization.yaml":
            for doc in docs:
                missing = [r for r in doc.get("resources", []) if not (path.parent / r).exists()]
                check(not missing and doc.get("resources"), str(path), f"resources that exist (missing: {missing})")
            continue
        for i, doc in enumerate(docs):
            if not isinstance(doc, dict) or "kind" not in doc or "apiVersion" not in doc:
                fail(f"{path}#{i}: not a Kubernetes object (no kind/apiVersion)")
                continue
            count += 1
            where = f"{path}: {doc['kind']}/{(doc.get('metadata') or {}).get('name', '?')}"
            if doc["apiVersion"].split("/")[0] == KSERVE_GROUP:
                valid = validate_custom(doc, validators, where)
            else:
                valid = validate_core(doc, args.kubernetes_version, where)
            if valid and not args.no_contract and doc["kind"] in CONTRACTS:
                CONTRACTS[doc["kind"]](doc, where)
    if count == 0:
        fail(f"no manifests found under {args.paths}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
