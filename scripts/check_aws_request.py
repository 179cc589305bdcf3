#!/usr/bin/env python3
"""Checks AWS API request documents offline against botocore's own service model.

usage: check_aws_request.py SERVICE OPERATION FILE [SERVICE OPERATION FILE ...]
  e.g. check_aws_request.py application-autoscaling PutScalingPolicy policy.json

Each FILE is a JSON document as `aws SERVICE OPERATION --cli-input-json file://FILE` reads it.
botocore validates parameters on the client side before anything is sent (required members,
unknown members, types, lengths and ranges); this runs that same validation without a network or
credentials, and also checks enum values and maximum lengths, which botocore leaves to the server.
Prints one line per file; exits 1 if any file is rejected.
"""
import json
import sys

import botocore.session
from botocore.exceptions import ParamValidationError
from botocore.validate import validate_parameters


def enum_and_length_errors(value, shape, path):
    """What botocore's client-side validator does not check: enum members and maximum lengths."""
    errors = []
    if shape.type_name == "structure" and isinstance(value, dict):
        for name, member in value.items():
            if name in shape.members:
                errors += enum_and_length_errors(member, shape.members[name], f"{path}.{name}")
    elif shape.type_name == "list" and isinstance(value, list):
        for index, item in enumerate(value):
            errors += enum_and_length_errors(item, shape.member, f"{path}[{index}]")
    elif shape.type_name == "map" and isinstance(value, dict):
        for key, item in value.items():
            errors += enum_and_length_errors(item, shape.value, f"{path}.{key}")
    elif shape.type_name == "string" and isinstance(value, str):
        if shape.enum and value not in shape.enum:
            errors.append(f"{path}: {value!r} is not one of {', '.join(shape.enum)}")
        maximum = shape.metadata.get("max")
        if maximum is not None and len(value) > maximum:
            errors.append(f"{path}: {len(value)} characters, at most {maximum}")
    return errors


def check(session, service, operation, path):
    try:
        with open(path) as handle:
            params = json.load(handle)
    except (OSError, ValueError) as error:
        return f"{path}: not a JSON document: {error}"
    model = session.get_service_model(service)
    if operation not in model.operation_names:
        return f"{path}: {service} has no operation {operation}"
    shape = model.operation_model(operation).input_shape
    errors = []
    try:
        validate_parameters(params, shape)
    except ParamValidationError as error:
        errors.append(str(error))
    errors += enum_and_length_errors(params, shape, operation)
    if errors:
        return f"{path}: {service} {operation}: " + "; ".join(errors)
    return None


def main(arguments):
    if len(arguments) == 0 or len(arguments) % 3 != 0:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    session = botocore.session.get_session()
    failed = False
    for index in range(0, len(arguments), 3):
        service, operation, path = arguments[index:index + 3]
        error = check(session, service, operation, path)
        if error:
            failed = True
            print("REJECTED " + error)
        else:
            print(f"ok {path}: {service} {operation} (botocore {botocore.__version__})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
