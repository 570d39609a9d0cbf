"""Strict check of deploy/inferenceservice.yaml against the KServe release's own schema: the
OpenAPI model classes generated into KServe's Python SDK (`kserve` wheel) and, for the
Kubernetes types it embeds (V1Container, V1Probe, …), into the Kubernetes Python client
(`kubernetes` wheel). Both wheels are read, not installed: each model file's
`openapi_types` and `attribute_map` give every field's JSON name and type, and its setters
say which fields are required. Unknown fields, wrong types and missing required fields are
errors, as with `kubernetes-validate --strict` for the other manifests. Needs PyYAML only
(validate.sh runs it in kubernetes-validate's venv, which has it).

    python3 deploy/validate_kserve.py KSERVE_WHEEL KUBERNETES_WHEEL MANIFEST
"""

import ast
import re
import sys
import zipfile

import yaml


def model_classes(wheel, folder):
    """ClassName -> (fields by JSON name: (attribute, type), required JSON names)."""
    classes = {}
    archive = zipfile.ZipFile(wheel)
    for name in archive.namelist():
        if not (name.startswith(folder) and name.endswith(".py")):
            continue
        source = archive.read(name).decode()
        tree = ast.parse(source)
        for node in tree.body:
            if not isinstance(node, ast.ClassDef):
                continue
            values = {}
            for item in node.body:
                if isinstance(item, ast.Assign) and isinstance(item.targets[0], ast.Name):
                    if item.targets[0].id in ("openapi_types", "attribute_map"):
                        values[item.targets[0].id] = ast.literal_eval(item.value)
            if len(values) == 2:
                required = set(re.findall(r"Invalid value for `(\w+)`, must not be `None`", source))
                fields = {values["attribute_map"][a]: (a, t) for a, t in values["openapi_types"].items()}
                classes[node.name] = (fields, {values["attribute_map"][a] for a in required})
    return classes


def check(value, kind, classes, path, errors):
    if kind.startswith("list["):
        if not isinstance(value, list):
            return errors.append(f"{path}: expected a list, got {value!r}")
        for i, item in enumerate(value):
            check(item, kind[5:-1], classes, f"{path}[{i}]", errors)
    elif kind.startswith("dict("):
        if not isinstance(value, dict):
            return errors.append(f"{path}: expected a map, got {value!r}")
        inner = kind[5:-1].split(", ", 1)[1]
        for key, item in value.items():
            check(item, inner, classes, f"{path}.{key}", errors)
    elif kind in ("str", "ResourceQuantity", "datetime"):
        if not isinstance(value, str):
            errors.append(f"{path}: expected a string, got {value!r}")
    elif kind == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            errors.append(f"{path}: expected an integer, got {value!r}")
    elif kind == "bool":
        if not isinstance(value, bool):
            errors.append(f"{path}: expected a boolean, got {value!r}")
    elif kind == "object":
        pass
    elif kind in classes:
        if not isinstance(value, dict):
            return errors.append(f"{path}: expected a {kind} object, got {value!r}")
        fields, required = classes[kind]
        for key, item in value.items():
            if key not in fields:
                errors.append(f"{path}.{key}: unknown field of {kind}")
            else:
                check(item, fields[key][1], classes, f"{path}.{key}", errors)
        for key in sorted(required - value.keys()):
            errors.append(f"{path}.{key}: required field of {kind} is missing")
    else:
        errors.append(f"{path}: no schema for type {kind}")


def main():
    kserve_wheel, kubernetes_wheel, manifest = sys.argv[1:4]
    classes = model_classes(kubernetes_wheel, "kubernetes/client/models/")
    classes.update(model_classes(kserve_wheel, "kserve/models/"))
    with open(manifest) as file:
        document = yaml.safe_load(file)
    errors = []
    if document.get("apiVersion") != "serving.kserve.io/v1beta1" or document.get("kind") != "InferenceService":
        errors.append("not a serving.kserve.io/v1beta1 InferenceService")
    check(document, "V1beta1InferenceService", classes, "", errors)
    for error in errors:
        print(f"FAILED: {manifest}{error}")
    if errors:
        sys.exit(1)
    print(f"{manifest}: valid against {kserve_wheel.split('/')[-1]} and {kubernetes_wheel.split('/')[-1]} "
          f"({len(classes)} model classes; strict: unknown fields are errors)")


if __name__ == "__main__":
    main()
