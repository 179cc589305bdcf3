#!/usr/bin/env python3
"""Validates Swerve's Kubernetes manifests offline, then checks that they fit the server.

usage: check_kubernetes_manifests.py DIR [KUBERNETES_VERSION ...]   (default versions 1.30.0 1.37.0)

1. Every document of every DIR/*.yaml passes kubernetes-validate's strict schema (unknown fields
   rejected) for each version; an unknown kind or apiVersion is an error, not a warning.
2. The manifests agree with each other and with how Swerve behaves:
   - the Deployment has startup, readiness and liveness probes on GET /ping at the serving port;
   - terminationGracePeriodSeconds covers the preStop pause plus the longest drain (SIGTERM lets
     every accepted request finish, and a request lasts at most SAGEMAKER_MODEL_SERVER_TIMEOUT,
     default 60 s) plus 5 s;
   - the CPU request equals the limit and is a whole number of cores, so the cgroup quota is what
     Swerve counts as cores (workers = 2 x cores + 1); SAGEMAKER_MODEL_SERVER_WORKERS, if set,
     agrees; memory request equals limit;
   - the Service and the PodDisruptionBudget select the Deployment's pods, the PDB leaves a pod to
     evict, and the Service targets the serving port;
   - the HorizontalPodAutoscaler scales the Deployment on CPU at the target `swerve load
     --find-capacity` measured (DIR/capacity.json: the server's CPU at the autoscaling target
     rate, percent of one core, over the pod's CPU request in cores).
Prints one line per finding; exits 1 on any error.
"""
import glob
import json
import os
import sys

import kubernetes_validate
import yaml


def load(directory):
    documents = []
    for path in sorted(glob.glob(os.path.join(directory, "*.yaml"))):
        with open(path) as handle:
            for document in yaml.safe_load_all(handle):
                if document:
                    documents.append((os.path.basename(path), document))
    return documents


def schema_errors(documents, versions):
    errors = []
    for name, document in documents:
        for version in versions:
            try:
                kubernetes_validate.validate(document, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                where = ".".join(str(part) for part in error.path)
                errors.append(f"{name}: {document.get('kind')} against {version}: {where}: {error.message}")
            except kubernetes_validate.SchemaNotFoundError as error:
                errors.append(f"{name}: no schema for {document.get('apiVersion')} {document.get('kind')} in {version}: {error}")
    return errors


def cores(quantity):
    text = str(quantity)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


def selects(selector, labels):
    return bool(selector) and all(labels.get(key) == value for key, value in selector.get("matchLabels", {}).items())


def fit_errors(documents, directory):
    by_kind = {}
    for _, document in documents:
        by_kind.setdefault(document["kind"], []).append(document)
    errors = []
    deployments = by_kind.get("Deployment", [])
    if len(deployments) != 1:
        return [f"expected one Deployment, found {len(deployments)}"]
    deployment = deployments[0]
    name = deployment["metadata"]["name"]
    pod = deployment["spec"]["template"]
    labels = pod["metadata"].get("labels", {})
    if not selects(deployment["spec"]["selector"], labels):
        errors.append("Deployment: its selector does not match its pod labels")
    container = pod["spec"]["containers"][0]
    ports = {port.get("name"): port["containerPort"] for port in container.get("ports", [])}
    env = {item["name"]: item.get("value") for item in container.get("env", [])}
    serving_port = int(env.get("SAGEMAKER_BIND_TO_PORT", 8080))
    if serving_port not in ports.values():
        errors.append(f"Deployment: no container port {serving_port} (SAGEMAKER_BIND_TO_PORT)")

    for probe_name in ("startupProbe", "readinessProbe", "livenessProbe"):
        probe = container.get(probe_name, {}).get("httpGet")
        if not probe:
            errors.append(f"Deployment: no {probe_name} with httpGet")
            continue
        port = ports.get(probe["port"], probe["port"])
        if probe.get("path") != "/ping" or port != serving_port:
            errors.append(f"Deployment: {probe_name} is {probe.get('path')} on {probe['port']}, not /ping on {serving_port}")

    pre_stop = container.get("lifecycle", {}).get("preStop", {})
    pause = pre_stop.get("sleep", {}).get("seconds")
    if pause is None:
        errors.append("Deployment: no preStop sleep (the pause that lets endpoints drop the pod before SIGTERM)")
        pause = 0
    timeout = int(env.get("SAGEMAKER_MODEL_SERVER_TIMEOUT", 60))
    grace = pod["spec"].get("terminationGracePeriodSeconds", 30)
    if grace < pause + timeout + 5:
        errors.append(f"Deployment: terminationGracePeriodSeconds {grace} < preStop {pause} s + drain {timeout} s + 5 s")

    resources = container.get("resources", {})
    requests, limits = resources.get("requests", {}), resources.get("limits", {})
    cpu = None
    if "cpu" not in requests or requests.get("cpu") != limits.get("cpu"):
        errors.append("Deployment: CPU request and limit must be set and equal (the quota is what Swerve counts as cores)")
    else:
        cpu = cores(requests["cpu"])
        if cpu != int(cpu):
            errors.append(f"Deployment: CPU {requests['cpu']} is not a whole number of cores (workers = 2 x cores + 1)")
        workers = env.get("SAGEMAKER_MODEL_SERVER_WORKERS")
        if workers is not None and int(workers) != 2 * int(cpu) + 1:
            errors.append(f"Deployment: SAGEMAKER_MODEL_SERVER_WORKERS {workers} != 2 x {int(cpu)} + 1")
    if "memory" not in requests or requests.get("memory") != limits.get("memory"):
        errors.append("Deployment: memory request and limit must be set and equal")

    for service in by_kind.get("Service", []):
        if not selects({"matchLabels": service["spec"].get("selector", {})}, labels):
            errors.append(f"Service {service['metadata']['name']}: its selector does not match the pods")
        for port in service["spec"].get("ports", []):
            target = ports.get(port.get("targetPort"), port.get("targetPort"))
            if target != serving_port:
                errors.append(f"Service {service['metadata']['name']}: targetPort {port.get('targetPort')} is not the serving port")
    if not by_kind.get("Service"):
        errors.append("no Service")

    budgets = by_kind.get("PodDisruptionBudget", [])
    if not budgets:
        errors.append("no PodDisruptionBudget")
    for budget in budgets:
        if not selects(budget["spec"].get("selector"), labels):
            errors.append("PodDisruptionBudget: its selector does not match the pods")
        minimum = budget["spec"].get("minAvailable")
        if isinstance(minimum, int) and minimum >= deployment["spec"].get("replicas", 1):
            errors.append("PodDisruptionBudget: minAvailable leaves no pod to evict")

    autoscalers = by_kind.get("HorizontalPodAutoscaler", [])
    if not autoscalers:
        errors.append("no HorizontalPodAutoscaler")
    for autoscaler in autoscalers:
        reference = autoscaler["spec"]["scaleTargetRef"]
        if reference.get("kind") != "Deployment" or reference.get("name") != name:
            errors.append(f"HorizontalPodAutoscaler: scales {reference.get('kind')}/{reference.get('name')}, not Deployment/{name}")
        targets = [m["resource"]["target"] for m in autoscaler["spec"].get("metrics", [])
                   if m.get("type") == "Resource" and m["resource"]["name"] == "cpu"]
        if not targets or targets[0].get("type") != "Utilization":
            errors.append("HorizontalPodAutoscaler: no CPU utilization target")
            continue
        capacity_path = os.path.join(directory, "capacity.json")
        try:
            with open(capacity_path) as handle:
                capacity = json.load(handle)
            measured = capacity["targetStep"]["cpuPercent"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            errors.append(f"{capacity_path}: no measured CPU at the target ({error})")
            continue
        if cpu:
            expected = round(measured / cpu)
            if targets[0]["averageUtilization"] != expected:
                errors.append(f"HorizontalPodAutoscaler: averageUtilization {targets[0]['averageUtilization']}, "
                              f"but find-capacity measured {measured:.1f}% of one core at the target, i.e. {expected}% of {cpu:g} core(s)")
    return errors


def main(arguments):
    if not arguments:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    directory, versions = arguments[0], arguments[1:] or ["1.30.0", "1.37.0"]
    documents = load(directory)
    if not documents:
        print(f"ERROR no manifests in {directory}")
        return 1
    errors = schema_errors(documents, versions) + fit_errors(documents, directory)
    for error in errors:
        print("ERROR " + error)
    if not errors:
        kinds = ", ".join(sorted(document["kind"] for _, document in documents))
        print(f"ok {len(documents)} manifests ({kinds}) valid for Kubernetes {' and '.join(versions)} "
              f"(kubernetes-validate {kubernetes_validate.__version__}, strict) and consistent with Swerve")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
