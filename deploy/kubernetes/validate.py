#!/usr/bin/env python3
"""Offline schema check of the Kubernetes objects in the given YAML files.

No cluster and no downloaded OpenAPI document: a hand-written schema of the subset of the
Kubernetes API these manifests use (field names, types, enums, required fields), plus the
cross-references a schema cannot express: selector vs template labels, volume names,
ConfigMap names, the INI config's sections and keys. Unknown fields are errors (a typo in a
field name is silently ignored by some tools, and breaks the deployment).

    validate.py FILE.yaml...   exit 0 when every object is valid; else one line per error
"""
import configparser
import re
import sys

import yaml

QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|M|G|T)?$")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
STR, INT, BOOL = "str", "int", "bool"


def L(item):
    return ("list", item)


def M(value):
    return ("map", value)


def E(*values):
    return ("enum", values)


def Q():
    return ("quantity",)


def obj(required=(), **fields):
    return ("obj", fields, set(required))


EXEC = obj(required=["command"], command=L(STR))
PROBE = obj(exec=EXEC, initialDelaySeconds=INT, periodSeconds=INT, timeoutSeconds=INT,
            failureThreshold=INT, successThreshold=INT)
RESOURCES = obj(requests=M(Q()), limits=M(Q()))
VOLUME_MOUNT = obj(required=["name", "mountPath"], name=STR, mountPath=STR, readOnly=BOOL,
                   subPath=STR,
                   mountPropagation=E("None", "HostToContainer", "Bidirectional"))
CONTAINER = obj(
    required=["name", "image"], name=STR, image=STR,
    imagePullPolicy=E("Always", "IfNotPresent", "Never"), command=L(STR), args=L(STR),
    env=L(obj(required=["name"], name=STR, value=STR)),
    securityContext=obj(privileged=BOOL, readOnlyRootFilesystem=BOOL),
    resources=RESOURCES, livenessProbe=PROBE, readinessProbe=PROBE,
    lifecycle=obj(preStop=obj(exec=EXEC), postStart=obj(exec=EXEC)),
    volumeMounts=L(VOLUME_MOUNT))
VOLUME = obj(
    required=["name"], name=STR,
    hostPath=obj(required=["path"], path=STR,
                 type=E("", "DirectoryOrCreate", "Directory", "FileOrCreate", "File",
                        "Socket", "CharDevice", "BlockDevice")),
    configMap=obj(required=["name"], name=STR, defaultMode=INT))
POD_SPEC = obj(
    required=["containers"], containers=L(CONTAINER), volumes=L(VOLUME), hostPID=BOOL,
    hostNetwork=BOOL, priorityClassName=STR, terminationGracePeriodSeconds=INT,
    tolerations=L(obj(key=STR, operator=E("Exists", "Equal"), value=STR,
                      effect=E("NoSchedule", "PreferNoSchedule", "NoExecute"))),
    nodeSelector=M(STR), restartPolicy=E("Always", "OnFailure", "Never"))
METADATA = obj(required=["name"], name=STR, namespace=STR, labels=M(STR), annotations=M(STR))
KINDS = {
    ("v1", "ConfigMap"): obj(required=["apiVersion", "kind", "metadata"], apiVersion=STR,
                             kind=STR, metadata=METADATA, data=M(STR)),
    ("v1", "Pod"): obj(required=["apiVersion", "kind", "metadata", "spec"], apiVersion=STR,
                       kind=STR, metadata=METADATA, spec=POD_SPEC),
    ("apps/v1", "DaemonSet"): obj(
        required=["apiVersion", "kind", "metadata", "spec"], apiVersion=STR, kind=STR,
        metadata=METADATA,
        spec=obj(required=["selector", "template"],
                 selector=obj(required=["matchLabels"], matchLabels=M(STR)),
                 updateStrategy=obj(type=E("RollingUpdate", "OnDelete"),
                                    rollingUpdate=obj(maxUnavailable=INT)),
                 template=obj(required=["metadata", "spec"],
                              metadata=obj(labels=M(STR), annotations=M(STR)),
                              spec=POD_SPEC))),
}
# the INI keys the daemon and the toolkit accept (lxcfs/options.c, toolkit/lib/config.c)
INI_KEYS = {
    "lxcfs": {"mountpoint", "pidfile", "log", "loadavg", "cfs", "swap", "cgroup_root"},
    "toolkit": {"mountpoint", "registry", "pidfile", "log", "engine", "engine_socket",
                "runc_root", "container_dir", "mount_lxcfs_dir", "strict", "legacy_mount",
                "timeout", "engine_timeout", "check_timeout", "jobs"},
}

errors = []


def err(where, msg):
    errors.append(f"{where}: {msg}")


def check(value, schema, where):
    if schema == STR:
        if not isinstance(value, str):
            err(where, f"expected a string, got {type(value).__name__} {value!r}")
    elif schema == INT:
        if not isinstance(value, int) or isinstance(value, bool):
            err(where, f"expected an integer, got {value!r}")
    elif schema == BOOL:
        if not isinstance(value, bool):
            err(where, f"expected a boolean, got {value!r}")
    elif schema[0] == "enum":
        if value not in schema[1]:
            err(where, f"{value!r} is not one of {', '.join(map(repr, schema[1]))}")
    elif schema[0] == "quantity":
        if not isinstance(value, (str, int)) or not QUANTITY.match(str(value)):
            err(where, f"{value!r} is not a resource quantity")
    elif schema[0] == "list":
        if not isinstance(value, list):
            err(where, f"expected a list, got {type(value).__name__}")
            return
        for i, item in enumerate(value):
            check(item, schema[1], f"{where}[{i}]")
    elif schema[0] == "map":
        if not isinstance(value, dict):
            err(where, f"expected a map, got {type(value).__name__}")
            return
        for k, v in value.items():
            if not isinstance(k, str):
                err(where, f"key {k!r} is not a string")
            check(v, schema[1], f"{where}.{k}")
    elif schema[0] == "obj":
        if not isinstance(value, dict):
            err(where, f"expected an object, got {type(value).__name__}")
            return
        fields, required = schema[1], schema[2]
        for k in sorted(required - value.keys()):
            err(where, f"missing required field `{k}`")
        for k, v in value.items():
            if k not in fields:
                err(where, f"unknown field `{k}`")
            else:
                check(v, fields[k], f"{where}.{k}")


def check_pod_spec(spec, where, configmaps):
    vols = {v.get("name"): v for v in spec.get("volumes", []) or []}
    names = [v.get("name") for v in spec.get("volumes", []) or []]
    for n in {n for n in names if names.count(n) > 1}:
        err(where, f"volume `{n}` defined twice")
    for c in spec.get("containers", []):
        cw = f"{where}.containers[{c.get('name')}]"
        if not DNS_LABEL.match(str(c.get("name", ""))):
            err(cw, "container name is not a DNS label")
        for m in c.get("volumeMounts", []) or []:
            if m.get("name") not in vols:
                err(cw, f"volumeMount `{m.get('name')}` names no volume")
            if m.get("mountPropagation") == "Bidirectional" and not \
                    (c.get("securityContext") or {}).get("privileged"):
                err(cw, "Bidirectional propagation needs a privileged container")
        for probe in ("livenessProbe", "readinessProbe"):
            p = c.get(probe)
            if p is not None and "exec" not in p:
                err(cw, f"{probe} has no handler")
    for v in vols.values():
        cm = v.get("configMap")
        if cm and cm.get("name") not in configmaps:
            err(where, f"volume `{v.get('name')}` uses ConfigMap `{cm.get('name')}`, "
                       "which none of the files defines")


def check_ini(text, where):
    cp = configparser.ConfigParser(interpolation=None)
    try:
        cp.read_string(text)
    except configparser.Error as e:
        err(where, f"INI: {e}")
        return
    for sec in cp.sections():
        if sec not in INI_KEYS:
            err(where, f"INI: unknown section [{sec}]")
            continue
        for key in cp[sec]:
            if key not in INI_KEYS[sec]:
                err(where, f"INI: unknown key `{key}` in [{sec}]")


def main(paths):
    docs = []
    for p in paths:
        try:
            with open(p) as f:
                for i, d in enumerate(yaml.safe_load_all(f)):
                    if d is not None:
                        docs.append((f"{p}#{i}", d))
        except (OSError, yaml.YAMLError) as e:
            err(p, str(e))
    configmaps = {d["metadata"]["name"] for _, d in docs
                  if isinstance(d, dict) and d.get("kind") == "ConfigMap"
                  and isinstance(d.get("metadata"), dict)}
    for where, d in docs:
        if not isinstance(d, dict):
            err(where, "not a mapping")
            continue
        key = (d.get("apiVersion"), d.get("kind"))
        where = f"{where} {key[1]}/{(d.get('metadata') or {}).get('name')}"
        if key not in KINDS:
            err(where, f"unknown apiVersion/kind {key[0]}/{key[1]}")
            continue
        check(d, KINDS[key], where)
        if key[1] == "DaemonSet":
            sel = d["spec"]["selector"]["matchLabels"]
            labels = (d["spec"]["template"].get("metadata") or {}).get("labels") or {}
            for k, v in sel.items():
                if labels.get(k) != v:
                    err(where, f"selector {k}={v} does not match the template's labels")
            check_pod_spec(d["spec"]["template"]["spec"], where, configmaps)
        elif key[1] == "Pod":
            check_pod_spec(d["spec"], where, configmaps)
        elif key[1] == "ConfigMap":
            for k, v in (d.get("data") or {}).items():
                if k.endswith(".conf"):
                    check_ini(v, f"{where}.data.{k}")
    for e in errors:
        print(e)
    print(f"{len(docs)} objects checked, {len(errors)} errors")
    return 1 if errors or not docs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
