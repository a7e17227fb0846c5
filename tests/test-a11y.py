#!/usr/bin/python3
# test-a11y: the real cercle binary, in French, seen as a screen reader sees
# it over AT-SPI. TAP output.
#
#   /usr/bin/python3 test-a11y.py CERCLE_BINARY AT_SPI_BUS_LAUNCHER
#
# Runs with Debian's /usr/bin/python3, not the python3 on PATH: pyatspi
# (python3-pyatspi) and gi come from apt. Runs inside build-aux/test-wrapper.sh
# (private Xvfb and D-Bus session): it starts its own accessibility bus there
# (at-spi-bus-launcher, package at-spi2-core), then the app with GTK_A11Y=atspi
# on a temporary store loaded with the demonstration directory, and drives it
# only through what assistive technology uses: accessible actions, editable
# text and synthesized keys.
#
# Copyright 2026 The Cercle authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import re
import signal
import subprocess
import sys
import time

TIMEOUT = 10.0          # seconds for anything the app does on its own
# Key codes of Xvfb's default keymap.
KEY_ALT_L, KEY_CONTROL_L, KEY_2, KEY_Q, KEY_RETURN, KEY_ESCAPE = 64, 37, 11, 24, 36, 9
KEY_TAB, KEY_F = 23, 41
KEY_SHIFT_L, KEY_UP, KEY_DOWN = 50, 111, 116
KEY_1, KEY_3 = 10, 12

BUTTON_ROLES = None     # filled once pyatspi is imported
TEXT_ROLES = None
# GTK 4.8 names an accessible without a label after its type ("GtkButton",
# "GtkImage"): for a screen reader that is no name at all.
TYPE_NAME = re.compile(r'^(Gtk|Adw|Shumate|Cercle)[A-Z][A-Za-z]*$')
# A mnemonic left in a name ("_Annuler") is read out as "souligné".
MNEMONIC = re.compile(r'(^|\s)_\w')
# The distance as a French reader expects it: "3,2 km".
FRENCH_KM = re.compile(r'\d+,\d\s?km')

# Source strings that must never reach a French user: if one shows up as a
# name, a description or a text, a translation or a widget is missing.
ENGLISH = {
    'Zoom In', 'Zoom Out', 'Cancel', '_Cancel', 'Export', '_Export', 'Import…', '_Import…',
    'Directory', 'Referrals', 'Sections', 'Main Menu', 'Back',
    'Show the map', 'Copy the address', 'Copy the phone number', 'Copy the FINESS number',
    'Address', 'Phone', 'FINESS number', 'Intervention zone', 'Kinds of service',
    'Choose a Commune', 'No Results', 'Preparing the Directory', 'Services, nearest first',
    'Map of the results', 'Covers the commune', 'Matching communes',
    'Patient’s commune or postcode', 'Commune or postcode',
    'Minimize', 'Maximize', 'Close', '_Keyboard Shortcuts', 'Keyboard Shortcuts',
    '_About Cercle', 'About Cercle', 'General', 'Show Shortcuts', 'Quit', 'Search for a Commune',
    'The Cercle authors', '© 2026 The Cercle authors',
    'Sign In', 'Sign Out', 'Sign In to the Server', 'Server', 'Login', 'Password', 'Sync Now',
    'Sign In Again', 'Retry', 'Sync', 'On this computer only', 'Not signed in', 'Show Password',
    'All Dossiers', 'Export as PDF', 'Confirm the Admission', 'Cancel the Request', 'Send the Complements',
    'Message to the structure', 'No Referrals Yet', 'No Dossier Selected', 'Status Filter', 'Back to the List',
    'New Patient', '_New Patient', 'Search for a patient', 'No Patients Yet', 'New Note', 'Send',
    'Save', 'Identity Status', 'Birth family name', 'Care Circle', 'Add a Member', 'Follow-up Notes',
}
# What the sign-in dialog says when cercle-syncd is not there (this test runs
# without it).
SYNC_ABSENT = 'Le service de synchronisation n’est pas installé ou ne fonctionne pas'

tests_run = 0
T0 = time.monotonic()
failures = 0


def tap(ok, name, diag=()):
    global tests_run, failures
    tests_run += 1
    if not ok:
        failures += 1
    print(f"{'ok' if ok else 'not ok'} {tests_run} - /a11y/{name}", flush=True)
    print(f"# t={time.monotonic() - T0:.1f}s", flush=True)
    for line in diag:
        print(f"# {line}", flush=True)


def bail(message, log=None):
    print(f"Bail out! {message}", flush=True)
    if log and os.path.exists(log):
        with open(log, errors='replace') as f:
            for line in f.read().splitlines()[-30:]:
                print(f"# {line}", flush=True)
    raise SystemExit(1)


def wait_for(predicate, timeout=TIMEOUT, step=0.1):
    """Polls @predicate until it returns something true; returns that or None."""
    end = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except Exception:       # the tree changes under our feet: try again
            value = None
        if value:
            return value
        if time.monotonic() > end:
            return None
        time.sleep(step)


def session_name_has_owner(name):
    from gi.repository import Gio, GLib
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    reply = bus.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                          'NameHasOwner', GLib.Variant('(s)', (name,)), None,
                          Gio.DBusCallFlags.NONE, 2000, None)
    return reply.unpack()[0]


# ---- The accessible tree -------------------------------------------------

def walk(acc):
    """Every accessible under @acc, depth first, skipping dead ones."""
    stack = [acc]
    while stack:
        a = stack.pop()
        if a is None:
            continue
        yield a
        try:
            n = a.childCount
        except Exception:
            continue
        for i in reversed(range(n)):
            try:
                stack.append(a.getChildAtIndex(i))
            except Exception:
                pass


def role(a):
    try:
        return a.getRole()
    except Exception:
        return None


def name(a):
    try:
        return a.name or ''
    except Exception:
        return ''


def description(a):
    try:
        return a.description or ''
    except Exception:
        return ''


def text(a):
    try:
        t = a.queryText()
        return t.getText(0, t.characterCount)
    except Exception:
        return ''


def has_state(a, state):
    try:
        return a.getState().contains(state)
    except Exception:
        return False


def extents(a):
    import pyatspi
    try:
        e = a.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        return (e.x, e.y, e.width, e.height)
    except Exception:
        return None


def on_screen(a):
    """GTK 4.8 sets no SHOWING state below the window: an accessible is
    on screen when it is VISIBLE and has a size. A page a GtkStack hid keeps
    its last size, so this errs on the side of checking more, never less."""
    import pyatspi
    e = extents(a)
    return has_state(a, pyatspi.STATE_VISIBLE) and e is not None and e[2] > 0 and e[3] > 0


def real_name(a):
    n = name(a).strip()
    return '' if TYPE_NAME.match(n) else n


def find_all(root, predicate):
    return [a for a in walk(root) if predicate(a)]


def find_one(root, predicate):
    for a in walk(root):
        if predicate(a):
            return a
    return None


def do_action(a, action_name):
    act = a.queryAction()
    for i in range(act.nActions):
        if act.getName(i) == action_name:
            return act.doAction(i)
    raise LookupError(f"no action {action_name!r} on {name(a)!r}")


def press_keys(*keycodes):
    """Presses the keys in order and releases them in reverse, like a hand."""
    import pyatspi
    for k in keycodes:
        pyatspi.Registry.generateKeyboardEvent(k, None, pyatspi.KEY_PRESS)
    for k in reversed(keycodes):
        pyatspi.Registry.generateKeyboardEvent(k, None, pyatspi.KEY_RELEASE)


def describe(a):
    return f"{a.getRoleName()} name={name(a)!r} description={description(a)!r}"


def check_buttons(root, where):
    """Every button on screen has a name a person can hear."""
    bad = []
    seen = 0
    for a in walk(root):
        if role(a) not in BUTTON_ROLES or not on_screen(a):
            continue
        seen += 1
        n = real_name(a)
        if not n or MNEMONIC.search(n):
            bad.append(describe(a))
    tap(seen > 0 and not bad, f"buttons-named/{where}",
        [f"{seen} buttons on screen"] + [f"unnamed or badly named: {b}" for b in bad])


def check_french(root, where):
    bad = []
    for a in walk(root):
        values = [name(a), description(a)]
        if role(a) in TEXT_ROLES:
            values.append(text(a))
        for value in values:
            if value.strip() in ENGLISH:
                bad.append(describe(a))
    tap(not bad, f"french/{where}", [f"English: {b}" for b in bad])


# ---- The run -------------------------------------------------------------

def main():
    global BUTTON_ROLES, TEXT_ROLES
    if len(sys.argv) != 3:
        print("usage: test-a11y.py CERCLE_BINARY AT_SPI_BUS_LAUNCHER", file=sys.stderr)
        return 2
    app_bin, launcher_bin = sys.argv[1], sys.argv[2]
    tmp = os.environ.get('CERCLE_TEST_TMPDIR') or bail("run me through build-aux/test-wrapper.sh")
    build = os.environ['CERCLE_BUILD_DIR']

    # libatspi warns when an app has no cache object (GTK 4.8 has none):
    # the meson setup's G_DEBUG=fatal-warnings would make that a crash of
    # this script. Dropped before GLib is loaded, which reads it then.
    os.environ.pop('G_DEBUG', None)
    try:
        import gi
        gi.require_version('Atspi', '2.0')
        from gi.repository import Atspi  # noqa: F401
    except (ImportError, ValueError) as e:
        print(f"1..0 # SKIP no pyatspi for {sys.executable}: {e} (apt install python3-pyatspi)")
        return 0
    if not os.access(launcher_bin, os.X_OK):
        print(f"1..0 # SKIP no {launcher_bin} (apt install at-spi2-core)")
        return 0

    launcher_log = os.path.join(tmp, 'at-spi-bus-launcher.log')
    app_log = os.path.join(tmp, 'cercle-a11y.log')
    launcher = app = None
    try:
        # Our own accessibility bus on the private session bus. Its own
        # process group, so that its dbus-daemon and registry go with it.
        launcher = subprocess.Popen([launcher_bin, '--launch-immediately'],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=open(launcher_log, 'w'), start_new_session=True)
        if not wait_for(lambda: session_name_has_owner('org.a11y.Bus')):
            bail("the accessibility bus did not start", launcher_log)

        env = dict(os.environ)
        env.update({
            'GTK_A11Y': 'atspi',          # the wrapper says none for every other test
            'LC_ALL': 'fr_FR.UTF-8', 'LANG': 'fr_FR.UTF-8', 'LANGUAGE': 'fr',
            'CERCLE_LOCALEDIR': os.path.join(build, 'po'),
            'CERCLE_DB': os.path.join(tmp, 'a11y-store.db'),
            'CERCLE_OFFLINE_MAP': '1',
        })
        env.pop('NO_AT_BRIDGE', None)
        env.pop('G_DEBUG', None)    # a warning is reported below, not a crash
        app = subprocess.Popen([app_bin], env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=open(app_log, 'w'),
                               start_new_session=True)

        import pyatspi
        TEXT_ROLES = {pyatspi.ROLE_LABEL, pyatspi.ROLE_TEXT, pyatspi.ROLE_ENTRY}
        BUTTON_ROLES = {pyatspi.ROLE_PUSH_BUTTON, pyatspi.ROLE_TOGGLE_BUTTON,
                        pyatspi.ROLE_PUSH_BUTTON_MENU, pyatspi.ROLE_CHECK_BOX}
        run(pyatspi, app, app_log)
    finally:
        for proc in (app, launcher):
            if proc is None or proc.poll() is not None:
                continue
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
    print(f"1..{tests_run}", flush=True)
    return 1 if failures else 0


def run(pyatspi, app, app_log):
    from gi.repository import Atspi
    Atspi.set_timeout(3000, 15000)

    def find_app():
        desktop = pyatspi.Registry.getDesktop(0)
        for i in range(desktop.childCount):
            a = desktop.getChildAtIndex(i)
            if a is not None and a.get_process_id() == app.pid:
                return a
        return None

    accessible_app = wait_for(find_app, timeout=20)
    if accessible_app is None:
        # Is the wrapper's X server still there?
        probe = subprocess.run(['xdpyinfo'], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True, check=False)
        print(f"# DISPLAY={os.environ.get('DISPLAY')}: xdpyinfo exit {probe.returncode} "
              f"{probe.stderr.strip()}", flush=True)
        bail("cercle did not show up on the accessibility bus", app_log)
    # GTK tells the registry little about changes: never serve a stale name.
    Atspi.Accessible.set_cache_mask(accessible_app, Atspi.Cache.NONE)

    frame = wait_for(lambda: find_one(accessible_app, lambda a: role(a) == pyatspi.ROLE_FRAME
                                      and name(a) == 'Cercle'))
    tap(frame is not None, "window", [] if frame else ["no frame called “Cercle”"])
    if frame is None:
        bail("no main window", app_log)
    wait_for(lambda: has_state(frame, pyatspi.STATE_ACTIVE), timeout=5)

    # The sidebar: three named entries.
    sidebar = find_one(frame, lambda a: role(a) == pyatspi.ROLE_LIST and name(a) == 'Rubriques')
    entries = [name(a) for a in find_all(sidebar, lambda a: role(a) == pyatspi.ROLE_LIST_ITEM)] \
        if sidebar else []
    tap(entries == ['Patients', 'Annuaire', 'Orientations'], "sidebar",
        [f"sidebar list {'found' if sidebar else 'not found'}, entries {entries!r}"])

    check_buttons(frame, "start")

    # The patients page, shown first: on an empty store, one empty state
    # offering « Nouveau patient »; that button opens the dialog, every button
    # of both named in French; Escape closes the dialog.
    def app_windows():
        return [accessible_app.getChildAtIndex(i) for i in range(accessible_app.childCount)]

    new_button = wait_for(lambda: find_one(frame, lambda a: role(a) in BUTTON_ROLES and on_screen(a)
                                           and real_name(a) == 'Nouveau patient'))
    tap(new_button is not None, "patients-page",
        [describe(new_button) if new_button else "no button named “Nouveau patient” on screen"]
        + ([] if new_button else [describe(a) for a in walk(frame)
                                  if role(a) in BUTTON_ROLES and on_screen(a)]))
    check_buttons(frame, "patients")
    check_french(frame, "patients")
    dialog = None
    if new_button is not None:
        do_action(new_button, 'click')
        dialog = wait_for(lambda: next((w for w in app_windows() if w != frame
                                        and real_name(w) == 'Nouveau patient'), None))
    tap(dialog is not None, "new-patient-dialog",
        [describe(dialog) if dialog else "no window named “Nouveau patient”"])
    if dialog is not None:
        ins = wait_for(lambda: find_one(dialog, lambda a: name(a) == 'Matricule INS (15 caractères)'
                                        and on_screen(a)))
        tap(ins is not None, "new-patient-ins-named", [describe(ins) if ins else "no INS field by its French name"])
        check_buttons(dialog, "new-patient")
        check_french(dialog, "new-patient")
        press_keys(KEY_ESCAPE)
        tap(wait_for(lambda: dialog not in app_windows(), timeout=5) is not None, "new-patient-escape",
            ["Escape did not close the dialog"])
        wait_for(lambda: has_state(frame, pyatspi.STATE_ACTIVE), timeout=5)


    # Alt+2, the shortcut of the Directory: the page shows, the field has the focus.
    press_keys(KEY_ALT_L, KEY_2)
    entry = wait_for(lambda: find_one(frame, lambda a: role(a) == pyatspi.ROLE_ENTRY
                                      and has_state(a, pyatspi.STATE_FOCUSED)))
    directory_row = sidebar and find_one(sidebar, lambda a: role(a) == pyatspi.ROLE_LIST_ITEM
                                         and name(a) == 'Annuaire')
    tap(entry is not None and directory_row is not None
        and wait_for(lambda: has_state(directory_row, pyatspi.STATE_SELECTED)),
        "directory-page", [f"focused entry: {describe(entry) if entry else None}"])
    if entry is None:
        bail("the directory page did not come up", app_log)

    tap(real_name(entry) == 'Commune ou code postal du patient', "search-field-named",
        [describe(entry)])

    page = entry
    while page is not None and name(page) != 'Annuaire':
        page = page.parent
    page = page or frame
    check_buttons(page, "directory")

    # Type the commune. While the demonstration directory is still loading
    # nothing is proposed: type it again, as a person would.
    editable = entry.queryEditableText()
    completions = None
    end = time.monotonic() + 20
    while completions is None and time.monotonic() < end:
        editable.setTextContents('')
        editable.setTextContents('Melun')
        completions = wait_for(lambda: completion_items(pyatspi, page), timeout=1.5)
    tap(bool(completions) and any('Melun' in c for c in completions), "completion",
        [f"completion list: {completions!r}"])

    # Enter on the field takes the first completion, as a person would (the
    # entry's accessible "activate" action does not reach the search entry).
    press_keys(KEY_RETURN)
    chosen = wait_for(lambda: not on_screen_list(pyatspi, page, 'Communes correspondantes')
                      and text(entry).startswith('Melun'))
    tap(chosen is not None, "commune-chosen", [f"field text: {text(entry)!r}"])

    chip = find_one(page, lambda a: role(a) in BUTTON_ROLES and name(a) == 'SSIAD')
    if chip is None:
        bail("no SSIAD chip", app_log)
    if not (has_state(chip, pyatspi.STATE_PRESSED) or has_state(chip, pyatspi.STATE_CHECKED)):
        do_action(chip, 'click')
    chip_on = wait_for(lambda: has_state(chip, pyatspi.STATE_PRESSED)
                       or has_state(chip, pyatspi.STATE_CHECKED), timeout=3)
    tap(chip_on is not None, "chip-state", [] if chip_on else ["the SSIAD chip does not say it is on"])

    results = find_one(page, lambda a: role(a) == pyatspi.ROLE_LIST
                       and name(a) == 'Services, au plus près d’abord')
    rows = wait_for(lambda: result_rows(pyatspi, results)) if results else None
    tap(bool(rows) and all(FRENCH_KM.search(r) and 'SSIAD' in r for r in rows), "result-rows",
        [f"results list {'found' if results else 'not found'}"] + [f"row: {r!r}" for r in rows or []])
    tap(bool(rows) and re.match(r'^1\. ', rows[0]) is not None and '.' not in rows[0].split(',')[-1],
        "result-rows/numbered-french-decimal", [f"first row: {rows[0]!r}" if rows else "no rows"])

    # Choosing the first result opens its detail, with its copy buttons.
    if results is not None and rows:
        results.querySelection().selectChild(0)
        copy = wait_for(lambda: find_all(page, lambda a: role(a) in BUTTON_ROLES and on_screen(a)
                                         and 'Copier' in name(a)))
        tap(bool(copy) and len(copy) == 3, "detail-copy-buttons",
            [describe(a) for a in copy or []] or ["no copy button named “Copier …” on screen"])
    else:
        tap(False, "detail-copy-buttons", ["no results to choose"])

    # Ctrl+F, listed in the shortcuts window, brings the focus back to the field.
    press_keys(KEY_TAB)
    left = wait_for(lambda: not has_state(entry, pyatspi.STATE_FOCUSED), timeout=3)
    press_keys(KEY_CONTROL_L, KEY_F)
    back = wait_for(lambda: has_state(entry, pyatspi.STATE_FOCUSED), timeout=3)
    tap(bool(left) and bool(back), "ctrl-f",
        [f"Tab left the field: {bool(left)}, Ctrl+F came back: {bool(back)}"])

    # Each result is a list item named after its row ("1. SSIAD …"), not
    # a nameless item holding a label.
    items = find_all(results, lambda a: role(a) == pyatspi.ROLE_LIST_ITEM) if results else []
    tap(bool(items) and all(re.match(r'^[0-9]+\. ', real_name(a) or '') for a in items),
        "result-items-named", [f"item: {real_name(a)!r}" for a in items[:5]] or ["no items"])

    # Tab reaches the list once and leaves it at the next press: one stop,
    # not one per row.
    def focused_result():
        return find_one(results, lambda a: role(a) == pyatspi.ROLE_LIST_ITEM
                        and has_state(a, pyatspi.STATE_FOCUSED)) if results else None
    presses = 0
    while focused_result() is None and presses < 40:
        press_keys(KEY_TAB)
        presses += 1
        wait_for(focused_result, timeout=0.3)
    reached = focused_result()
    press_keys(KEY_TAB)
    left_list = wait_for(lambda: focused_result() is None, timeout=3)
    tap(reached is not None and bool(left_list), "tab-one-stop-results",
        [f"a row focused after {presses} Tab: {describe(reached) if reached else None}",
         f"one more Tab left the list: {bool(left_list)}"])

    # The sidebar with the keyboard: the highlighted section is the one
    # shown. Shift+Tab from the field to the sidebar, then Up and Down.
    press_keys(KEY_CONTROL_L, KEY_F)
    wait_for(lambda: has_state(entry, pyatspi.STATE_FOCUSED), timeout=3)

    def focused_section():
        return find_one(sidebar, lambda a: role(a) == pyatspi.ROLE_LIST_ITEM
                        and has_state(a, pyatspi.STATE_FOCUSED)) if sidebar else None
    presses = 0
    while focused_section() is None and presses < 40:
        press_keys(KEY_SHIFT_L, KEY_TAB)
        presses += 1
        wait_for(focused_section, timeout=0.3)
    section = focused_section()
    patients_row = sidebar and find_one(sidebar, lambda a: role(a) == pyatspi.ROLE_LIST_ITEM
                                        and name(a) == 'Patients')
    def inside(a, ancestor):
        while a is not None:
            if a == ancestor:
                return True
            a = a.parent
        return False

    def shown_title():
        """The title over the content: the name of the page on screen."""
        titles = [a for a in find_all(frame, lambda a: role(a) == pyatspi.ROLE_LABEL
                                      and (text(a) or name(a)) in ('Patients', 'Annuaire', 'Orientations')
                                      and on_screen(a))
                  if not inside(a, sidebar)]
        return (text(titles[0]) or name(titles[0])) if titles else None

    title_before = shown_title()
    press_keys(KEY_UP)
    up_shown = wait_for(lambda: patients_row is not None
                        and has_state(patients_row, pyatspi.STATE_SELECTED)
                        and shown_title() == 'Patients', timeout=3)
    after_up = focused_section()
    press_keys(KEY_DOWN)
    down_shown = wait_for(lambda: directory_row is not None
                          and has_state(directory_row, pyatspi.STATE_SELECTED)
                          and not has_state(patients_row, pyatspi.STATE_SELECTED)
                          and shown_title() == 'Annuaire', timeout=3)
    tap(section is not None and bool(up_shown) and bool(down_shown), "sidebar-keyboard",
        [f"sidebar focused after {presses} Shift+Tab: {describe(section) if section else None}",
         f"Up showed Patients: {bool(up_shown)}, Down showed the directory again: {bool(down_shown)}",
         f"focus after Up: {describe(after_up) if after_up else None}",
         f"title before: {title_before!r}, now: {shown_title()!r}"])

    # Ctrl+F from the sidebar, where the focus is now: the directory page
    # is the one on screen, and it answers.
    in_sidebar = focused_section() is not None
    press_keys(KEY_CONTROL_L, KEY_F)
    back = wait_for(lambda: has_state(entry, pyatspi.STATE_FOCUSED), timeout=3)
    tap(in_sidebar and bool(back), "ctrl-f-from-sidebar",
        [f"focus in the sidebar: {in_sidebar}, Ctrl+F reached the field: {bool(back)}"])

    # CERCLE_A11Y_SCREENSHOT=FILE.png: the screen as it is now, for a person
    # to look at (ImageMagick's import); not part of the verdict.
    shot = os.environ.get('CERCLE_A11Y_SCREENSHOT')
    if shot:
        time.sleep(1)
        subprocess.run(['import', '-window', 'root', shot], check=False)

    check_buttons(frame, "results")
    check_french(frame, "results")

    # The primary menu, in French.
    menu_button = find_one(frame, lambda a: role(a) in BUTTON_ROLES and on_screen(a)
                           and real_name(a) == 'Menu principal'
                           and has_action(a, 'click'))
    items = []
    if menu_button is not None:
        do_action(menu_button, 'click')
        items = wait_for(lambda: [name(a) for a in find_all(accessible_app, lambda a: role(a) in (
            pyatspi.ROLE_MENU_ITEM, pyatspi.ROLE_PUSH_BUTTON) and on_screen(a)
            and name(a) in ('Raccourcis clavier', 'À propos de Cercle'))
            ] or None, timeout=5) or []
    tap(sorted(set(items)) == ['Raccourcis clavier', 'À propos de Cercle'], "primary-menu",
        [f"menu button {'found' if menu_button else 'not found'}, items {items!r}"])

    # The About and shortcuts windows, from the menu, as a person opens them.
    def window_from_menu(item_label, marker):
        if find_one(accessible_app, lambda a: name(a) == item_label and on_screen(a)) is None:
            do_action(menu_button, 'click')
        item = wait_for(lambda: find_one(accessible_app, lambda a: name(a) == item_label
                                         and on_screen(a) and has_action(a, 'click')), timeout=5)
        if item is None:
            return None, f"no menu item “{item_label}”"
        do_action(item, 'click')
        window = wait_for(lambda: next((w for w in top_levels() if w != frame
                                        and find_one(w, lambda b: name(b) == marker and on_screen(b))),
                                       None))
        return window, describe(window) if window else f"no window showing “{marker}”"

    def top_levels():
        return [accessible_app.getChildAtIndex(i) for i in range(accessible_app.childCount)]

    def close(window):
        press_keys(KEY_ESCAPE)
        wait_for(lambda: window not in top_levels(), timeout=5)

    for what, item_label, marker in (('about', 'À propos de Cercle', 'Les auteurs de Cercle'),
                                     ('shortcuts', 'Raccourcis clavier', 'Rubriques')):
        window, diag = (None, "no menu button") if menu_button is None \
            else window_from_menu(item_label, marker)
        # A window a screen reader cannot name is "GtkShortcutsWindow" to its user.
        tap(window is not None and real_name(window) != '', f"{what}-window", [diag])
        if window is None:
            continue
        if shot:
            time.sleep(1)
            subprocess.run(['import', '-window', 'root', shot.replace('.png', f'-{what}.png')],
                           check=False)
        if os.environ.get('CERCLE_A11Y_DUMP'):
            for a in walk(window):
                print('# DUMP', describe(a), repr(text(a)), on_screen(a))
        check_buttons(window, what)
        check_french(window, what)
        close(window)

    # The sign-in dialog, from the menu: its fields and button have the
    # French names the issue gives; without the sync service it says so.
    window, diag = (None, "no menu button") if menu_button is None \
        else window_from_menu('Se connecter', 'Mot de passe')
    tap(window is not None and real_name(window) != '', "sign-in-window", [diag])
    if window is not None:
        field_roles = (pyatspi.ROLE_TEXT, pyatspi.ROLE_ENTRY, pyatspi.ROLE_PASSWORD_TEXT)
        fields = {name(a): a for a in walk(window) if role(a) in field_roles and on_screen(a)}
        tap(all(f in fields for f in ('Serveur', 'Identifiant', 'Mot de passe')), "sign-in-fields",
            [f"fields on screen: {sorted(fields)!r}"])
        button = find_one(window, lambda a: role(a) in BUTTON_ROLES and on_screen(a)
                          and real_name(a) == 'Se connecter')
        tap(button is not None, "sign-in-button", [] if button else ["no button “Se connecter”"])
        if shot:
            time.sleep(1)
            subprocess.run(['import', '-window', 'root', shot.replace('.png', '-sign-in.png')],
                           check=False)
        check_buttons(window, "sign-in")
        check_french(window, "sign-in")
        if button is not None and all(f in fields for f in ('Serveur', 'Identifiant', 'Mot de passe')):
            for field, value in (('Serveur', 'http://127.0.0.1:8642'), ('Identifiant', 'dr.martin'),
                                 ('Mot de passe', 'cercle-demo')):
                fields[field].queryEditableText().setTextContents(value)
            do_action(button, 'click')
            said = wait_for(lambda: find_one(window, lambda a: role(a) in TEXT_ROLES and on_screen(a)
                                             and text(a).startswith(SYNC_ABSENT)))
            tap(said is not None and text(fields['Mot de passe']) == ''
                and window in top_levels(), "sign-in-service-absent",
                [f"message: {text(said)!r}" if said else "no French message about the sync service",
                 f"password field: {len(text(fields['Mot de passe']))} characters left"])
            if shot:
                time.sleep(1)
                subprocess.run(['import', '-window', 'root', shot.replace('.png', '-sign-in-error.png')],
                               check=False)
        close(window)

    orientations(pyatspi, frame)

    # The sync service comes (a stand-in, tests/fake-sync-service.py): the
    # banner and the sidebar's sync state, their buttons named in French.
    sync_states(pyatspi, frame, shot)

    # Ctrl+Q: the app quits by itself, cleanly and quietly.
    press_keys(KEY_CONTROL_L, KEY_Q)
    try:
        status = app.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        status = None
    with open(app_log, errors='replace') as f:
        log = [line for line in f.read().splitlines() if line.strip()]
    tap(status == 0, "quit", [f"exit status {status}"])
    warnings = [line for line in log if re.search(r'WARNING|CRITICAL|ERROR', line)]
    tap(not warnings, "no-warnings", warnings[-10:])


# A dossier sent to three structures, as the sync writes what it pulls
# into the local store (the app created its tables when the page opened).
A11Y_DOSSIER = [
    ('ServiceRequest', 'sr-a11y', {
        'resourceType': 'ServiceRequest', 'id': 'sr-a11y', 'status': 'active', 'intent': 'order',
        'code': {'coding': [{'system': 'https://cercle.fr/fhir/CodeSystem/orientation-type', 'code': 'SMR'}]},
        'subject': {'reference': 'Patient/pat-a11y'}, 'authoredOn': '2026-11-20T09:15:00Z',
        'requisition': {'value': 'DO-2026-A11Y'}, 'requester': {'reference': 'Practitioner/pract-a11y'}}),
    ('Task', 'task-a11y-smr', {
        'resourceType': 'Task', 'id': 'task-a11y-smr', 'status': 'accepted', 'intent': 'order',
        'businessStatus': {'coding': [{'code': 'accord'}]}, 'focus': {'reference': 'ServiceRequest/sr-a11y'},
        'for': {'reference': 'Patient/pat-a11y'},
        'owner': {'reference': 'Organization/org-smr', 'display': 'SMR de Coubert (fictif)'},
        'authoredOn': '2026-11-20T09:15:00Z', 'lastModified': '2026-11-22T15:05:00Z',
        'output': [{'type': {'coding': [{'code': 'admission-date'}]}, 'valueDate': '2026-11-30'}]}),
    ('Task', 'task-a11y-ssiad', {
        'resourceType': 'Task', 'id': 'task-a11y-ssiad', 'status': 'received', 'intent': 'order',
        'businessStatus': {'coding': [{'code': 'complement-demande'}]},
        'focus': {'reference': 'ServiceRequest/sr-a11y'}, 'for': {'reference': 'Patient/pat-a11y'},
        'owner': {'reference': 'Organization/org-ssiad', 'display': 'SSIAD de Melun (fictif)'},
        'authoredOn': '2026-11-20T09:15:00Z', 'lastModified': '2026-11-21T08:30:00Z',
        'note': [{'authorReference': {'reference': 'Practitioner/pract-ssiad'},
                  'text': 'Comment se passent les nuits ?'}]}),
    ('Task', 'task-a11y-had', {
        'resourceType': 'Task', 'id': 'task-a11y-had', 'status': 'requested', 'intent': 'order',
        'businessStatus': {'coding': [{'code': 'non-lue'}]}, 'focus': {'reference': 'ServiceRequest/sr-a11y'},
        'for': {'reference': 'Patient/pat-a11y'},
        'owner': {'reference': 'Organization/org-had', 'display': 'HAD de Melun (fictif)'},
        'authoredOn': '2026-11-20T09:15:00Z', 'restriction': {'period': {'end': '2026-11-22T09:15:00Z'}},
        'note': [{'authorString': 'Cercle', 'text': 'Relance : pas de réponse à l’échéance'}]}),
]


def orientations(pyatspi, frame):
    """« Orientations », empty then with a dossier: every button named in
    French; a dossier opened from the keyboard, its actions named."""
    import json
    import sqlite3

    def buttons_named(root, *labels):
        return wait_for(lambda: all(find_one(root, lambda a: role(a) in BUTTON_ROLES and on_screen(a)
                                             and real_name(a) == label) for label in labels))

    press_keys(KEY_ALT_L, KEY_3)
    sidebar = find_one(frame, lambda a: role(a) == pyatspi.ROLE_LIST and name(a) == 'Rubriques')
    row = sidebar and find_one(sidebar, lambda a: role(a) == pyatspi.ROLE_LIST_ITEM and name(a) == 'Orientations')
    shown = wait_for(lambda: row is not None and has_state(row, pyatspi.STATE_SELECTED))
    tap(bool(shown), "orientations/page", [f"sidebar row {'found' if row else 'missing'}"])
    check_buttons(frame, "orientations-empty")
    check_french(frame, "orientations-empty")

    # The page opened the store: what a sync would have brought.
    store = os.path.join(os.environ['CERCLE_TEST_TMPDIR'], 'a11y-store.db')
    ready = wait_for(lambda: os.path.exists(store) and sqlite3.connect(store).execute(
        "SELECT count(*) FROM sqlite_master WHERE name = 'referral_task'").fetchone()[0] == 1)
    if ready:
        db = sqlite3.connect(store)
        for rtype, rid, resource in A11Y_DOSSIER:
            db.execute("INSERT INTO resource (type, id, patient_id, json, version_id, last_updated)"
                       " VALUES (?, ?, 'pat-a11y', ?, '1', '2026-11-22T15:05:00Z')",
                       (rtype, rid, json.dumps(resource, ensure_ascii=False)))
        db.commit()
        db.close()
    tap(bool(ready), "orientations/store", [f"store {store}"])

    # Shown again, the page reads the store again.
    press_keys(KEY_ALT_L, KEY_1)
    time.sleep(0.5)
    press_keys(KEY_ALT_L, KEY_3)
    listed = wait_for(lambda: find_one(frame, lambda a: role(a) in TEXT_ROLES and on_screen(a)
                                       and 'Acceptée le 22/11/2026' in (text(a) or name(a))))
    tap(listed is not None, "orientations/listed", [] if listed else ["no row saying « Acceptée le 22/11/2026 »"])
    check_buttons(frame, "orientations")
    check_french(frame, "orientations")

    # Tab to the dossier, Enter opens it.
    dossiers = find_one(frame, lambda a: role(a) == pyatspi.ROLE_LIST and name(a) == 'Orientations'
                        and on_screen(a))

    def focused_dossier():
        return find_one(dossiers, lambda a: role(a) == pyatspi.ROLE_LIST_ITEM
                        and has_state(a, pyatspi.STATE_FOCUSED)) if dossiers else None
    presses = 0
    while focused_dossier() is None and presses < 30:
        press_keys(KEY_TAB)
        presses += 1
        wait_for(focused_dossier, timeout=0.3)
    press_keys(KEY_RETURN)
    opened = buttons_named(frame, 'Confirmer l’admission', 'Envoyer les compléments', 'Annuler la demande',
                           'Exporter en PDF')
    tap(dossiers is not None and bool(opened), "orientations/dossier-from-keyboard",
        [f"dossier list {'found' if dossiers else 'missing'}, {presses} Tab",
         "actions named in French" if opened else "no « Confirmer l’admission » … on screen"])
    check_buttons(frame, "dossier")
    check_french(frame, "dossier")

    # « Envoyer les compléments »: the structure's question, the volets.
    send = find_one(frame, lambda a: role(a) in BUTTON_ROLES and on_screen(a)
                    and real_name(a) == 'Envoyer les compléments')
    if send is not None:
        do_action(send, 'click')
    asked = wait_for(lambda: find_one(frame, lambda a: role(a) in TEXT_ROLES and on_screen(a)
                                      and 'Comment se passent les nuits ?' in (text(a) or name(a))))
    tap(asked is not None, "orientations/complements-form",
        [] if asked else ["the structure's question is not on screen"])
    check_buttons(frame, "complements")
    check_french(frame, "complements")
    cancel = find_one(frame, lambda a: role(a) in BUTTON_ROLES and on_screen(a) and real_name(a) == 'Annuler')
    if cancel is not None:
        do_action(cancel, 'click')
    press_keys(KEY_ALT_L, KEY_1)


def sync_states(pyatspi, frame, shot):
    source = os.environ['CERCLE_SOURCE_DIR']
    service = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                             'fake-sync-service.py'),
                                os.path.join(source, 'src', 'libcercle', 'fr.cercle.Cercle.Sync.xml'),
                                '--state', 'error', '--pending', '2', '--login', 'dr.martin',
                                '--server', 'http://127.0.0.1:8642', '--last-sync-ago', '300',
                                '--last-error', 'Le serveur ne répond pas (HTTP 503).'],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        ready = service.stdout.readline().strip() == 'ready'
        tap(ready, "sync/service-started")
        if not ready:
            return

        def button_named(label):
            return wait_for(lambda: find_one(frame, lambda a: role(a) in BUTTON_ROLES and on_screen(a)
                                             and real_name(a) == label))

        def shown(label):
            return wait_for(lambda: find_one(frame, lambda a: role(a) in TEXT_ROLES and on_screen(a)
                                             and text(a) == label))

        retry, sync_now = button_named('Réessayer'), button_named('Synchroniser maintenant')
        tap(retry is not None and sync_now is not None
            and shown('La synchronisation a échoué : Le serveur ne répond pas (HTTP 503).') is not None
            and shown('2 modifications en attente d’envoi') is not None, "sync/error-banner",
            [f"« Réessayer » {'found' if retry else 'missing'}, "
             f"« Synchroniser maintenant » {'found' if sync_now else 'missing'}"])
        check_buttons(frame, "sync-error")
        check_french(frame, "sync-error")

        service.stdin.write('set State auth-required\n')
        service.stdin.flush()
        again = button_named('Se reconnecter')
        tap(again is not None, "sync/auth-required-banner")
        check_buttons(frame, "sync-auth-required")

        service.stdin.write('set State offline\n')
        service.stdin.flush()
        offline = shown('Hors connexion — les modifications seront envoyées au retour du réseau')
        tap(offline is not None, "sync/offline-banner")
        if shot:
            time.sleep(1)
            subprocess.run(['import', '-window', 'root', shot.replace('.png', '-offline.png')],
                           check=False)
        check_buttons(frame, "sync-offline")
        check_french(frame, "sync-offline")
    finally:
        service.stdin.close()
        try:
            service.wait(timeout=5)
        except subprocess.TimeoutExpired:
            service.kill()
            service.wait()


def has_action(a, action_name):
    try:
        act = a.queryAction()
        return any(act.getName(i) == action_name for i in range(act.nActions))
    except Exception:
        return False


def on_screen_list(pyatspi, root, label):
    return find_one(root, lambda a: role(a) == pyatspi.ROLE_LIST and name(a) == label
                    and on_screen(a)) is not None


def completion_items(pyatspi, page):
    lst = find_one(page, lambda a: role(a) == pyatspi.ROLE_LIST and name(a) == 'Communes correspondantes')
    if lst is None:
        return None
    return [item_text(pyatspi, a) for a in find_all(lst, lambda a: role(a) == pyatspi.ROLE_LIST_ITEM)] or None


def item_text(pyatspi, item):
    """What a screen reader says for a list item: its name, or else the first
    name among what it holds (GTK 4.8 list items carry none of their own)."""
    for a in walk(item):
        if real_name(a):
            return real_name(a)
    return ''


def result_rows(pyatspi, results):
    rows = [item_text(pyatspi, a) for a in find_all(results, lambda a: role(a) == pyatspi.ROLE_LIST_ITEM)]
    return [r for r in rows if r] or None


if __name__ == '__main__':
    sys.exit(main())
