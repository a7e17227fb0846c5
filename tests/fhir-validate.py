#!/usr/bin/env python3
# Validates FHIR R4 JSON resources against the official HL7 JSON Schema
# (draft-06), each against the definition of its own resourceType, which is
# much faster than the schema's oneOf over 146 types and gives readable
# errors. Used by the tests of libcercle and of cercle-server.
#
#   tests/fhir-validate.py [--schema fhir.schema.json] FILE_OR_DIR...
#
# A directory means every *.json file in it (recursively); a file may hold
# one resource or, for .ndjson, one per line. The schema defaults to
# $CERCLE_SHARED_DATA/fhir-r4/fhir.schema.json. Exit status 0 when all pass,
# 1 with one line per error otherwise, 2 on usage errors.
# Runs with the pyenv python3 on PATH (jsonschema 4.x).
#
# Copyright 2026 The Cercle authors
# SPDX-License-Identifier: GPL-3.0-or-later
import argparse
import json
import os
import re
import sys

import jsonschema
from jsonschema import validators


def ascii_pattern(validator, pattern, instance, schema):
    """FHIR's patterns have XML Schema semantics, where \\s is only space, tab,
    CR and LF: "[ \\r\\n\\t\\S]+" accepts a no-break space (French typography),
    which Python's Unicode \\S would refuse."""
    if validator.is_type(instance, 'string') and not re.search(pattern, instance, re.ASCII):
        yield jsonschema.ValidationError('%r does not match %r' % (instance, pattern))


def fhir_resource(validator, types, instance, schema):
    """A resource inside a resource (Bundle.entry.resource, contained): the
    schema's oneOf over 146 types is slow and its errors unreadable, so pick
    the definition by resourceType, as the schema's discriminator says."""
    resource_type = instance.get('resourceType') if isinstance(instance, dict) else None
    if resource_type not in types:
        yield jsonschema.ValidationError('unknown resourceType %r' % (resource_type,))
        return
    yield from validator.descend(instance, {'$ref': '#/definitions/%s' % resource_type})


FhirValidator = validators.extend(jsonschema.Draft6Validator,
                                  {'pattern': ascii_pattern, 'fhirResource': fhir_resource})


def collect(paths):
    for path in paths:
        if os.path.isdir(path):
            for root, _dirs, files in sorted(os.walk(path)):
                for name in sorted(files):
                    if name.endswith('.json') or name.endswith('.ndjson'):
                        yield os.path.join(root, name)
        else:
            yield path


def documents(path):
    with open(path, encoding='utf-8') as f:
        if path.endswith('.ndjson'):
            for number, line in enumerate(f, 1):
                if line.strip():
                    yield '%s:%d' % (path, number), json.loads(line)
        else:
            yield path, json.load(f)


def main():
    default_schema = os.path.join(os.environ.get('CERCLE_SHARED_DATA', ''), 'fhir-r4', 'fhir.schema.json')
    parser = argparse.ArgumentParser(description='Validate FHIR R4 JSON against the HL7 JSON Schema')
    parser.add_argument('--schema', default=default_schema)
    parser.add_argument('paths', nargs='+')
    args = parser.parse_args()

    try:
        with open(args.schema, encoding='utf-8') as f:
            schema = json.load(f)
    except OSError as e:
        print('fhir-validate: cannot read the schema: %s' % e, file=sys.stderr)
        return 2
    definitions = schema['definitions']
    resource_types = sorted(schema['discriminator']['mapping'])
    definitions['ResourceList'] = {'fhirResource': resource_types}
    # One validator per type, sharing the whole schema for the $refs.
    by_type = {}

    def validator_for(resource_type):
        if resource_type not in by_type:
            sub = {'$ref': '#/definitions/%s' % resource_type, 'definitions': definitions}
            by_type[resource_type] = FhirValidator(sub)
        return by_type[resource_type]

    checked = 0
    failures = 0
    for path in collect(args.paths):
        try:
            docs = list(documents(path))
        except (OSError, ValueError) as e:
            print('%s: not readable JSON: %s' % (path, e))
            failures += 1
            continue
        for where, resource in docs:
            checked += 1
            resource_type = resource.get('resourceType') if isinstance(resource, dict) else None
            if resource_type not in definitions or resource_type not in schema['discriminator']['mapping']:
                print('%s: unknown resourceType %r' % (where, resource_type))
                failures += 1
                continue
            errors = sorted(validator_for(resource_type).iter_errors(resource), key=lambda e: list(e.absolute_path))
            for error in errors:
                location = '/'.join(str(p) for p in error.absolute_path) or '(root)'
                message = error.message
                if len(message) > 300:
                    message = message[:300] + '…'
                print('%s: %s %s: %s' % (where, resource_type, location, message))
            if errors:
                failures += 1

    if checked == 0:
        print('fhir-validate: no resource to check', file=sys.stderr)
        return 2
    print('fhir-validate: %d resources checked, %d invalid' % (checked, failures))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
