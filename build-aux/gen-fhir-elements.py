#!/usr/bin/env python3
# Generates src/libcercle/cercle-fhir-elements.c — the elements of the FHIR
# R4 resources Cercle accepts and of every data type and backbone element
# they contain, with the JSON kind of each — from the official HL7 FHIR R4
# JSON Schema (CC0). Run it once by hand when the list of types changes; the
# build never needs the schema:
#
#   build-aux/gen-fhir-elements.py ../shared/data/fhir-r4/fhir.schema.json \
#       > src/libcercle/cercle-fhir-elements.c
#
# Copyright 2026 The Cercle authors
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import sys

# The resources the server stores or answers with, and the primitive
# elements FHIR R4 makes mandatory (min cardinality 1 in the specification;
# the JSON Schema lists only the complex ones in "required").
TYPES = {
    'AuditEvent': ['recorded'],
    'Bundle': ['type'],
    'CapabilityStatement': ['status', 'date', 'kind', 'fhirVersion', 'format'],
    'CareTeam': [],
    'Communication': ['status'],
    'Consent': ['status'],
    'HealthcareService': [],
    'Location': [],
    'OperationOutcome': [],
    'Organization': [],
    'Parameters': [],
    'Patient': [],
    'Practitioner': [],
    'PractitionerRole': [],
    'Provenance': ['recorded'],
    'RelatedPerson': [],
    'ServiceRequest': ['status', 'intent'],
    'Task': ['status', 'intent'],
}

# Mandatory primitive elements inside data types and backbone elements.
EXTRA_REQUIRED = {
    'Extension': ['url'],
    'OperationOutcome_Issue': ['severity', 'code'],
    'Narrative': ['status'],
    'Bundle_Link': ['relation', 'url'],
    'Bundle_Request': ['method', 'url'],
    'Bundle_Response': ['status'],
    'AuditEvent_Agent': ['requestor'],
    'Parameters_Parameter': ['name'],
    'CapabilityStatement_Rest': ['mode'],
    'CapabilityStatement_Resource': ['type'],
    'CapabilityStatement_Interaction': ['code'],
    'CapabilityStatement_Interaction1': ['code'],
    'CapabilityStatement_SearchParam': ['name', 'type'],
    'CapabilityStatement_Operation': ['name'],
    'CapabilityStatement_Software': ['name'],
    'CapabilityStatement_Implementation': ['description'],
    'Location_Position': ['longitude', 'latitude'],
    'Patient_Link': ['type'],
    'HealthcareService_NotAvailable': ['description'],
    'PractitionerRole_NotAvailable': ['description'],
    'AuditEvent_Detail': ['type'],
}

NUMBER_TYPES = {'decimal'}
INTEGER_TYPES = {'integer', 'positiveInt', 'unsignedInt'}
RESOURCE = -2      # a whole resource inside (contained, Bundle.entry.resource)


def main():
    schema = json.load(open(sys.argv[1]))
    defs = schema['definitions']
    primitives = {}
    primitive_names = sorted((n for n, d in defs.items()
                              if d.get('type') in ('string', 'number', 'boolean') and n[0].islower()),
                             key=len, reverse=True)

    def is_primitive(name):
        return defs[name].get('type') in ('string', 'number', 'boolean') or name == 'xhtml'

    def inline_primitive(pname, prop):
        """The primitive type of an inline choice element (deceasedDateTime → dateTime)."""
        for name in primitive_names:
            if pname.lower().endswith(name.lower()) and defs[name].get('pattern') == prop.get('pattern'):
                return name
        return None

    def kind_of(prop, pname):
        """(kind, primitive, enum, complex type) of one property or items schema."""
        if 'const' in prop:
            return ('STRING', None, [prop['const']], None)
        if 'enum' in prop:
            return ('STRING', 'code', prop['enum'], None)
        ref = prop.get('$ref')
        if ref:
            name = ref.split('/')[-1]
            target = defs[name]
            if name == 'xhtml':
                return ('STRING', None, None, None)
            if name == 'ResourceList':
                return ('OBJECT', None, None, 'ResourceList')
            t = target.get('type')
            if t in ('string', 'number', 'boolean'):
                if 'pattern' in target:
                    primitives[name] = target['pattern']
                if name in INTEGER_TYPES:
                    return ('INTEGER', name, None, None)
                if name in NUMBER_TYPES:
                    return ('NUMBER', name, None, None)
                if t == 'boolean':
                    return ('BOOLEAN', None, None, None)
                return ('STRING', name if 'pattern' in target else None, None, None)
            return ('OBJECT', None, None, name)
        t = prop.get('type')
        prim = inline_primitive(pname, prop) if 'pattern' in prop else None
        if prim:
            primitives[prim] = prop['pattern']
        if t == 'boolean':
            return ('BOOLEAN', None, None, None)
        if t == 'number':
            if prim in INTEGER_TYPES:
                return ('INTEGER', prim, None, None)
            return ('NUMBER', prim, None, None)
        if t == 'string':
            return ('STRING', prim, None, None)
        raise SystemExit('unhandled property %r' % prop)

    # Every complex type reachable from the resources.
    reachable = set()
    stack = list(TYPES)
    while stack:
        name = stack.pop()
        if name in reachable:
            continue
        reachable.add(name)
        for pname, prop in defs[name]['properties'].items():
            kind = kind_of(prop.get('items', prop), pname)
            if kind[3] and kind[3] != 'ResourceList':
                stack.append(kind[3])
    order = sorted(reachable)
    index = {name: i for i, name in enumerate(order)}

    out = []
    w = out.append
    w('/* cercle-fhir-elements.c — GENERATED by build-aux/gen-fhir-elements.py from')
    w(' * the HL7 FHIR R4 JSON Schema (CC0). Do not edit: run the script again.')
    w(' *')
    w(' * SPDX-License-Identifier: GPL-3.0-or-later')
    w(' */')
    w('#include "config.h"')
    w('')
    w('#include "cercle-fhir-private.h"')
    w('')

    for name in order:
        props = defs[name]['properties']
        cname = name.lower()
        rows = []
        for pname in sorted(props):
            prop = props[pname]
            is_array = prop.get('type') == 'array'
            kind, prim, enum, complex_type = kind_of(prop['items'] if is_array else prop, pname)
            sub = -1
            if complex_type == 'ResourceList':
                sub = RESOURCE
            elif complex_type:
                sub = index[complex_type]
            codes = None
            if enum and pname != 'resourceType':
                codes = '%s_%s_codes' % (cname, pname)
                w('static const char *const %s[] = { %s, NULL };' % (
                    codes, ', '.join(json.dumps(e) for e in enum)))
            rows.append((pname, kind, is_array, prim, codes, sub))
        required = [r for r in defs[name].get('required', []) if r != 'resourceType']
        required += TYPES.get(name, []) + EXTRA_REQUIRED.get(name, [])
        w('static const char *const %s_required[] = { %s };' % (
            cname, ', '.join([json.dumps(r) for r in required] + ['NULL'])))
        w('static const CercleFhirElement %s_elements[] = {' % cname)
        for (pname, kind, is_array, prim, codes, sub) in rows:
            w('  { "%s", CERCLE_FHIR_KIND_%s, %s, %s, %s, %d },' % (
                pname, kind, 'TRUE' if is_array else 'FALSE',
                json.dumps(prim) if prim else 'NULL', codes or 'NULL', sub))
        w('};')
        w('')

    w('const CercleFhirTypeDef cercle_fhir_type_defs[] = {')
    for name in order:
        cname = name.lower()
        w('  { "%s", %s, %s_elements, G_N_ELEMENTS (%s_elements), %s_required },' % (
            name, 'TRUE' if name in TYPES else 'FALSE', cname, cname, cname))
    w('};')
    w('const gsize cercle_fhir_n_type_defs = G_N_ELEMENTS (cercle_fhir_type_defs);')
    w('')
    w('/* Every resource type of FHIR R4, to tell an unknown name from one Cercle does not support. */')
    w('const char *const cercle_fhir_all_resource_types[] = {')
    for name in sorted(schema['discriminator']['mapping']):
        w('  "%s",' % name)
    w('  NULL')
    w('};')
    w('')
    w('/* The patterns of the primitive types (JSON Schema regular expressions). */')
    w('const CercleFhirPrimitive cercle_fhir_primitives[] = {')
    for name in sorted(primitives):
        w('  { "%s", %s },' % (name, json.dumps(primitives[name])))
    w('};')
    w('const gsize cercle_fhir_n_primitives = G_N_ELEMENTS (cercle_fhir_primitives);')
    print('\n'.join(out))


main()
