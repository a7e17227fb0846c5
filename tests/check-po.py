#!/usr/bin/env python3
# check-po: the translations are complete. TAP output.
#
#  1. every file under src/ and data/ with a translatable string is listed in
#     po/POTFILES.in, which is sorted and names only files that exist;
#  2. xgettext over POTFILES.in, run the way meson's "glib" preset runs it
#     (the cercle-pot target), gives no msgid that po/fr.po leaves
#     untranslated or fuzzy;
#  3. msgfmt -c accepts po/fr.po, and the catalogue merged with the template.
#
# Standard library only; meson runs it with the python3 it found.
#
# Copyright 2026 The Cercle authors
# SPDX-License-Identifier: GPL-3.0-or-later
import argparse
import os
import re
import subprocess
import sys
import tempfile

# The same arguments as meson's i18n.gettext(preset: 'glib').
XGETTEXT_ARGS = [
    '--from-code=UTF-8', '--add-comments', '-k_',
    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3', '--keyword=g_dpgettext2:2c,3',
    '--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format', '--flag=NC_:2:pass-c-format',
    '--flag=g_dngettext:2:pass-c-format', '--flag=g_strdup_printf:1:c-format',
    '--flag=g_string_printf:2:c-format', '--flag=g_string_append_printf:2:c-format',
    '--flag=g_error_new:3:c-format', '--flag=g_set_error:4:c-format',
    '--flag=g_markup_printf_escaped:1:c-format', '--flag=g_log:3:c-format',
    '--flag=g_print:1:c-format', '--flag=g_printerr:1:c-format', '--flag=g_printf:1:c-format',
    '--flag=g_fprintf:2:c-format', '--flag=g_sprintf:2:c-format', '--flag=g_snprintf:3:c-format',
]

# _("…"), N_("…"), C_("ctx", "…"), NC_(…) in code; translatable="yes" in
# GtkBuilder files; desktop files and AppStream metainfo are translatable
# by nature (merged with i18n.merge_file).
MARKERS = re.compile(r'(?<![A-Za-z0-9_])(?:_|N_|C_|NC_)\(|translatable="yes"')
SCANNED = ('.c', '.h', '.ui', '.xml', '.js', '.py')
ALWAYS = ('.desktop.in', '.metainfo.xml.in')

results = []


def report(ok, name, details=()):
    results.append(ok)
    print(f"{'ok' if ok else 'not ok'} {len(results)} - {name}")
    for line in details:
        print(f"# {line}")


def run(cmd, **kwargs):
    return subprocess.run(cmd, capture_output=True, text=True, **kwargs)


def translatable_files(top):
    found = []
    for sub in ('src', 'data'):
        for root, dirs, files in os.walk(os.path.join(top, sub)):
            dirs[:] = sorted(d for d in dirs if not d.startswith('.'))
            for name in files:
                path = os.path.join(root, name)
                rel = os.path.relpath(path, top)
                if name.endswith(ALWAYS):
                    found.append(rel)
                elif name.endswith(SCANNED):
                    with open(path, encoding='utf-8', errors='replace') as f:
                        if MARKERS.search(f.read()):
                            found.append(rel)
    return sorted(found)


def entries(po_text):
    """msgids of a PO file (context-qualified), the header left out."""
    out = []
    for block in re.split(r'\n\s*\n', po_text):
        if block.lstrip().startswith('#~'):
            continue
        ctx = re.search(r'^msgctxt ((?:".*"\n?)+)', block, re.M)
        mid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        if not mid:
            continue
        text = ''.join(re.findall(r'"(.*)"', mid.group(1)))
        if text == '' and not ctx:
            continue
        if ctx:
            text = ''.join(re.findall(r'"(.*)"', ctx.group(1))) + ' | ' + text
        out.append(text)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--source-root', required=True)
    for tool in ('xgettext', 'msgmerge', 'msgattrib', 'msgfmt'):
        parser.add_argument('--' + tool, default=tool)
    args = parser.parse_args()
    top = args.source_root
    po_dir = os.path.join(top, 'po')
    fr_po = os.path.join(po_dir, 'fr.po')

    with open(os.path.join(po_dir, 'POTFILES.in'), encoding='utf-8') as f:
        listed = [line.strip() for line in f if line.strip() and not line.startswith('#')]

    report(listed == sorted(listed), '/po/potfiles/sorted',
           [f'{a} comes before {b}' for a, b in zip(listed, listed[1:]) if a > b])
    report(len(listed) == len(set(listed)), '/po/potfiles/no-duplicates',
           sorted({p for p in listed if listed.count(p) > 1}))
    missing_files = [p for p in listed if not os.path.isfile(os.path.join(top, p))]
    report(not missing_files, '/po/potfiles/files-exist',
           [f'{p} is listed but does not exist' for p in missing_files])
    unlisted = [p for p in translatable_files(top) if p not in listed]
    report(not unlisted, '/po/potfiles/complete',
           [f'{p} has translatable strings: add it to po/POTFILES.in' for p in unlisted])

    with tempfile.TemporaryDirectory(dir=os.environ.get('CERCLE_TEST_TMPDIR')) as tmp:
        pot = os.path.join(tmp, 'cercle.pot')
        merged = os.path.join(tmp, 'merged.po')
        existing = [p for p in listed if p not in missing_files]
        listfile = os.path.join(tmp, 'POTFILES')
        with open(listfile, 'w', encoding='utf-8') as f:
            f.write('\n'.join(existing) + '\n')

        # Where meson's own run finds the ITS rules (GETTEXTDATADIRS) is the
        # system's; the same here.
        r = run([args.xgettext, '--package-name=cercle', '-f', listfile, '-D', top, '-o', pot]
                + XGETTEXT_ARGS)
        report(r.returncode == 0, '/po/xgettext', r.stderr.splitlines())
        if r.returncode != 0:
            finish()

        r = run([args.msgfmt, '-c', '-o', os.devnull, fr_po])
        report(r.returncode == 0, '/po/fr/msgfmt-check', r.stderr.splitlines())

        r = run([args.msgattrib, '--only-fuzzy', '--no-obsolete', fr_po])
        fuzzy = entries(r.stdout)
        report(r.returncode == 0 and not fuzzy, '/po/fr/no-fuzzy',
               [f'fuzzy: {m!r}' for m in fuzzy])

        # No fuzzy matching: a msgid fr.po does not have verbatim is missing.
        r = run([args.msgmerge, '--quiet', '--no-fuzzy-matching', '-o', merged, fr_po, pot])
        report(r.returncode == 0, '/po/fr/msgmerge', r.stderr.splitlines())
        if r.returncode != 0:
            finish()

        r = run([args.msgattrib, '--untranslated', '--no-obsolete', merged])
        untranslated = entries(r.stdout)
        report(r.returncode == 0 and not untranslated, '/po/fr/complete',
               [f'untranslated: {m!r}' for m in untranslated])

        r = run([args.msgattrib, '--only-fuzzy', '--no-obsolete', merged])
        fuzzy = entries(r.stdout)
        report(r.returncode == 0 and not fuzzy, '/po/fr/merged-no-fuzzy',
               [f'fuzzy: {m!r}' for m in fuzzy])

        # With the template's c-format flags, the translations' placeholders
        # are checked against the source strings.
        r = run([args.msgfmt, '-c', '-o', os.devnull, merged])
        report(r.returncode == 0, '/po/fr/merged-msgfmt-check', r.stderr.splitlines())

    finish()


def finish():
    print(f'1..{len(results)}')
    sys.exit(0 if all(results) else 1)


if __name__ == '__main__':
    main()
